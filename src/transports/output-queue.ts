import type { Duplex } from 'node:stream';
import type { ChatMessage, ChatOutput, ClientId, Delivery } from '../core/events';
import type { TransportMetrics } from '../pipeline/reports';
import type { BudgetHolder, OutputBudget } from './output-budget';

export interface OutputQueueOptions {
  /**
   * A client whose socket still holds more than this many unsent bytes from earlier flushes has
   * stopped reading: it is evicted so that it cannot hold the server's memory (which is bounded by
   * this plus one flush's output for it).
   */
  readonly maxBufferBytes?: number;
  /**
   * The server's bound on the unsent output of all clients together, shared by every transport's
   * queue: past it, the clients with the largest backlogs are evicted first.
   */
  readonly budget?: OutputBudget;
  /**
   * A flush that wrote to this many sockets (default 256) means the server is busy: the next flush
   * waits `coalesceMs` (default 2) instead of the next turn, so that a storm (a join announced to
   * thousands, a flooded room) goes out in fewer, larger writes.
   */
  readonly coalesceSockets?: number;
  readonly coalesceMs?: number;
  /** After a close request, how long to wait for the peer to hang up before destroying the socket. */
  readonly closeTimeoutMs?: number;
  /** Where bytes, deliveries and evictions are counted (the server's metrics). */
  readonly metrics?: TransportMetrics;
}

/** How the queue ends one connection gracefully, once its output is written (TCP: FIN; WebSocket: a close frame). */
export interface QueuedPeer {
  readonly id: ClientId;
  /** The byte stream the encoded output is written to. */
  readonly socket: Duplex;
  /** Ends the connection after what was written; the queue destroys the socket if it is not gone in time. */
  end(): void;
  /** The server let the client go: its event stream ends now, even while its last output flushes. */
  hangUp(): void;
  /** This peer's own wording of messages, instead of the queue's shared one (a client that asked for message ids). */
  readonly encode?: ((message: ChatMessage) => Buffer) | undefined;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
const DEFAULT_COALESCE_SOCKETS = 256;
const DEFAULT_COALESCE_MS = 2;

/** Below this average size per delivery, a batch is copied into one buffer; above it, written as it is. */
const SHARE_ABOVE_AVERAGE_BYTES = 1024;

/**
 * Writes a batch with one system call. Small pieces (chat lines) are copied into one buffer: cheap,
 * and one write() call. Large ones (long lines, big replies) are written as they are, corked into
 * one writev: a per-socket copy of them is memory that thousands of sockets multiply, which the
 * garbage collector frees late (few objects, many bytes), so a fan-out of long lines to a thousand
 * sockets would grow the process by gigabytes before a collection.
 */
function writeBatch(
  socket: Duplex,
  buffers: readonly Buffer[],
  bytes: number,
  callback: (error?: Error | null) => void,
): void {
  const last = buffers.length - 1;
  if (last === 0) {
    socket.write(buffers[0]!, callback);
  } else if (bytes < buffers.length * SHARE_ABOVE_AVERAGE_BYTES) {
    socket.write(Buffer.concat(buffers, bytes), callback);
  } else {
    socket.cork();
    for (let i = 0; i < last; i++) socket.write(buffers[i]!);
    socket.write(buffers[last]!, callback);
    socket.uncork();
  }
}

/** A peer and the output batched for it. */
class Connection implements BudgetHolder {
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** Listed in the dirty list for the next flush. */
  queued = false;
  closing = false;
  /** What the budget counts for this connection: its socket's unsent bytes when last written to. */
  charged = 0;
  /**
   * One callback per connection, not per write: a failed write destroys the socket, whose stream
   * reports it; a finished one tells the budget what the socket still holds.
   */
  readonly afterWrite: (error?: Error | null) => void;

  constructor(
    readonly peer: QueuedPeer,
    private readonly queue: OutputQueue,
    private readonly budget: OutputBudget | undefined,
    metrics?: TransportMetrics,
  ) {
    this.afterWrite = (error) => {
      if (!error) return this.account();
      // Only a write that failed on a live socket: destroying it makes the writes buffered behind it, and
      // those cut short by a reset or an eviction, fail on a destroyed socket, and they are not counted.
      if (!peer.socket.destroyed) metrics?.evicted(peer.id, 'write-error');
      peer.socket.destroy(error);
    };
  }

