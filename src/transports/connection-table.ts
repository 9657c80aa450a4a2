import type { Duplex } from 'node:stream';
import type { ChatMessage, ChatOutput, ClientId } from '../core/events';
import { ConnectionEvents, type DescribeError } from './connection-events';
import { type MuteSwitch, stopReadingAfterHangUp } from './muted-input';
import { OutputQueue, type OutputQueueOptions, type QueuedPeer } from './output-queue';

/** What a transport's table needs to know of its wire. */
export interface ConnectionTableOptions<W> extends OutputQueueOptions {
  /** Prepended to every client id, so that ids stay unique across transports and processes. */
  readonly idPrefix?: string;
  /** Ends a connection gracefully, after what was written (TCP: a FIN; WebSocket: a close frame). */
  readonly end: (wire: W) => void;
  /** What `line-too-long` reports as the limit. */
  readonly maxLineBytes: number;
  /** How a failure reads in `disconnected` (default: the message, with its code). */
  readonly describeError?: DescribeError;
  /**
   * The reader does not listen for the socket's close (TCP's `readWireLines`): the queue's close
   * listener ends the connection's event stream (`closed`) instead.
   */
  readonly closedWithSocket?: boolean;
  /** Where the connection's line reader cuts lines, when it asks (TCP's `readWireLines`); undefined: no limit. */
  readonly readerMaxLineBytes?: number;
}

/**
 * One open connection, all the transport keeps of it: the peer its output is queued for, the sink
 * its reader reports into (its event stream), and its mute (`until`, read by that reader).
 * `W` is the wire the transport reads and ends: the socket itself for TCP, the `ws` WebSocket.
 */
export class Connection<W> extends ConnectionEvents implements QueuedPeer, MuteSwitch {
  /** Muted until then (Date.now ms); 0 when not muted. */
  until = 0;
  /** Its own wording of messages, when it asked for one (see `QueuedPeer.encode`). */
  encode: ((message: ChatMessage) => Buffer) | undefined = undefined;

  constructor(
    id: ClientId,
    /** The byte stream output is written to. */
    readonly socket: Duplex,
    readonly wire: W,
    private readonly options: ConnectionTableOptions<W>,
  ) {
    super(id, options.maxLineBytes, options.describeError);
  }

  /** Where this connection's line reader cuts lines (see `ConnectionTableOptions.readerMaxLineBytes`). */
  get readerMaxLineBytes(): number | undefined {
    return this.options.readerMaxLineBytes;
  }

  /** Called by the queue's close listener: the stream ends here when the reader does not hear the close itself. */
  socketClosed(): void {
    if (this.options.closedWithSocket === true) this.closed();
  }

  /** Called by the queue once the connection's output is written. */
  end(): void {
    this.options.end(this.wire);
  }

  /** The server let the client go: the stream ends now, and the socket is soon no longer read. */
  override hangUp(): void {
    super.hangUp();
    stopReadingAfterHangUp(this.socket);
  }
}

/**
 * What the TCP and WebSocket transports share once a connection is accepted: client ids, the
 * id → connection map, the output queue that `handle` routes the core's outputs to, and the mutes.
 * A connection is forgotten when its socket closes. Who is online is the core's registry, not this.
 */
export class ConnectionTable<W> {
  private readonly queue: OutputQueue;
  private nextId = 0;

  constructor(
    encode: (message: ChatMessage) => Buffer,
    private readonly options: ConnectionTableOptions<W>,
  ) {
    this.queue = new OutputQueue(encode, options);
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.queue.size;
  }

  /** A new client id: the prefix, then a count. */
  newId(): ClientId {
    // Joined, not concatenated: `+` makes a rope of two strings past 12 characters (a process's
    // prefix and a count), 24 bytes more for every connection than the one flat string `join` makes.
    return [this.options.idPrefix ?? '', ++this.nextId].join('');
  }

  /** Takes in an accepted connection: its output is queued, it can be muted; its events start with `start`. */
  open(id: ClientId, socket: Duplex, wire: W): Connection<W> {
    const connection = new Connection(id, socket, wire, this.options);
    // The queue's map is the only one by id: a second map here cost every connection an entry.
    this.queue.add(connection);
    return connection;
  }

  /**
   * A connection with no event stream that only gets its refusal (a TLS connection refused during
   * its handshake): the outputs are written, then it is ended as any other.
   */
  refuse(id: ClientId, socket: Duplex, wire: W, refusal: readonly ChatOutput[]): void {
    this.queue.add({ id, socket, end: () => this.options.end(wire), hangUp: noop });
    for (const output of refusal) this.queue.handle(output);
  }

  /** Acts on a core output addressed to this table's connections (deliveries and closes); ignores the rest. */
  handle(output: ChatOutput): void {
    this.queue.handle(output);
  }

  /** An open connection by id, if this table holds it. */
  get(id: ClientId): Connection<W> | undefined {
    const peer = this.queue.peer(id);
    // A refused connection is queued, not held (it has no stream, and cannot be muted).
    return peer instanceof Connection ? (peer as Connection<W>) : undefined;
  }

  /** Mutes a client until `until` (Date.now ms); nothing for a connection this table does not hold. */
  mute(id: ClientId, until: number): void {
    const connection = this.get(id);
    if (connection !== undefined) connection.until = until;
  }

  /** Ends every open connection's event stream from outside (an unsubscription): no `disconnected`, reading stops. */
  stopAll(): void {
    for (const peer of this.queue.peers()) if (peer instanceof Connection) peer.stop();
  }

  /** Destroys every connection's socket at once. */
  destroyAll(): void {
    this.queue.destroyAll();
  }
}

const noop = () => undefined;
