/**
 * One rule for specs that need something the machine must provide (openssl, python3, redis-server,
 * a Chromium): outside CI a block whose tool is missing is skipped with a loud warning saying how to
 * install it; under CI (`CI` set, not `false`/`0`) it fails instead, so a CI run never passes by
 * skipping.
 */
import { execFileSync } from 'node:child_process';

/** Something a block of specs needs from the machine. */
export interface SystemTool {
  /** What it is, as a user would name it: `openssl`, `redis-server`. */
  readonly name: string;
  /** How to get it (shell commands, may span lines). */
  readonly installHint: string;
  /** Why it cannot be used here, or undefined when it can. Called once per `describeWithTool`. */
  readonly problem: () => string | undefined;
}

/** True under CI, where a missing tool is a failure rather than a skip. */
export function runningInCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** A command-line tool, usable when `command ...args` exits with 0 (checked once per process). */
export function commandTool(name: string, args: readonly string[], installHint: string): SystemTool {
  let problem: string | null | undefined;
  return {
    name,
    installHint,
    problem: () => {
      if (problem === undefined) {
        try {
          execFileSync(name, args, { stdio: 'ignore' });
          problem = null;
        } catch (error) {
          problem = `\`${[name, ...args].join(' ')}\` failed: ${(error as Error).message.split('\n')[0]}`;
        }
      }
      return problem ?? undefined;
    },
  };
}

/** The TLS specs make their certificates with it. */
export const OPENSSL = commandTool('openssl', ['version'], 'apt-get update && apt-get install -y openssl');
/** The pseudo-terminal specs drive the client through Python's `pty` module. */
export const PYTHON3 = commandTool('python3', ['-c', 'import pty'], 'apt-get update && apt-get install -y python3');
/** The relay and cluster specs run a real one. */
export const REDIS_SERVER = commandTool(
  'redis-server',
  ['--version'],
  'apt-get update && apt-get install -y redis-server',
);

/**
 * `describe` for specs that need `tool`. When it is usable, a plain `describe`. When it is not:
 * outside CI the block is skipped after a loud warning; under CI the block is declared with a
 * `beforeAll` that throws, so each of its tests fails with the reason and how to install the tool.
 */
export function describeWithTool(tool: SystemTool, title: string, body: () => void): void {
  const problem = tool.problem();
  if (problem === undefined) return describe(title, body);
  const message = [
    `"${title}" needs ${tool.name}, which is not usable here:`,
    ...problem.split('\n').map((line) => `  ${line}`),
    `Install it:`,
    ...tool.installHint.split('\n').map((line) => `  ${line}`),
    runningInCI() ? 'Under CI this is a failure.' : 'Outside CI these specs are SKIPPED (under CI=true they fail).',
  ].join('\n');
  if (runningInCI()) {
    return describe(title, () => {
      beforeAll(() => {
        throw new Error(message);
      });
      body();
    });
  }
  warnLoudly(message);
  describe.skip(`${title} (skipped: no ${tool.name}, see the warning)`, body);
}

/** A warning no one scrolls past. */
export function warnLoudly(message: string): void {
  const rule = '!'.repeat(100);
  console.warn(`\n${rule}\n${message}\n${rule}\n`);
}
