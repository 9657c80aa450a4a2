import type { Server, Socket } from 'node:net';
import { type Observable, Subject, fromEvent, mergeMap } from 'rxjs';
import type { ChatEvent, ChatOutput, ClientId, Delivery } from '../../core/events';
import type { ChatTransport } from '../chat-transport';
import { socketEvents } from './socket-events';
import { encodeLine } from '../../format/text-format';

export interface TcpTransportOptions {
  /**
   * Prepended to every client id, so that ids stay unique when several transports or processes
   * feed one chat (a WebSocket transport beside this one, servers sharing a chat over Redis).
   */
  readonly idPrefix?: string;
  /** A longer line is dropped without being buffered whole. */
  readonly maxLineBytes?: number;
  /**
   * A client whose socket still holds more than this many unsent bytes from earlier flushes has
   * stopped reading: it is evicted so that it cannot hold the server's memory (which is bounded by
   * this plus one flush's output for it).
   */
  readonly maxBufferBytes?: number;
  /**
   * A flush that wrote to this many sockets (default 256) means the server is busy: the next flush
   * waits `coalesceMs` (default 2) instead of the next turn, so that a storm (a join announced to
   * thousands, a flooded room) goes out in fewer, larger writes. Quiet rooms keep next-turn latency.
   */
  readonly coalesceSockets?: number;
  readonly coalesceMs?: number;
  /** After a close request, how long to wait for the peer to hang up before destroying the socket. */
  readonly closeTimeoutMs?: number;
  /** The server event that hands over a ready socket: 'secureConnection' for a tls.Server. Default 'connection'. */
  readonly connectionEvent?: 'connection' | 'secureConnection';
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
const KEEPALIVE_MS = 60_000;
const DEFAULT_COALESCE_SOCKETS = 256;
const DEFAULT_COALESCE_MS = 2;
const noop = () => undefined;

/** A socket and the output batched for it during the current event-loop turn. */
class Connection {
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** Listed in the transport's dirty list for the next flush. */
  queued = false;
  closing = false;
  /** Fires when the server closes the connection, ending its event stream at once. */
  readonly hangUp$ = new Subject<void>();
  /** One callback per connection, not per write: it evicts the client when a write fails. */
  readonly afterWrite: (error?: Error | null) => void;

  constructor(
    readonly id: ClientId,
    readonly socket: Socket,
  ) {
    this.afterWrite = (error) => {
      if (error) socket.destroy(error);
    };
  }
}

/**
 * The TCP edge: accepted sockets become event streams, and outputs become bytes on sockets.
 * Writes are batched per socket per event-loop turn: one `write()` per socket per turn, whatever
 * the number of messages, because the cost of a chat server is system calls.
 * The connection table maps ids to sockets; who is online is the core's registry, not this.
 */
export class TcpTransport implements ChatTransport {
  /** Every accepted connection's events, merged. Subscribe once. */
  readonly events$: Observable<ChatEvent>;
  private readonly connections = new Map<ClientId, Connection>();
  private dirty: Connection[] = [];
  private flushScheduled = false;
  /** The last flush was large: batch the next one over `coalesceMs`. */
  private busy = false;
  private nextId = 0;

  constructor(
    server: Server,
    private readonly options: TcpTransportOptions = {},
  ) {
    this.events$ = fromEvent<Socket>(server, options.connectionEvent ?? 'connection').pipe(mergeMap((socket) => this.accept(socket)));
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.connections.size;
  }

  /** Acts on one core output: queue a delivery's bytes, or close a connection after its output. */
  handle(output: ChatOutput): void {
    if (output.kind === 'deliver') this.deliver(output);
    else if (output.kind === 'close') this.requestClose(output.id);
  }

  /** Destroys every socket at once: the last resort of a shutdown that took too long. */
  destroyAll(): void {
    for (const connection of this.connections.values()) connection.socket.destroy();
  }

  private accept(socket: Socket): Observable<ChatEvent> {
    const id = `${this.options.idPrefix ?? ''}${++this.nextId}`;
    // Keep one listener for good: an error after the stream's teardown must not crash the process.
    socket.on('error', noop);
    socket.setNoDelay(true);
    // A peer that vanished without a FIN (cable pulled, NAT expired) is found and its slot freed.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    const connection = new Connection(id, socket);
    this.connections.set(id, connection);
    // Forgotten when the socket is gone, not when its event stream ends: a socket the server is
    // closing still flushes, and a shutdown must still be able to destroy it.
    socket.once('close', () => this.connections.delete(id));
    return socketEvents(id, socket, this.options.maxLineBytes, connection.hangUp$);
  }

  private deliver(delivery: Delivery): void {
    const bytes = encodeLine(delivery.message);
    const { to, except } = delivery;
    for (let i = 0; i < to.length; i++) {
      const id = to[i]!;
      if (id === except) continue;
      const connection = this.connections.get(id);
      if (connection !== undefined && !connection.closing) this.enqueue(connection, bytes);
    }
  }

  private enqueue(connection: Connection, bytes: Buffer): void {
    // What the socket could not send in earlier flushes: a reader keeping up drains it between
    // flushes, so one burst does not count against it, while a client that stopped reading is
    // evicted at most one flush's output (one turn, or one coalescing window) past the limit.
    const limit = this.options.maxBufferBytes;
    if (limit !== undefined && connection.socket.writableLength > limit) {
      this.evict(connection, new Error(`output buffer over ${limit} bytes (client not reading)`));
      return;
    }
    connection.pending.push(bytes);
    connection.pendingBytes += bytes.length;
    this.markDirty(connection);
  }

  /** Drops what was queued and destroys the socket; its stream reports the error and the leave follows. */
  private evict(connection: Connection, error: Error): void {
    connection.pending = [];
    connection.pendingBytes = 0;
    connection.closing = true;
    connection.socket.destroy(error);
  }

  private requestClose(id: ClientId): void {
    const connection = this.connections.get(id);
    if (connection === undefined || connection.closing) return;
    connection.closing = true;
    this.markDirty(connection);
    // Reported now, not when the peer hangs up: the client has left the chat (this re-enters the
    // event stream, which queues it behind the output being handled).
    connection.hangUp$.next();
  }

  private markDirty(connection: Connection): void {
    if (!connection.queued) {
      connection.queued = true;
      this.dirty.push(connection);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (this.busy) setTimeout(this.flush, this.options.coalesceMs ?? DEFAULT_COALESCE_MS);
      else setImmediate(this.flush);
    }
  }

  /** Runs once per turn after I/O: each dirty socket gets one write of everything queued for it. */
  private readonly flush = (): void => {
    const dirty = this.dirty;
    this.dirty = [];
    this.flushScheduled = false;
    this.busy = dirty.length >= (this.options.coalesceSockets ?? DEFAULT_COALESCE_SOCKETS);
    for (const connection of dirty) {
      connection.queued = false;
      const { socket, pending, pendingBytes } = connection;
      if (pendingBytes > 0) {
        connection.pending = [];
        connection.pendingBytes = 0;
        if (!socket.destroyed) {
          const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
          socket.write(data, connection.afterWrite);
        }
      }
      // An evicted connection is closing too, but already destroyed.
      if (connection.closing && !socket.destroyed) this.close(connection);
    }
  };

  private close(connection: Connection): void {
    const { socket } = connection;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}
