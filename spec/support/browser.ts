/**
 * A headless Chromium for browser specs, through playwright-core.
 *
 * Which Chromium: `CHROMIUM_PATH` if set (and then only that one), else the one `@sparticuz/chromium`
 * ships inside its npm package (so `npm ci && npm test` needs no download), else `/usr/bin/chromium`.
 * Each candidate is run once with `--version` first, so a binary that cannot start (missing system
 * libraries) counts as not found, with the reason.
 *
 * When none is usable, the rule of every spec that needs a system tool (./system-tool.ts): outside CI
 * the browser specs are skipped with a loud message saying how to get one; under CI (`CI` set, not
 * `false`/`0`) they fail, so a CI run never passes without them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type SystemTool, describeWithTool, runningInCI, warnLoudly } from './system-tool';

export { runningInCI };

/** What the package's Chromium links against that a minimal Debian lacks (checked in a fresh bookworm). */
export const CHROMIUM_SYSTEM_PACKAGES = ['libnss3', 'libexpat1'] as const;

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const LAUNCH_TIMEOUT_MS = 30_000;
/** Unpacking the package's Chromium takes about 2 s; parallel jest workers wait for each other. */
const EXTRACT_TIMEOUT_MS = 120_000;

/**
 * Of `@sparticuz/chromium`'s recommended args (written for AWS Lambda), these stay out:
 * `--single-process` and `--in-process-gpu` each made Chromium crash here, and
 * `--disable-web-security` would hide what the specs check (CSP, same-origin).
 */
const DROPPED_ARGS = new Set(['--single-process', '--in-process-gpu', '--disable-web-security']);
/** No network here: without these Chromium keeps dialling Google services and logging refusals. */
const EXTRA_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const INSTALL_HINT = [
  'To run the browser specs, get a Chromium that starts on this machine:',
  '  npm ci                      (installs @sparticuz/chromium, a Chromium inside the npm package;',
  `                               on Debian it needs: apt-get install -y ${CHROMIUM_SYSTEM_PACKAGES.join(' ')})`,
  '  or: apt-get install -y chromium && export CHROMIUM_PATH=/usr/bin/chromium',
].join('\n');

export type ChromiumLookup =
  | { readonly found: true; readonly executablePath: string; readonly fromPackage: boolean }
  | { readonly found: false; readonly reasons: readonly string[] };

let lookup: ChromiumLookup | undefined;
const homes = new WeakMap<Browser, string>();

/** The Chromium to use, looked up once per process (synchronously, so specs can decide to skip). */
export function findChromium(): ChromiumLookup {
  lookup ??= lookUpChromium(process.env);
  return lookup;
}

/** The command-line flags for the package's Chromium, for a machine without network. */
export function chromiumArgs(recommended: readonly string[] = packageArgs()): string[] {
  const args = recommended.filter((arg) => !DROPPED_ARGS.has(arg));
  return [...args, ...EXTRA_ARGS.filter((arg) => !args.includes(arg))];
}

/**
 * Launches headless Chromium, or returns undefined after saying loudly why none is usable (outside
 * CI; under CI it throws). The browser gets its own short-lived HOME and TMPDIR, removed when it
 * disconnects; playwright gives each launch a fresh user-data-dir of its own and removes it on close.
 */
