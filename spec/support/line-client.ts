import { type Socket, connect } from 'node:net';
import { withTimeout } from './waiting';

/** How long a test client waits for anything by default. Generous, but it always ends. */
export const DEFAULT_WAIT_MS = 3_000;

/**
 * A chat client for tests: it records every byte and every LF-terminated line the server sends,
 * and reads them back with bounded waits.
 */
export class LineClient {
  /** Every line received so far, decoded as UTF-8, without its LF. */
  readonly lines: string[] = [];
  /** Every byte received so far. */
  private readonly chunks: Buffer[] = [];
  private partial = Buffer.alloc(0);
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      let data = Buffer.concat([this.partial, chunk]);
      let lf = data.indexOf(0x0a);
      while (lf !== -1) {
        this.lines.push(data.toString('utf8', 0, lf));
        data = data.subarray(lf + 1);
        lf = data.indexOf(0x0a);
      }
      this.partial = Buffer.from(data);
      this.wake();
    });
    // A reset or a write after the server closed us is part of what tests provoke: never crash on it.
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects to 127.0.0.1:`port`. */
  static connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    const socket = connect({ port, host, noDelay: true });
    const connected = new Promise<LineClient>((resolve, reject) => {
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
    return withTimeout(connected, DEFAULT_WAIT_MS, `a connection to ${host}:${port}`).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The next line not read yet. */
  async nextLine(ms = DEFAULT_WAIT_MS): Promise<string> {
    const [line] = await this.readLines(1, ms);
    return line!;
  }

  /** The next `count` lines not read yet. */
  async readLines(count: number, ms = DEFAULT_WAIT_MS): Promise<string[]> {
    await this.waitFor(() => this.lines.length >= this.cursor + count, ms, `${count} more line(s)`);
    const lines = this.lines.slice(this.cursor, this.cursor + count);
    this.cursor += count;
    return lines;
  }

  /** Skips lines until one equals `expected` (or matches it); returns that line. */
  async readUntil(expected: string | RegExp, ms = DEFAULT_WAIT_MS): Promise<string> {
    const matches = (line: string) => (typeof expected === 'string' ? line === expected : expected.test(line));
    let found = -1;
    await this.waitFor(
      () => {
        found = this.lines.findIndex((line, i) => i >= this.cursor && matches(line));
        return found !== -1;
      },
      ms,
      `a line ${typeof expected === 'string' ? JSON.stringify(expected) : String(expected)}`,
    );
    this.cursor = found + 1;
    return this.lines[found]!;
  }

  /** Lines received but not read yet. */
  unread(): string[] {
    return this.lines.slice(this.cursor);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Waits until the server has closed the connection (and the socket is fully closed). */
  async waitClosed(ms = DEFAULT_WAIT_MS): Promise<void> {
    await withTimeout(this.closedPromise, ms, `the connection to close (unread lines: ${JSON.stringify(this.unread())})`);
  }

  /** Hangs up cleanly (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Hangs up abruptly (RST). */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else if (this.closedFlag) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${what}; ${this.describe()}`));
        } else {
          this.waiters.push(check);
        }
      };
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; ${this.describe()}`));
      }, ms);
      check();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private describe(): string {
    const unread = this.unread().map((line) => (line.length > 80 ? `${line.slice(0, 77)}...` : line));
    const shown = unread.length > 20 ? [...unread.slice(0, 10), '...', ...unread.slice(-10)] : unread;
    return `unread lines: ${JSON.stringify(shown)} (${this.lines.length} received in all)`;
  }
}
