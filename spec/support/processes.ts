/**
 * Spawning the compiled CLIs (and other commands) for specs: output recorded, waits bounded, and no
 * process left behind (killSpawned() in afterEach, or ServerProcess.kill()).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withTimeout } from './waiting';

/** The compiled CLIs: `npm test` builds them first (pretest); `npx jest` alone does not. */
export const DIST = join(__dirname, '..', '..', 'dist');
export const CLIENT_JS = join(DIST, 'cli', 'client.js');
export const SERVER_JS = join(DIST, 'cli', 'server.js');
/** Runs a command in an 80x24 pseudo-terminal (needs python3). */
export const PTY_RUN = join(__dirname, 'pty-run.py');

export function requireBuiltServer(): void {
  if (!existsSync(SERVER_JS)) {
    throw new Error(`${SERVER_JS} is missing: run "npm run build" first (npm test does it for you)`);
  }
}

/** A spawned process with everything it printed so far. */
export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  readonly name: string;
  stdout(): string;
  stderr(): string;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Spawns `node script ...args`; the process is killed by killSpawned() if it is still running. */
export function spawnNode(name: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnCommand(name, process.execPath, [script, ...args], env);
}

/** Spawns a command (NO_COLOR set unless `env` unsets it with undefined); killed by killSpawned(). */
export function spawnCommand(
  name: string,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Spawned {
  const child = spawn(file, args, {
    env: withoutUndefined({ ...process.env, NO_COLOR: '1', ...env }),
    stdio: 'pipe',
    // Its own process group, so that killSpawned() also reaches what a shell started.
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return { child, name, stdout: () => out, stderr: () => err };
}

/** For afterEach: no test leaves a process behind (a shell's children get the signal through its group). */
export async function killSpawned(): Promise<void> {
  const exits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL'); // the group is gone already
        }
      }),
  );
  running.clear();
  await Promise.all(exits);
}

/** Resolves with the first match of `pattern` in the process's stdout; fails after `timeoutMs`. */
export function waitForStdout(proc: Spawned, pattern: RegExp, timeoutMs = 5_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = proc.stdout().match(pattern);
      if (match === null) return false;
      cleanup();
      resolve(match);
      return true;
    };
    const onData = () => void check();
    const onExit = () => {
      // Output may still be in flight when 'exit' fires; 'close' comes after the streams end.
      proc.child.once('close', () => {
        if (!check()) fail(`exited (code ${proc.child.exitCode}) before printing ${pattern}`);
      });
    };
    const timer = setTimeout(() => fail(`did not print ${pattern} within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`${proc.name} ${why}\n${output(proc)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stdout.off('data', onData);
      proc.child.off('exit', onExit);
    };
    if (check()) return;
    proc.child.stdout.on('data', onData);
    if (proc.child.exitCode !== null) onExit();
    else proc.child.once('exit', onExit);
  });
}

/** Resolves with the exit code once the process ended and its output was read; fails after `timeoutMs`. */
export function waitForExit(proc: Spawned, timeoutMs = 5_000): Promise<number | null> {
  if (proc.child.exitCode !== null && proc.child.stdout.readableEnded) return Promise.resolve(proc.child.exitCode);
  const closed = new Promise<number | null>((resolve) => proc.child.once('close', (code) => resolve(code)));
  return withTimeout(closed, timeoutMs, () => `${proc.name} to exit\n${output(proc)}`);
}

/** Starts the server CLI on a free port; resolves with the process and its port. */
export async function startServerCli(args: readonly string[] = []): Promise<{ server: Spawned; port: number }> {
  const server = spawnNode('rxchat-server', SERVER_JS, [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...withFreeHttpPort(args, {}),
  ]);
  const [, port] = await waitForStdout(server, /Server listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The server CLI as one long-running process, its output recorded. Environment: the test's, minus
 * CHAT_*, plus `env`.
 */
export class ServerProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private readonly proc: Spawned;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    requireBuiltServer();
    const unsetChat = Object.fromEntries(
      Object.keys(process.env)
        .filter((key) => key.startsWith('CHAT_'))
        .map((key) => [key, undefined]),
    );
    this.proc = spawnNode('rxchat-server', SERVER_JS, withFreeHttpPort(args, env), { ...unsetChat, ...env });
    this.exited = new Promise((resolve) =>
      this.proc.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get stdout(): string {
    return this.proc.stdout();
  }

  get stderr(): string {
    return this.proc.stderr();
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Waits until stdout has a line matching `pattern` (`^` and `$` match at each line); fails early if the process exits. */
  async waitForLine(pattern: RegExp, ms = 5_000): Promise<RegExpMatchArray> {
    const perLine = pattern.multiline ? pattern : new RegExp(pattern.source, `${pattern.flags}m`);
    return waitForStdout(this.proc, perLine, ms);
  }

  /** Waits for the listening line and returns the address it names. */
  async listening(ms = 5_000): Promise<{ host: string; port: number }> {
    const match = await this.waitForLine(/^Server listening on (.+):(\d+)$/, ms);
    return { host: match[1]!, port: Number(match[2]) };
  }

  /** Waits for the process to exit, failing after `ms`. */
  waitExit(ms = 5_000): Promise<Exit> {
    return withTimeout(this.exited, ms, () => `the server to exit\n${output(this.proc)}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.proc.child.kill(signal);
  }

  /** Last resort for afterEach: never leave a server behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.proc.child.kill('SIGKILL');
    await withTimeout(this.exited, 5_000, 'the killed server to exit');
  }
}

/**
 * Tests listen on port 0 only: the web page's default port 8080 is never theirs to take, nor IRC's
 * 6667 and 6697 (a test that wants IRC names its port).
 */
function withFreeHttpPort(args: readonly string[], env: Record<string, string>): readonly string[] {
  const help = args.some((arg) => arg === '--help' || arg === '-h');
  const chosen = help || args.some((arg) => arg === '--http-port' || arg === '--no-http') || 'CHAT_HTTP_PORT' in env;
  const ircChosen =
    help ||
    args.some((arg) => arg === '--irc-port' || arg === '--irc-tls-port' || arg === '--no-irc') ||
    'CHAT_IRC_PORT' in env;
  return [...args, ...(chosen ? [] : ['--http-port', '0']), ...(ircChosen ? [] : ['--no-irc'])];
}

function output(proc: Spawned): string {
  return `--- stdout:\n${proc.stdout()}\n--- stderr:\n${proc.stderr()}`;
}

function withoutUndefined(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