export async function launchBrowser(): Promise<Browser | undefined> {
  const found = findChromium();
  if (!found.found) {
    const message = notFoundMessage(found.reasons);
    if (runningInCI()) throw new Error(message);
    warnLoudly(message);
    return undefined;
  }
  const home = mkdtempSync(join(tmpdir(), 'rxchat-browser-'));
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOME: home,
    TMPDIR: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  // Without fontconfig (a minimal Debian), text would render blank: use the fonts the package ships.
  if (found.fromPackage && env['FONTCONFIG_PATH'] === undefined && !existsSync('/etc/fonts/fonts.conf')) {
    env['FONTCONFIG_PATH'] = join(dirname(found.executablePath), 'fonts');
  }
  try {
    const browser = await chromium.launch({
      executablePath: found.executablePath,
      args: found.fromPackage ? chromiumArgs() : chromiumArgs([]),
      headless: true,
      timeout: LAUNCH_TIMEOUT_MS,
      env,
    });
    browser.on('disconnected', () => rmSync(home, { recursive: true, force: true }));
    homes.set(browser, home);
    return browser;
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

/** The HOME and TMPDIR a browser from launchBrowser runs with (removed once it disconnects). */
export function browserHome(browser: Browser): string | undefined {
  return homes.get(browser);
}

/**
 * `describe` for specs that need a browser: one launch for the whole block (closed after it), handed
 * to the tests through `browser()`. Without a usable Chromium the block is skipped (outside CI) or
 * fails (under CI).
 */
export function describeWithBrowser(name: string, body: (browser: () => Browser) => void): void {
  describeWithTool(CHROMIUM, name, () => {
    let launched: Browser | undefined;
    beforeAll(async () => {
      launched = await launchBrowser();
    }, LAUNCH_TIMEOUT_MS + EXTRACT_TIMEOUT_MS);
    afterAll(async () => {
      await launched?.close();
    });
    body(() => launched ?? unavailable());
  });
}

/** A Chromium that starts, as a system tool: the same skip-or-fail rule as openssl or redis-server. */
const CHROMIUM: SystemTool = {
  name: 'a usable Chromium',
  installHint: INSTALL_HINT,
  problem: () => {
    const found = findChromium();
    return found.found ? undefined : [NOT_FOUND, ...found.reasons.map((reason) => `- ${reason}`)].join('\n');
  },
};

function unavailable(): never {
  throw new Error('no browser: the launch failed (see beforeAll)');
}

/**
 * Looks for a Chromium that starts: `CHROMIUM_PATH` alone when set (the user chose it), else the
 * package's, else the system's. Every candidate that fails says why in `reasons`.
 */
export function lookUpChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const reasons: string[] = [];
  const fromEnv = env['CHROMIUM_PATH'];
  const candidates: { path: () => string | undefined; fromPackage: boolean }[] =
    fromEnv !== undefined && fromEnv !== ''
      ? [{ path: () => fromEnv, fromPackage: false }]
      : [
          { path: () => extractPackageChromium(reasons), fromPackage: true },
          { path: () => systemChromium(reasons), fromPackage: false },
        ];
  for (const candidate of candidates) {
    const path = candidate.path();
    if (path === undefined) continue;
    const problem = cannotStart(path);
    if (problem === undefined) return { found: true, executablePath: path, fromPackage: candidate.fromPackage };
    // A run killed while unpacking leaves a truncated binary that the package then reuses.
    reasons.push(
      `${path}: ${problem}${candidate.fromPackage ? ` (if it was half unpacked: rm ${path} and run again)` : ''}`,
    );
  }
  if (fromEnv !== undefined && fromEnv !== '') {
    reasons.push('CHROMIUM_PATH is set, so no other Chromium was tried: unset it to use the one npm ci installs');
  }
  return { found: false, reasons };
}

function systemChromium(reasons: string[]): string | undefined {
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  reasons.push(`${SYSTEM_CHROMIUM}: not installed`);
  return undefined;
}

/** Why `path` cannot run (`--version`), or undefined when it can. */
function cannotStart(path: string): string | undefined {
  if (!existsSync(path)) return 'no such file';
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error !== undefined) return run.error.message;
  if (run.status === 0) return undefined;
  const output = `${run.stderr}${run.stdout}`.trim();
  const missingLibrary = /error while loading shared libraries: (\S+?):/.exec(output);
  if (missingLibrary !== null) {
    return `missing system library ${missingLibrary[1]} (Debian: apt-get install -y ${CHROMIUM_SYSTEM_PACKAGES.join(' ')})`;
  }
  return `exited with ${run.status ?? run.signal}: ${output.slice(0, 300)}`;
}

/**
 * Unpacks the package's Chromium (into the system temp dir, where `@sparticuz/chromium` keeps it)
 * in a child process, so the lookup stays synchronous. A lock directory keeps two jest workers
 * from unpacking at once, which would let one of them start a half-written binary.
 */
function extractPackageChromium(reasons: string[]): string | undefined {
  try {
    require.resolve('@sparticuz/chromium');
  } catch {
    reasons.push('@sparticuz/chromium: not installed (npm ci installs it)');
    return undefined;
  }
  const script = `
    const fs = require('node:fs');
    const lock = require('node:path').join(require('node:os').tmpdir(), 'rxchat-chromium-extract.lock');
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    (async () => {
      const deadline = Date.now() + ${EXTRACT_TIMEOUT_MS - 10_000};
      for (;;) {
        try { fs.mkdirSync(lock); break; } catch (error) { if (error.code !== 'EEXIST') throw error; }
        // A lock left by a killed process is stale after a minute; unpacking takes seconds.
        try { if (Date.now() - fs.statSync(lock).mtimeMs > 60000) fs.rmSync(lock, { recursive: true, force: true }); } catch {}
        if (Date.now() > deadline) throw new Error('timed out waiting for ' + lock);
        await sleep(100);
      }
      try { process.stdout.write(await require('@sparticuz/chromium').executablePath()); }
      finally { fs.rmSync(lock, { recursive: true, force: true }); }
    })().catch((error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); });
  `;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: EXTRACT_TIMEOUT_MS,
  });
  if (run.status === 0 && run.stdout !== '') return run.stdout;
  reasons.push(
    `@sparticuz/chromium: could not unpack its Chromium: ${(run.stderr || run.error?.message || '').trim()}`,
  );
  return undefined;
}

/** The flags `@sparticuz/chromium` recommends (for AWS Lambda). */
export function packageArgs(): string[] {
  // Loaded only when used: the package is large and most specs never need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sparticuz = require('@sparticuz/chromium') as { args: string[] } | { default: { args: string[] } };
  return 'default' in sparticuz ? sparticuz.default.args : sparticuz.args;
}

const NOT_FOUND = 'NO USABLE CHROMIUM: the browser specs cannot run.';

function notFoundMessage(reasons: readonly string[]): string {
  return [
    NOT_FOUND,
    ...reasons.map((reason) => `  - ${reason}`),
    '',
    INSTALL_HINT,
    runningInCI()
      ? 'Under CI this is a failure.'
      : 'Outside CI the browser specs are SKIPPED (under CI=true they fail).',
  ].join('\n');
}