  /** Tells the budget what the socket holds unsent now (cheap: one property read). */
  account(): void {
    // A destroyed socket was released, or will be when it closes: it must not be counted again.
    if (this.budget !== undefined && !this.peer.socket.destroyed)
      this.budget.update(this, this.peer.socket.writableLength);
  }

  /** The budget's eviction: the largest backlogs go first when all clients together hold too much. */
  evict(error: Error): void {
    this.queue.evict(this, 'output-budget', error);
  }
}

/**
 * The outgoing side every transport shares: the core's deliveries become bytes on sockets, encoded
 * once per delivery (by the transport's `encode`) whatever the number of recipients.
 *
 * - Quiet: a delivery is written through at once, so a lone message costs no extra turn of latency.
 * - Under load (more than one delivery in the previous turn, or a big audience): output is batched,
 *   one `write()` per socket per event-loop turn, since the cost of a chat server is system calls;
 *   after a flush to many sockets, the next waits `coalesceMs` to gather a storm into fewer writes.
 * - Bounded: a client still holding `maxBufferBytes` unsent from earlier flushes is evicted, and
 *   so are the largest backlogs when all clients together hold more than the shared `budget`.
 * - Close requests are honoured after the output queued before them.
 */
export class OutputQueue {
  private readonly connections = new Map<ClientId, Connection>();
  /** Connections the core welcomed, for deliveries to everyone (the rest are refused or not yet in). */
  private readonly members = new Set<Connection>();
  private dirty: Connection[] = [];
  private flushScheduled = false;
  /** The last flush was large: batch the next one over `coalesceMs`. */
  private busy = false;
  /** Deliveries this turn and in the previous one: one at a time is "quiet". */
  private turnDeliveries = 0;
  private lastTurnDeliveries = 0;

  constructor(
    private readonly encode: (message: ChatMessage) => Buffer,
    private readonly options: OutputQueueOptions = {},
  ) {
    options.metrics?.track(this);
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.connections.size;
  }

  /** Output not yet sent, over all connections: queued here or held by the sockets. O(connections): for scrapes, not for the hot path. */
  bufferedBytes(): number {
    let bytes = 0;
    for (const connection of this.connections.values())
      bytes += connection.pendingBytes + connection.peer.socket.writableLength;
    return bytes;
  }

  /** Starts queueing for a peer; it is forgotten when its socket closes (not when its stream ends). */
  add(peer: QueuedPeer): void {
    const connection = new Connection(peer, this, this.options.budget, this.options.metrics);
    this.connections.set(peer.id, connection);
    peer.socket.once('close', () => {
      this.connections.delete(peer.id);
      this.members.delete(connection);
      this.options.budget?.release(connection);
    });
  }

  /** Acts on one core output: queue a delivery's bytes for this queue's peers, or close one after its output. */
  handle(output: ChatOutput): void {
    if (output.kind === 'deliver') this.deliver(output);
    else if (output.kind === 'close') this.requestClose(output.id);
  }

  /** Destroys every socket at once: the last resort of a shutdown that took too long. */
  destroyAll(): void {
    for (const connection of this.connections.values()) connection.peer.socket.destroy();
  }

  /** The delivery being handed out, its bytes once encoded, and whether it is written through. */
  private delivery: Delivery | undefined;
  private bytes: Buffer | undefined;
  private writeThrough = false;
  /** Counted per recipient in plain fields and added to the metrics once per delivery. */
  private queued = 0;
  private written = 0;

  private deliver(delivery: Delivery): void {
    const { to } = delivery;
    this.writeThrough = this.isQuiet(to.length);
    this.delivery = delivery;
    this.bytes = undefined;
    this.queued = 0;
    this.written = 0;
    // A delivery to everyone walks whichever is shorter: the audience, or this queue's own members
    // (one process of a big cluster holds few of the chat's clients).
    if (delivery.everyone && this.members.size < to.length) {
      for (const connection of this.members) this.deliverTo(connection);
    } else {
      for (let i = 0; i < to.length; i++) {
        const connection = this.connections.get(to[i]!);
        if (connection !== undefined) this.deliverTo(connection);
      }
    }
    const metrics = this.options.metrics;
    // Set by deliverTo, which the narrowing above cannot see.
    const bytes = this.bytes as Buffer | undefined;
    if (metrics !== undefined && bytes !== undefined) {
      metrics.deliveries += this.queued + this.written;
      metrics.bytesSent += this.written * bytes.length;
    }
    if (delivery.message.type === 'welcome') {
      const connection = this.connections.get(to[0]!);
      if (connection !== undefined && !connection.closing) {
        this.members.add(connection);
      }
    }
  }

