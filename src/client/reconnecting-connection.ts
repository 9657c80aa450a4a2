import type { Socket } from 'node:net';
import { type Observable, Subject } from 'rxjs';
import { LineSplitter } from '../transports/line-splitter';
import { type BackoffOptions, backoffDelay } from './backoff';

/**
 * Far above any line the protocol sends: user lines are capped at 4096 bytes plus a name, and the
 * longest line, /who, lists at most 10,000 names of at most 34 bytes each (about 340 KB).
 */
const MAX_SERVER_LINE_BYTES = 1024 * 1024;

export type ConnectionEvent =
  /** A line from the server, without its LF. */
  | { readonly type: 'line'; readonly text: string }
  /** The server went away; `retryInMs` is absent when no retry follows. */
  | { readonly type: 'lost'; readonly reason: string; readonly retryInMs?: number }
  /** A reconnect attempt failed; the next is in `retryInMs`. */
  | { readonly type: 'retry-failed'; readonly attempt: number; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'reconnected' };

export interface ReconnectingConnectionOptions {
  /** Opens a fresh connection; called again for every reconnect attempt. */
  readonly dial: () => Promise<Socket>;
  /** Retry with backoff when the connection is lost; otherwise the events complete. */
  readonly reconnect: boolean;
  readonly backoff?: BackoffOptions;
  /** Turns a dial or socket error into words. */
  readonly describe?: (error: unknown) => string;
}

/**
 * A line connection to the server that survives the server going away: it reports the loss and
 * dials again with backoff until it succeeds or close() is called. `events$` completes after
 * close(), or after a loss when reconnecting is off.
 */
export class ReconnectingConnection {
  private readonly subject = new Subject<ConnectionEvent>();
  readonly events$: Observable<ConnectionEvent> = this.subject.asObservable();
  private socket: Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Dials once: a first connection that fails is an error for the caller, not a reason to retry. */
  static async open(options: ReconnectingConnectionOptions): Promise<ReconnectingConnection> {
    const socket = await options.dial();
    const connection = new ReconnectingConnection(options);
    connection.attach(socket);
    return connection;
  }

  private constructor(private readonly options: ReconnectingConnectionOptions) {}

  /** True when a lost connection is dialled again (`reconnect` on), until close(). */
  get willReconnect(): boolean {
    return this.options.reconnect && !this.closed;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Sends one line; false when there is no connection right now (the line is not queued). */
  send(line: string): boolean {
    if (this.socket === undefined) return false;
    this.socket.write(`${line}\n`);
    return true;
  }

  /** Stops retrying, ends the connection after what was written, and completes the events. */
  close(graceMs = 1_000): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.subject.complete();
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), graceMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    // A hostile or broken server must not make the client buffer without bound.
    const splitter = new LineSplitter(
      {
        line: (text) => this.emit({ type: 'line', text }),
        overflow: () =>
          this.emit({ type: 'line', text: `[!] dropped a line over ${MAX_SERVER_LINE_BYTES} bytes from the server` }),
      },
      MAX_SERVER_LINE_BYTES,
    );
    let failure: unknown;
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('end', () => splitter.end());
    socket.on('error', (error) => (failure = error));
    socket.once('close', () => {
      if (this.socket !== socket) return; // closed on purpose
      this.socket = undefined;
      const reason = failure === undefined ? 'connection closed by the server' : this.describe(failure);
      if (!this.options.reconnect) {
        this.emit({ type: 'lost', reason });
        this.subject.complete();
        return;
      }
      this.scheduleRetry(1, (retryInMs) => this.emit({ type: 'lost', reason, retryInMs }));
    });
  }

  private scheduleRetry(attempt: number, announce: (retryInMs: number) => void): void {
    const retryInMs = backoffDelay(attempt, this.options.backoff);
    announce(retryInMs);
    this.retryTimer = setTimeout(() => {
      this.options.dial().then(
        (socket) => {
          if (this.closed) return void socket.destroy();
          this.attach(socket);
          this.emit({ type: 'reconnected' });
        },
        (error: unknown) => {
          if (this.closed) return;
          const reason = this.describe(error);
          this.scheduleRetry(attempt + 1, (next) =>
            this.emit({ type: 'retry-failed', attempt, reason, retryInMs: next }),
          );
        },
      );
    }, retryInMs);
  }

  private emit(event: ConnectionEvent): void {
    if (!this.closed) this.subject.next(event);
  }

  private describe(error: unknown): string {
    return this.options.describe?.(error) ?? (error as Error).message;
  }
}
