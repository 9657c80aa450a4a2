import { EMPTY, Observable, type Subscriber } from 'rxjs';
import type { PipelineEvent } from '../pipeline/edge-signals';
import type { ClientId, DisconnectedEvent, RemoteAddress } from '../core/events';

/**
 * What a connection's reader reports, whatever the wire: TCP bytes cut by a `LineSplitter`, or
 * WebSocket text frames. Its first three methods are a `LineSplitter`'s handlers, so that a
 * splitter reports straight into the stream.
 */
export interface LineSink {
  /** A complete line. */
  line(text: string): void;
  /** A line over the limit was dropped. */
  overflow(): void;
  /** This many lines were discarded unread while muted. */
  discarded(lines: number): void;
  /** The connection failed (a reset, a failed write, a protocol violation). */
  failed(error: Error): void;
  /** The connection closed. */
  closed(): void;
}

/**
 * Stops reading: removes every listener the reader added, so that a closed connection leaves nothing
 * behind. Called on the sink it read into (`this`), so that one function can serve every connection.
 */
export type StopReading = (this: LineSink) => void;

/** Starts reading a connection into `sink`. */
export type LineReader<S extends LineSink = LineSink> = (sink: S) => StopReading;

const noop = () => undefined;

/**
 * Where a connection's events go: a subscriber of its own, or one its transport shares among all its
 * connections (whose `complete` then ends nothing: a per-connection subscriber would cost every
 * idle connection an operator subscriber and its closures).
 */
export type EventsSubscriber = Pick<Subscriber<PipelineEvent>, 'next' | 'complete' | 'closed'>;

/** The last address `remoteOf` saw: clients arriving from one address (a NAT, a proxy, a load test) share its string. */
let lastAddress = 'unknown';

/** Where a socket's peer is, as `connected` reports it. */
export function remoteOf(socket: { readonly remoteAddress?: string; readonly remotePort?: number }): RemoteAddress {
  const address = socket.remoteAddress ?? 'unknown';
  if (address !== lastAddress) lastAddress = address;
  return { address: lastAddress, port: socket.remotePort ?? 0 };
}

/** How a failure is written in the `disconnected` event (and so in the log). */
export type DescribeError = (error: Error) => string;

/** The error's message, with its code in front when the message does not already name it (`EPIPE: ...`). */
export const describeErrorWithCode: DescribeError = (error) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
};

/** The error's message alone. */
export const describeErrorMessage: DescribeError = (error) => error.message;

/**
 * One connection as chat events, the shape both edges share: `connected`, then its lines
 * (`line`, `line-too-long`, `discarded`), then exactly one `disconnected`: `closed` when the
 * connection closes or the server lets the client go (`hangUp`), `error` when it fails.
 *
 * It is the reader's sink itself (no operator chain, no subject per connection): a connection that
 * sits idle costs this object and its reader's listeners.
 */
export class ConnectionEvents implements LineSink {
  /** Where the events go while the stream is open. */
  private subscriber: EventsSubscriber | undefined;
  private stopReading: StopReading | undefined;

  constructor(
    readonly id: ClientId,
    /** What `line-too-long` reports as the limit. */
    private readonly maxLineBytes: number,
    private readonly describeError: DescribeError = describeErrorWithCode,
  ) {}

  /**
   * Emits `connected` (with `names` when given) to `subscriber`, then reads with `read` until the stream ends. Returns the
   * teardown for an unsubscription from outside (no `disconnected` then).
   */
  start<S extends ConnectionEvents>(
    this: S,
    subscriber: EventsSubscriber,
    remote: RemoteAddress,
    read: LineReader<S>,
    /** Name candidates for the core (an IRC client's nick); none: the server draws some. */
    names?: readonly string[],
  ): () => void {
    return this.open(subscriber, remote, read, names) ? () => this.stop() : noop;
  }

  /**
   * `start` without a teardown of its own: whoever shares `subscriber` among connections calls `stop`
   * on those still open when it is unsubscribed. Returns whether the stream is open.
   */
  open<S extends ConnectionEvents>(
    this: S,
    subscriber: EventsSubscriber,
    remote: RemoteAddress,
    read: LineReader<S>,
    names?: readonly string[],
  ): boolean {
    subscriber.next(
      names === undefined
        ? { type: 'connected', id: this.id, remote }
        : { type: 'connected', id: this.id, remote, names },
    );
    // Installed only now, as the stream's lines always were: a hang-up during `connected` (an
    // admission refusal handled synchronously) does not end it; the socket's close will.
    if (subscriber.closed) return false;
    this.subscriber = subscriber;
    const stopReading = read(this);
    // A reader that found the connection already gone has ended the stream: it stops at once.
    if (this.subscriber === subscriber) this.stopReading = stopReading;
    else stopReading.call(this);
    return true;
  }

  line(text: string): void {
    this.subscriber?.next({ type: 'line', id: this.id, text });
  }

  overflow(): void {
    this.subscriber?.next({ type: 'line-too-long', id: this.id, maxBytes: this.maxLineBytes });
  }

  discarded(lines: number): void {
    this.subscriber?.next({ type: 'discarded', id: this.id, lines });
  }

  failed(error: Error): void {
    this.finish({ type: 'disconnected', id: this.id, reason: 'error', error: this.describeError(error) });
  }

  closed(): void {
    this.finish({ type: 'disconnected', id: this.id, reason: 'closed' });
  }

  /** The server let the client go: the stream ends now, as if the connection had closed. */
  hangUp(): void {
    this.closed();
  }

  /** Stops reading before the last event, so that nothing the reader still hears gets in after it. */
  private finish(event: DisconnectedEvent): void {
    const subscriber = this.subscriber;
    if (subscriber === undefined) return;
    this.stop();
    subscriber.next(event);
    subscriber.complete();
  }

  /** Ends the stream from outside (an unsubscription): no `disconnected`, and the reader stops. */
  stop(): void {
    this.subscriber = undefined;
    const stopReading = this.stopReading;
    this.stopReading = undefined;
    stopReading?.call(this);
  }
}

/**
 * One connection's events as a cold Observable, for a caller without a connection table:
 * subscribing emits `connected` and starts `read`; `hangUp$` ends the stream early (the server
 * closed the connection).
 */
export function connectionEvents(
  id: ClientId,
  remote: RemoteAddress,
  read: LineReader,
  options: { maxLineBytes?: number; hangUp$?: Observable<unknown>; describeError?: DescribeError } = {},
): Observable<PipelineEvent> {
  return new Observable<PipelineEvent>((subscriber) => {
    const events = new ConnectionEvents(id, options.maxLineBytes ?? 0, options.describeError);
    const stop = events.start(subscriber, remote, read);
    const hangUp = (options.hangUp$ ?? EMPTY).subscribe(() => events.hangUp());
    return () => {
      hangUp.unsubscribe();
      stop();
    };
  });
}
