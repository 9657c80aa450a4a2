import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

export const DIST = join(__dirname, '..', '..', 'dist');
export const CLIENT_JS = join(DIST, 'cli', 'client.js');
export const SERVER_JS = join(DIST, 'cli', 'server.js');

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
export function spawnCommand(name: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
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
      reject(new Error(`${proc.name} ${why}\n--- stdout:\n${proc.stdout()}\n--- stderr:\n${proc.stderr()}`));
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
  return new Promise((resolve, reject) => {
    if (proc.child.exitCode !== null && proc.child.stdout.readableEnded) return resolve(proc.child.exitCode);
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${proc.name} did not exit within ${timeoutMs} ms\n--- stdout:\n${proc.stdout()}\n--- stderr:\n${proc.stderr()}`),
        ),
      timeoutMs,
    );
    proc.child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Starts the server CLI on a free port; resolves with the process and its port. */
export async function startServerCli(args: readonly string[] = []): Promise<{ server: Spawned; port: number }> {
  const server = spawnNode('rxchat-server', SERVER_JS, ['--host', '127.0.0.1', '--port', '0', ...args]);
  const [, port] = await waitForStdout(server, /Server listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port) };
}

function withoutUndefined(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