  private deliverTo(connection: Connection): void {
    const delivery = this.delivery!;
    if (connection.closing || connection.peer.id === delivery.except) return;
    // Encoded once, and only if one of the recipients is ours (other transports hold the rest).
    const own = connection.peer.encode;
    const bytes = own === undefined ? (this.bytes ??= this.encode(delivery.message)) : own(delivery.message);
    if (this.overLimit(connection)) return;
    if (!this.writeThrough) {
      this.enqueue(connection, bytes);
      this.queued++;
    } else if (connection.peer.socket.writable) {
      connection.peer.socket.write(bytes, connection.afterWrite);
      connection.account();
      this.written++;
    }
  }

  /**
   * Whether to write at once: nothing is waiting to be flushed, this is the turn's first delivery,
   * the previous turn had at most one, and the audience is small. Counted per turn, so the signal
   * cannot stick: a busy turn makes the next ones batch until one is quiet again.
   */
  private isQuiet(audience: number): boolean {
    const quiet =
      this.turnDeliveries === 0 &&
      this.lastTurnDeliveries <= 1 &&
      !this.flushScheduled &&
      !this.busy &&
      audience < (this.options.coalesceSockets ?? DEFAULT_COALESCE_SOCKETS);
    if (this.turnDeliveries++ === 0) setImmediate(this.endTurn);
    return quiet;
  }

  private readonly endTurn = (): void => {
    this.lastTurnDeliveries = this.turnDeliveries;
    this.turnDeliveries = 0;
  };

  /**
   * What the socket could not send in earlier flushes: a reader keeping up drains it between
   * flushes, so one burst does not count against it, while a client that stopped reading is
   * evicted at most one flush's output past the limit.
   */
  private overLimit(connection: Connection): boolean {
    const limit = this.options.maxBufferBytes;
    if (limit === undefined || connection.peer.socket.writableLength <= limit) return false;
    this.evict(connection, 'slow-reader', new Error(`output buffer over ${limit} bytes (client not reading)`));
    return true;
  }

  private enqueue(connection: Connection, bytes: Buffer): void {
    connection.pending.push(bytes);
    connection.pendingBytes += bytes.length;
    this.markDirty(connection);
  }

  /**
   * Drops what was queued and destroys the socket; its stream reports the error and the leave follows.
   * `reason` is what the metrics count it under.
   */
  /** Drops what was queued and destroys the socket (`reason` is what the metrics count it under); its stream reports the error and the leave follows. */
  evict(connection: Connection, reason: string, error: Error): void {
    connection.pending = [];
    connection.pendingBytes = 0;
    connection.closing = true;
    this.members.delete(connection);
    // A socket already destroyed (a reset not yet reported) left on its own.
    if (!connection.peer.socket.destroyed) this.options.metrics?.evicted(connection.peer.id, reason);
    connection.peer.socket.destroy(error);
    this.options.budget?.release(connection);
  }

  private requestClose(id: ClientId): void {
    const connection = this.connections.get(id);
    if (connection === undefined || connection.closing) return;
    connection.closing = true;
    this.members.delete(connection);
    this.markDirty(connection);
    // Reported now, not when the peer hangs up: the client has left the chat (this re-enters the
    // event stream, which queues it behind the output being handled).
    connection.peer.hangUp();
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
    let written = 0;
    for (const connection of dirty) {
      connection.queued = false;
      const { pending, pendingBytes } = connection;
      const { socket } = connection.peer;
      if (pendingBytes > 0) {
        connection.pending = [];
        connection.pendingBytes = 0;
        if (!socket.destroyed && socket.writable) {
          writeBatch(socket, pending, pendingBytes, connection.afterWrite);
          connection.account();
          written += pendingBytes;
        }
      }
      // An evicted connection is closing too, but already destroyed.
      if (connection.closing && !socket.destroyed) this.close(connection);
    }
    if (this.options.metrics !== undefined) this.options.metrics.bytesSent += written;
  };

  private close(connection: Connection): void {
    const { socket } = connection.peer;
    connection.peer.end();
    const timer = setTimeout(() => socket.destroy(), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}
