import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { withTimeout } from './waiting';

/** The compiled CLI: `npm test` builds it first (pretest); `npx jest` alone does not. */
export const SERVER_JS = resolve(__dirname, '../../dist/cli/server.js');

export function requireBuiltServer(): void {
  if (!existsSync(SERVER_JS)) {
    throw new Error(`${SERVER_JS} is missing: run "npm run build" first (npm test does it for you)`);
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The real server process, its output recorded. Environment: the test's, minus CHAT_*, plus `env`. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private readonly child: ChildProcess;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    requireBuiltServer();
    const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CHAT_')));
    this.child = spawn(process.execPath, [SERVER_JS, ...args], {
      env: { ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Waits until stdout has a line matching `pattern`; fails early if the process exits. */
  async waitForLine(pattern: RegExp, ms = 5_000): Promise<RegExpMatchArray> {
    const found = () => this.stdout.split('\n').map((line) => line.match(pattern)).find((m) => m !== null);
    const waiting = new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = found();
        if (match) return resolve(match);
        if (!this.running) return reject(new Error(`the server exited (${JSON.stringify(this.exit)}) before printing ${pattern}\n${this.describe()}`));
        setTimeout(check, 10);
      };
      check();
    });
    return withTimeout(waiting, ms, `the server to print ${pattern}\n${this.describe()}`);
  }

  /** Waits for the listening line and returns the port it names. */
  async listening(ms = 5_000): Promise<{ host: string; port: number }> {
    const match = await this.waitForLine(/^Server listening on (.+):(\d+)$/, ms);
    return { host: match[1]!, port: Number(match[2]) };
  }

  /** Waits for the process to exit, failing after `ms`. */
  waitExit(ms = 5_000): Promise<Exit> {
    return withTimeout(this.exited, ms, `the server to exit\n${this.describe()}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Last resort for afterEach: never leave a server behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await withTimeout(this.exited, 5_000, 'the killed server to exit');
  }

  private describe(): string {
    return `stdout: ${JSON.stringify(this.stdout)}\nstderr: ${JSON.stringify(this.stderr)}`;
  }
}
