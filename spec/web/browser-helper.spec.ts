/**
 * The browser helper (spec/support/browser.ts) without a browser: which flags Chromium gets, how a
 * Chromium that cannot start is reported, and the rule that browser specs skip outside CI and fail
 * under it when no Chromium is usable.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  browserHome,
  chromiumArgs,
  findChromium,
  launchBrowser,
  lookUpChromium,
  packageArgs,
  runningInCI,
} from '../support/browser';
import { runFixture } from '../support/child-jest';

const FIXTURE = 'spec/web/fixtures/needs-browser.ts';

describe('the browser helper', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxchat-browser-helper-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in for a Chromium binary: a shell script that prints `stderr` and exits with `status`. */
  function fakeChromium(name: string, stderr: string, status: number, stdout = ''): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho '${stdout}'\necho '${stderr}' >&2\nexit ${status}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it("gives Chromium the package's args without the ones that crash or hide what we test, plus offline ones", () => {
    const recommended = packageArgs();
    expect(recommended).toEqual(
      expect.arrayContaining(['--single-process', '--in-process-gpu', '--disable-web-security']),
    );
    const args = chromiumArgs(recommended);
    expect(args).not.toContain('--single-process');
    expect(args).not.toContain('--in-process-gpu');
    expect(args).not.toContain('--disable-web-security');
    expect(args).toEqual(
      expect.arrayContaining(['--no-zygote', '--disable-quic', '--disable-background-networking', '--disable-gpu']),
    );
    expect(args.filter((arg) => arg === '--no-sandbox')).toHaveLength(1);
    expect(chromiumArgs([])).toEqual([
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ]);
  });

  it('uses CHROMIUM_PATH alone when it is set, and says why when it cannot start', () => {
    expect(lookUpChromium({ CHROMIUM_PATH: join(dir, 'missing') })).toEqual({
      found: false,
      reasons: [
        `${join(dir, 'missing')}: no such file`,
        'CHROMIUM_PATH is set, so no other Chromium was tried: unset it to use the one npm ci installs',
      ],
    });

    const noLibraries = fakeChromium(
      'no-nss',
      'chromium: error while loading shared libraries: libnss3.so: cannot open shared object file: No such file or directory',
      127,
    );
    const lookup = lookUpChromium({ CHROMIUM_PATH: noLibraries });
    expect(lookup.found).toBe(false);
    expect(!lookup.found && lookup.reasons[0]).toBe(
      `${noLibraries}: missing system library libnss3.so (Debian: apt-get install -y libnss3 libexpat1)`,
    );

    const crashing = fakeChromium('crashing', 'Trace/breakpoint trap', 133);
    expect(lookUpChromium({ CHROMIUM_PATH: crashing })).toMatchObject({
      found: false,
      reasons: [`${crashing}: exited with 133: Trace/breakpoint trap`, expect.any(String)],
    });

    const working = fakeChromium('working', '', 0, 'Chromium 143.0.7499.0');
    expect(lookUpChromium({ CHROMIUM_PATH: working })).toEqual({
      found: true,
      executablePath: working,
      fromPackage: false,
    });
  });

  it('launches Chromium with a fresh user-data-dir and home of its own, both removed on close', async () => {
    const browser = await launchBrowser();
    if (browser === undefined) return expect(findChromium().found).toBe(false); // skipped loudly: see the warning
    let dirs: string[];
    try {
      const home = browserHome(browser) ?? '(no home)';
      dirs = [home, ...userDataDirsOfProcessesWithHome(home)];
      expect(dirs).toHaveLength(2);
      expect(dirs.map(existsSync)).toEqual([true, true]);
    } finally {
      await browser.close();
    }
    expect(dirs.map(existsSync)).toEqual([false, false]);
  }, 60_000);

  it('knows CI by the CI variable, as CI services set it', () => {
    expect(runningInCI({ CI: 'true' })).toBe(true);
    expect(runningInCI({ CI: '1' })).toBe(true);
    expect(runningInCI({})).toBe(false);
    expect(runningInCI({ CI: '' })).toBe(false);
    expect(runningInCI({ CI: 'false' })).toBe(false);
    expect(runningInCI({ CI: '0' })).toBe(false);
  });

  it('without a usable Chromium, skips browser specs loudly outside CI and fails them under CI', async () => {
    const [outside, under] = await Promise.all([
      runFixture(FIXTURE, { CI: undefined, CHROMIUM_PATH: join(dir, 'missing') }),
      runFixture(FIXTURE, { CI: 'true', CHROMIUM_PATH: join(dir, 'missing') }),
    ]);
    expect(outside.status).toBe(0);
    expect(outside.output).toContain('NO USABLE CHROMIUM');
    expect(outside.output).toContain('npm ci');
    expect(outside.output).toMatch(/Tests:\s+1 skipped, 1 total/);

    expect(under.status).toBe(1);
    expect(under.output).toContain('NO USABLE CHROMIUM');
    expect(under.output).toContain('Under CI this is a failure.');
    expect(under.output).toMatch(/Tests:\s+1 failed, 1 total/);
  }, 120_000);
});

/** The --user-data-dir of every process running with HOME=`home` (found through /proc). */
function userDataDirsOfProcessesWithHome(home: string): string[] {
  const dirs = new Set<string>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HOME=${home}`)) continue;
      const flag = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .find((arg) => arg.startsWith('--user-data-dir='));
      if (flag !== undefined) dirs.add(flag.slice('--user-data-dir='.length));
    } catch {
      // The process ended, or is not ours to read.
    }
  }
  return [...dirs];
}
