/**
 * Shared helpers of the command and protection specs:
 *  - `timeline()` writes marble strings from frame numbers, so that expectations read as "at 20: r";
 *  - `LineClient` is a TCP client that reads the server's LF-terminated lines, with bounded waits
 *    that fail with what was received so far.
 */
import { type Socket, connect as netConnect } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Marbles
// ---------------------------------------------------------------------------------------------

/**
 * A marble string with each entry at its frame: `timeline({ 0: '(wj)', 5: 'b', 1000: 'k' })`.
 * Groups occupy their length in frames (as in RxJS); long gaps use time progression (`996ms`).
 */
export function timeline(entries: Record<number, string>): string {
  let marbles = '';
  let frame = 0;
  const sorted = Object.entries(entries)
    .map(([at, marble]) => [Number(at), marble] as const)
    .sort(([a], [b]) => a - b);
  for (const [at, marble] of sorted) {
    if (at < frame) throw new Error(`timeline: "${marble}" at frame ${at} overlaps the previous entry (ends at ${frame})`);
    const gap = at - frame;
    marbles += gap > 20 ? ` ${gap}ms ` : '-'.repeat(gap);
    marbles += marble;
    frame = at + marble.length;
  }
  return marbles;
}

// ---------------------------------------------------------------------------------------------
// TCP
// ---------------------------------------------------------------------------------------------

export const HOST = '127.0.0.1';
/** The default bound of every wait: long enough for a loaded 2-core machine, short enough to fail fast. */
export const WAIT_MS = 5_000;

const open = new Set<Socket>();

/** Destroys every socket a spec opened (call it in afterEach). */
export function destroyAllClients(): void {
  for (const socket of open) socket.destroy();
  open.clear();
}

/** Resolves within `ms` or rejects with `what` (and clears its timer either way). */
export function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A chat client over a real socket. Every received line is kept (`lines`), and readers consume them
 * in order (`next`, `waitFor`, `readUntilClosed`). Bytes after the last LF at close are reported in
 * `partial`, since every server line must end with LF.
 */
export class LineClient {
  /** Every complete line received, in order, without its LF. */
  readonly lines: string[] = [];
  /** How many of `lines` the readers have consumed. */
  private cursor = 0;
  private buffered: Buffer[] = [];
  private closedFlag = false;
  private errorText: string | undefined;
  private waiters: (() => void)[] = [];
  /** Bytes received after the last LF when the connection closed. */
  partial = '';

  private constructor(
    readonly socket: Socket,
    readonly label: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.errorText = error.message;
    });
    socket.on('close', () => {
      this.closedFlag = true;
      if (this.buffered.length > 0) this.partial = Buffer.concat(this.buffered).toString('utf8');
      this.buffered = [];
      this.wake();
    });
  }

  /**
   * Connects to the server, failing clearly if that takes longer than `ms`. With `allowHalfOpen` the
   * client does not answer the server's FIN with its own: it keeps its side open, like a stuck peer.
   */
  static async connect(port: number, label = 'client', ms = WAIT_MS, options: { allowHalfOpen?: boolean } = {}): Promise<LineClient> {
    const socket = netConnect({ host: HOST, port, allowHalfOpen: options.allowHalfOpen ?? false });
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      ms,
      () => `${label} connecting to ${HOST}:${port}`,
    );
    return new LineClient(socket, label);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends one line (LF appended). */
  send(text: string): void {
    this.socket.write(`${text}\n`);
  }

  /** Writes bytes as they are, resolving once the socket accepts more (backpressure-aware). */
  write(data: Buffer | string): Promise<void> {
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(new Error(`${this.label}: socket closed while writing`));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /** The next unread line. */
  next(ms = WAIT_MS): Promise<string> {
    return this.waitFor(() => true, 'any line', ms);
  }

  /** The next `count` unread lines. */
  async take(count: number, ms = WAIT_MS): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(await this.next(ms));
    return lines;
  }

  /** Consumes lines up to and including the first one matching; fails with what was seen otherwise. */
  async waitFor(match: string | RegExp | ((line: string) => boolean), what?: string, ms = WAIT_MS): Promise<string> {
    const test =
      typeof match === 'string' ? (l: string) => l === match : match instanceof RegExp ? (l: string) => match.test(l) : match;
    const description = what ?? String(match);
    const start = this.cursor;
    const found = await this.until(
      () => {
        while (this.cursor < this.lines.length) {
          const line = this.lines[this.cursor++]!;
          if (test(line)) return line;
        }
        if (this.closedFlag) throw new Error(`${this.label}: closed before ${description}; ${this.seen(start)}`);
        return undefined;
      },
      ms,
      () => `${this.label} waiting for ${description}; ${this.seen(start)}`,
    );
    return found;
  }

  /** Every unread line until the server closes the connection. */
  async readUntilClosed(ms = WAIT_MS): Promise<string[]> {
    await this.until(
      () => (this.closedFlag ? true : undefined),
      ms,
      () => `${this.label} waiting for the server to close it; ${this.seen(this.cursor)}`,
    );
    const rest = this.lines.slice(this.cursor);
    this.cursor = this.lines.length;
    return rest;
  }

  /** Lines received but not yet consumed. */
  unread(): string[] {
    return this.lines.slice(this.cursor);
  }

  /** The socket's error, if it failed (for example ECONNRESET after an eviction). */
  get error(): string | undefined {
    return this.errorText;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** What was received, marking where the current read started (`>>`), for failure messages. */
  private seen(from: number): string {
    const clip = (l: string) => JSON.stringify(l.length > 120 ? `${l.slice(0, 120)}...` : l);
    const before = this.lines.slice(Math.max(0, from - 5), from).map(clip);
    const after = this.lines.slice(from).map(clip);
    const shown = after.length > 20 ? [...after.slice(0, 10), `... ${after.length - 20} more ...`, ...after.slice(-10)] : after;
    return `received [${from > 5 ? '..., ' : ''}${[...before, '>>', ...shown].join(', ')}]${
      this.partial ? ` then ${clip(this.partial)} without LF` : ''
    }${this.closedFlag ? ' (closed)' : ''}`;
  }

  /** Polls `check` on every change until it returns a value, throws, or `ms` passes. */
  private until<T>(check: () => T | undefined, ms: number, what: () => string): Promise<T> {
    return within(
      new Promise<T>((resolve, reject) => {
        const attempt = () => {
          try {
            const value = check();
            if (value !== undefined) return resolve(value);
            this.waiters.push(attempt);
          } catch (error) {
            reject(error);
          }
        };
        attempt();
      }),
      ms,
      what,
    );
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    let lf = chunk.indexOf(0x0a, start);
    while (lf !== -1) {
      const piece = chunk.subarray(start, lf);
      const bytes = this.buffered.length > 0 ? Buffer.concat([...this.buffered, piece]) : piece;
      this.buffered = [];
      this.lines.push(bytes.toString('utf8'));
      start = lf + 1;
      lf = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) this.buffered.push(Buffer.from(chunk.subarray(start)));
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
