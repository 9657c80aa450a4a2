import { type Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { withTimeout } from './waiting';

export const HOST = '127.0.0.1';
/** The default bound of every wait: long enough for a loaded 2-core machine, short enough to fail fast. */
export const WAIT_MS = 5_000;

export interface ConnectOptions {
  readonly host?: string;
  /** How long connecting may take. */
  readonly ms?: number;
  /** Do not answer the server's FIN with our own: keep our side open, like a stuck peer. */
  readonly allowHalfOpen?: boolean;
  /** Connect from this local address (127.0.0.2, ...: another source address on the loopback). */
  readonly localAddress?: string;
  /** Speak TLS (any certificate is accepted) and count as connected once the handshake is done. */
  readonly tls?: boolean;
}

const open = new Set<Socket>();

/** Destroys every socket a spec opened with `LineClient.connect` (call it in afterEach). */
export function destroyAllClients(): void {
  for (const socket of open) socket.destroy();
  open.clear();
}

/**
 * A chat client over a real socket, for tests. It records every byte and every LF-terminated line the
 * server sends (`received`, `lines`); readers consume the lines in order (`nextLine`, `readLines`,
 * `readUntil`, `readUntilClosed`), each wait bounded and failing with what was received so far. Bytes
 * after the last LF are in `partial`: at close it must be empty, since every server line ends with LF.
 */
export class LineClient {
  /** Every complete line received, in order, decoded as UTF-8, without its LF. */
  readonly lines: string[] = [];
  /** Every chunk received. */
  private readonly chunks: Buffer[] = [];
  /** Bytes received after the last LF. */
  private buffered: Buffer[] = [];
  /** How many of `lines` the readers have consumed. */
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  private errorText: string | undefined;

  private constructor(
    readonly socket: Socket,
    readonly label: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A reset or a write after the server closed us is part of what tests provoke: never crash on it.
    socket.on('error', (error) => {
      this.errorText = error.message;
    });
    socket.once('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  /** Connects to `HOST`:`port` (or `options.host`), failing clearly if that takes longer than `options.ms`. */
  static async connect(port: number, label = 'client', options: ConnectOptions = {}): Promise<LineClient> {
    const host = options.host ?? HOST;
    const common = {
      host,
      port,
      noDelay: true,
      allowHalfOpen: options.allowHalfOpen ?? false,
      localAddress: options.localAddress,
    };
    const socket = options.tls ? connectTls({ ...common, rejectUnauthorized: false }) : connect(common);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const client = new LineClient(socket, label);
    const connected = new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
      // A TLS connection the server drops during its handshake ends without an error on our side.
      socket.once('close', () => reject(new Error(`${label}: closed while connecting`)));
    });
    try {
      await withTimeout(connected, options.ms ?? WAIT_MS, `${label} connecting to ${host}:${port}`);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return client;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Bytes received after the last LF, decoded (once closed: what the server sent without a final LF). */
  get partial(): string {
    return Buffer.concat(this.buffered).toString('utf8');
  }

  /** The socket's error, if it failed (for example ECONNRESET after an eviction). */
  get error(): string | undefined {
    return this.errorText;
  }

  /** Sends one line (LF appended), without waiting. */
  send(text: string): void {
    this.socket.write(`${text}\n`);
  }

  /**
   * Writes bytes as they are; resolves once the socket has handed them to the OS, so that a loop of
   * awaited writes never buffers more than one chunk (backpressure-aware). Rejects if the write fails.
   */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** The next unread line. */
  async nextLine(ms = WAIT_MS): Promise<string> {
    const [line] = await this.readLines(1, ms);
    return line!;
  }

  /** The next `count` unread lines. */
  readLines(count: number, ms = WAIT_MS): Promise<string[]> {
    const start = this.cursor;
    const what = `${count} more line(s)`;
    return this.until(
      () => {
        if (this.lines.length >= this.cursor + count) {
          this.cursor += count;
          return this.lines.slice(this.cursor - count, this.cursor);
        }
        if (this.closedFlag) throw new Error(`${this.label}: closed before ${what}; ${this.seen(start)}`);
        return undefined;
      },
      ms,
      () => `${this.label} to receive ${what}; ${this.seen(start)}`,
    );
  }

  /**
   * Skips lines up to the first one that equals `match` (or matches it), consumes it and returns it;
   * fails with what was received if the connection closes first or `ms` passes.
   */
  readUntil(match: string | RegExp | ((line: string) => boolean), ms = WAIT_MS, what?: string): Promise<string> {
    const test =
      typeof match === 'string'
        ? (l: string) => l === match
        : match instanceof RegExp
          ? (l: string) => match.test(l)
          : match;
    const description = what ?? (typeof match === 'string' ? JSON.stringify(match) : String(match));
    const start = this.cursor;
    let scanned = start;
    return this.until(
      () => {
        for (; scanned < this.lines.length; scanned++) {
          if (test(this.lines[scanned]!)) {
            this.cursor = scanned + 1;
            return this.lines[scanned]!;
          }
        }
        if (this.closedFlag) throw new Error(`${this.label}: closed before a line ${description}; ${this.seen(start)}`);
        return undefined;
      },
      ms,
      () => `${this.label} to receive a line ${description}; ${this.seen(start)}`,
    );
  }

  /** Waits until the connection is closed (by the server, or after a reset), without reading. */
  async waitClosed(ms = WAIT_MS): Promise<void> {
    await this.until(
      () => (this.closedFlag ? true : undefined),
      ms,
      () => `${this.label} to be closed; ${this.seen(this.cursor)}`,
    );
  }

  /** Every unread line, once the server has closed the connection. */
  async readUntilClosed(ms = WAIT_MS): Promise<string[]> {
    await this.waitClosed(ms);
    const rest = this.unread();
    this.cursor = this.lines.length;
    return rest;
  }

  /** Lines received but not read yet. */
  unread(): string[] {
    return this.lines.slice(this.cursor);
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

  /** Runs `check` now and on every change until it returns a value or throws; fails after `ms`. */
  private until<T>(check: () => T | undefined, ms: number, what: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timeout = { timer: undefined as NodeJS.Timeout | undefined };
      const attempt = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          clearTimeout(timeout.timer);
          reject(error);
          return;
        }
        if (value === undefined) {
          this.waiters.push(attempt);
        } else {
          clearTimeout(timeout.timer);
          resolve(value);
        }
      };
      timeout.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== attempt);
        reject(new Error(`timed out after ${ms} ms waiting for ${what()}`));
      }, ms);
      attempt();
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
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
    if (start < chunk.length) this.buffered.push(chunk.subarray(start));
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** What was received, marking where the current read started (`>>`), for failure messages. */
  private seen(from: number): string {
    const clip = (l: string) => JSON.stringify(l.length > 120 ? `${l.slice(0, 120)}...` : l);
    const before = this.lines.slice(Math.max(0, from - 5), from).map(clip);
    const after = this.lines.slice(from).map(clip);
    const shown =
      after.length > 20 ? [...after.slice(0, 10), `... ${after.length - 20} more ...`, ...after.slice(-10)] : after;
    const partial = this.partial;
    return `received [${from > 5 ? '..., ' : ''}${[...before, '>>', ...shown].join(', ')}]${
      partial ? ` then ${clip(partial)} without LF` : ''
    }${this.closedFlag ? ' (closed)' : ''}`;
  }
}
