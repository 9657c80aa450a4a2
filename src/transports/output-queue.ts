import type { Duplex } from 'node:stream';
import type { ChatMessage, ChatOutput, ClientId, Delivery } from '../core/events';
import type { TransportMetrics } from '../pipeline/reports';
import { type BudgetHolder, DEFAULT_STALL_MS, type OutputBudget } from './output-budget';
import { pollClock, quietMs } from './poll-clock';

export interface OutputQueueOptions {
  /**
   * A client holding more than this many unsent bytes from earlier flushes is evicted once it has
   * stopped reading: the kernel took none of that backlog for `stallMs`. One that took some of it is
   * kept up to `DRAINING_LIMIT_FACTOR` times this, so a reader a burst behind, or one that paused for a
   * moment, is not cut off; either goes at most one delivery past that.
   */
  readonly maxBufferBytes?: number;
  /** How long a backlog may go without the kernel taking any of it before its client counts as stalled (default 1 s). */
  readonly stallMs?: number;
  /**
   * The server's bound on the unsent output of all clients together, shared by every transport's
   * queue: past it, the clients that stopped reading are evicted first (see `OutputBudget`).
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
  /**
   * Its socket closed, and the queue forgot it: called from the queue's close listener, so that a
   * peer needs no listener of its own for it.
   */
  socketClosed?(): void;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
const DEFAULT_COALESCE_SOCKETS = 256;
const DEFAULT_COALESCE_MS = 2;

/** Below this average size per delivery, a batch is copied into one buffer; above it, written as it is. */
const SHARE_ABOVE_AVERAGE_BYTES = 1024;

/**
 * The most handed to a socket in one write (unless one delivery is larger). The kernel reports a write
 * done only once it took all of it, so this is how finely a backlog's progress shows: a reader that
 * has fallen far behind still completes a write per 64 KiB it reads, where one lump of everything
 * queued would look stalled until all of it was sent.
 */
export const MAX_WRITE_BYTES = 64 * 1024;

/**
 * How far past `maxBufferBytes` a client that is still draining may go before it is evicted anyway
 * (4 MiB at the default): a reader that keeps up can be a burst behind. After the server itself
 * stalled for seconds (a first flush to 10,000 sockets that fill their kernel buffers), a reader gets
 * those seconds of chat at once: 2.4 MB at 20 senders of 4 KB lines at 5/s. Memory stays bounded by
 * the total budget, which evicts the draining last.
 */
export const DRAINING_LIMIT_FACTOR = 16;

/** Written behind a write the kernel did not take at once: its callback says when the kernel took that one. */
const EMPTY = Buffer.alloc(0);

/**
 * Writes a batch with one system call. Small pieces (chat lines) are copied into one buffer: cheap,
 * and one write() call. Large ones (long lines, big replies) are written as they are, corked into
 * one writev: a per-socket copy of them is memory that thousands of sockets multiply, which the
 * garbage collector frees late (few objects, many bytes), so a fan-out of long lines to a thousand
 * sockets would grow the process by gigabytes before a collection.
 */
function writeBatch(socket: Duplex, buffers: readonly Buffer[], bytes: number): void {
  if (buffers.length === 1) {
    socket.write(buffers[0]!);
  } else if (bytes < buffers.length * SHARE_ABOVE_AVERAGE_BYTES) {
    socket.write(Buffer.concat(buffers, bytes));
  } else {
    socket.cork();
    for (const buffer of buffers) socket.write(buffer);
    socket.uncork();
  }
}

/** `pending` while nothing is: shared by every connection and never added to, so an idle one holds no array. */
const NOTHING_PENDING: readonly Buffer[] = [];

/** A socket's entry in its queue, kept on the socket itself until it closes. */
const kQueued = Symbol('rxchat.queued');
type QueuedSocket = Duplex & { [kQueued]?: Connection | undefined };

/** The close listener every queued socket shares: its entry is forgotten. */
function forgetClosed(this: QueuedSocket): void {
  this.off('close', forgetClosed);
  const connection = this[kQueued];
  if (connection === undefined) return;
  this[kQueued] = undefined;
  connection.queue.forget(connection);
  connection.peer.socketClosed?.();
}

/** A peer, the output batched for it, and how its backlog drains. */
class Connection implements BudgetHolder {
  /** Output not yet handed to the socket: this turn's batch, or what waits behind a write in flight. */
  pending: readonly Buffer[] = NOTHING_PENDING;
  pendingBytes = 0;
  /** Listed in the dirty list for the next flush. */
  queued = false;
  closing = false;
  /** `end()` was called: everything was handed to the socket, the close is under way. */
  ended = false;
  /**
   * The kernel did not take the last write at once: until it has, the socket gets nothing more, and
   * what comes meanwhile waits in `pending` (counted in the backlog).
   */
  inFlight = false;
  /** What the budget counts for this connection: its backlog when last looked at. */
  charged = 0;
  progressAt = 0;
  progressed = false;
  everDrained = false;
  /** `afterWrite`, made by the first write left in flight: an idle connection never needs it. */
  private whenWritten: ((error?: Error | null) => void) | undefined = undefined;

  constructor(
    readonly peer: QueuedPeer,
    readonly queue: OutputQueue,
  ) {}

  /**
   * The callback of the empty write queued behind a write in flight, one per connection: it runs once
   * the kernel took that write (progress), or with the error that failed it.
   */
  get afterWrite(): (error?: Error | null) => void {
    return (this.whenWritten ??= (error) => {
      if (error) this.failed(error);
      else this.queue.tookWrite(this);
    });
  }

  /** Adds `bytes` to `pending`, in an array of its own from the first. */
  hold(bytes: Buffer): void {
    if (this.pending === NOTHING_PENDING) this.pending = [bytes];
    else (this.pending as Buffer[]).push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Drops everything pending. */
  dropPending(): void {
    this.pending = NOTHING_PENDING;
    this.pendingBytes = 0;
  }

  /** Unsent bytes: what the socket holds, and what waits behind its write in flight. */
  backlog(): number {
    const unsent = this.peer.socket.writableLength;
    return this.inFlight ? unsent + this.pendingBytes : unsent;
  }

  /** Tells the budget the backlog now (cheap: one property read). */
  account(): void {
    // A destroyed socket was released, or will be when it closes: it must not be counted again.
    const budget = this.queue.budget;
    if (budget !== undefined && !this.peer.socket.destroyed) budget.update(this, this.backlog());
  }

  /** A write failed: the socket is destroyed, and its stream reports it. */
  failed(error: Error): void {
    // Only a write that failed on a live socket: destroying it makes the writes buffered behind it, and
    // those cut short by a reset or an eviction, fail on a destroyed socket, and they are not counted.
    if (!this.peer.socket.destroyed) this.queue.metrics?.evicted(this.peer.id, 'write-error');
    this.peer.socket.destroy(error);
  }

  /** The budget's eviction: those that stopped reading go first when all clients together hold too much. */
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
 * - Paced by the kernel: a socket gets at most one write at a time that the kernel has not taken
 *   (at most `MAX_WRITE_BYTES`); what comes meanwhile waits here, and goes when that write completes.
 *   A completed write is progress: a reader far behind still shows it every 64 KiB it reads.
 * - Bounded: a client holding `maxBufferBytes` unsent from earlier flushes is evicted once it took none
 *   of that backlog for `stallMs`, or past `DRAINING_LIMIT_FACTOR` times that if it took some; when all
 *   clients together hold more than the shared `budget`, those without progress for `stallMs` go first.
 * - Writes carry no callback while the kernel takes them at once (Node then allocates no tick per
 *   write): only a write left in flight gets one, on an empty write queued behind it.
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

  /** The shared budget and the metrics, read by the connections (so that each needs no field of its own for them). */
  readonly budget: OutputBudget | undefined;
  readonly metrics: TransportMetrics | undefined;

  constructor(
    private readonly encode: (message: ChatMessage) => Buffer,
    private readonly options: OutputQueueOptions = {},
  ) {
    this.budget = options.budget;
    this.metrics = options.metrics;
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

  /**
   * Starts queueing for a peer; it is forgotten when its socket closes (not when its stream ends), by
   * a listener every socket shares: an idle connection costs no closure of the queue's own.
   */
  add(peer: QueuedPeer): void {
    const connection = new Connection(peer, this);
    this.connections.set(peer.id, connection);
    (peer.socket as QueuedSocket)[kQueued] = connection;
    peer.socket.on('close', forgetClosed);
  }

  /** The peer queued under `id`, while its socket is open. */
  peer(id: ClientId): QueuedPeer | undefined {
    return this.connections.get(id)?.peer;
  }

  /** Every peer whose socket is open. */
  peers(): IterableIterator<QueuedPeer> {
    return Array.from(this.connections.values(), (connection) => connection.peer).values();
  }

  /** The connection's socket closed: nothing more is queued for it. Called by `forgetClosed`. */
  forget(connection: Connection): void {
    if (this.connections.get(connection.peer.id) !== connection) return;
    this.connections.delete(connection.peer.id);
    this.members.delete(connection);
    this.options.budget?.release(connection);
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
    if (connection.inFlight) {
      // The socket has not taken its last write: this waits behind it, in the backlog.
      if (this.overLimit(connection)) return;
      connection.hold(bytes);
      connection.account();
      this.queued++;
    } else if (!this.writeThrough) {
      this.enqueue(connection, bytes);
      this.queued++;
    } else if (connection.peer.socket.writable) {
      connection.peer.socket.write(bytes);
      this.afterWriting(connection);
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
    if (this.turnDeliveries++ === 0) {
      setImmediate(this.endTurn);
      pollClock.arm();
    }
    return quiet;
  }

  private readonly endTurn = (): void => {
    this.lastTurnDeliveries = this.turnDeliveries;
    this.turnDeliveries = 0;
  };

  /**
   * The backlog of a connection whose last write is in flight (a reader keeping up has none between
   * flushes, so one burst does not count against it). Past the limit, a client that took none of its
   * backlog for `stallMs` has stopped reading and is evicted; one that took some of it (a reader a
   * burst behind, or one that paused for a moment) is kept up to `DRAINING_LIMIT_FACTOR` times the
   * limit. Either goes at most one delivery past.
   */
  private overLimit(connection: Connection): boolean {
    const limit = this.options.maxBufferBytes;
    if (limit === undefined) return false;
    const backlog = connection.backlog();
    if (backlog <= limit) return false;
    const stalled =
      !connection.progressed && quietMs(connection.progressAt) >= (this.options.stallMs ?? DEFAULT_STALL_MS);
    if (!stalled && backlog <= limit * DRAINING_LIMIT_FACTOR) return false;
    const why =
      stalled || !connection.progressed ? 'client not reading' : `${backlog} unsent, client draining too slowly`;
    this.evict(connection, 'slow-reader', new Error(`output buffer over ${limit} bytes (${why})`));
    return true;
  }

  /**
   * After a write: if the kernel did not take it all at once, the connection waits for it (its
   * backlog's clock starts if it held none), told by the callback of an empty write queued behind it.
   * A write that failed at once left the stream errored: it is reported as a callback would have been.
   */
  private afterWriting(connection: Connection): void {
    const { socket } = connection.peer;
    if (socket.writableLength > 0) {
      connection.inFlight = true;
      if (connection.progressAt === 0) {
        connection.progressAt = Date.now();
        connection.progressed = false;
      }
      socket.write(EMPTY, connection.afterWrite);
      connection.account();
    } else if (socket.errored) {
      connection.failed(socket.errored);
    }
  }

  /**
   * Hands the connection's pending output to its socket, at most `MAX_WRITE_BYTES` a write, until
   * all of it is handed or a write is left in flight (the rest then waits for it). Returns the bytes handed.
   */
  private send(connection: Connection): number {
    const { socket } = connection.peer;
    let sent = 0;
    while (connection.pendingBytes > 0 && !connection.inFlight) {
      if (socket.destroyed || !socket.writable) {
        connection.dropPending();
        break;
      }
      let buffers = connection.pending;
      let bytes = connection.pendingBytes;
      if (bytes > MAX_WRITE_BYTES && buffers.length > 1) {
        let count = 1;
        bytes = buffers[0]!.length;
        while (count < buffers.length && bytes + buffers[count]!.length <= MAX_WRITE_BYTES)
          bytes += buffers[count++]!.length;
        // More than one buffer: `pending` is the connection's own array.
        buffers = (buffers as Buffer[]).splice(0, count);
        connection.pendingBytes -= bytes;
      } else {
        connection.dropPending();
      }
      writeBatch(socket, buffers, bytes);
      sent += bytes;
      this.afterWriting(connection);
    }
    return sent;
  }

  /**
   * The kernel took the write in flight (the callback of the empty write behind it): progress. The next
   * goes. Called by a connection's write callback, not by transports.
   */
  tookWrite(connection: Connection): void {
    connection.inFlight = false;
    connection.progressAt = Date.now();
    connection.progressed = connection.everDrained = true;
    const sent = this.send(connection);
    if (this.options.metrics !== undefined) this.options.metrics.bytesSent += sent;
    // Nothing left in flight: the backlog is gone, and its clock with it.
    if (!connection.inFlight) connection.progressAt = 0;
    connection.account();
    this.endIfHandedOver(connection);
  }

  private enqueue(connection: Connection, bytes: Buffer): void {
    connection.hold(bytes);
    this.markDirty(connection);
  }

  /** Drops what was queued and destroys the socket (`reason` is what the metrics count it under); its stream reports the error and the leave follows. */
  evict(connection: Connection, reason: string, error: Error): void {
    connection.dropPending();
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
    this.armCloseTimer(connection);
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
      // Held behind a write in flight, what is pending goes when that write completes.
      if (connection.pendingBytes > 0 && !connection.inFlight) {
        written += this.send(connection);
        if (connection.inFlight) connection.account();
      }
      if (connection.closing) this.endIfHandedOver(connection);
    }
    if (this.options.metrics !== undefined) this.options.metrics.bytesSent += written;
  };

  /** A closing connection is ended once all its output is handed to the socket (an evicted one is already destroyed). */
  private endIfHandedOver(connection: Connection): void {
    if (!connection.closing || connection.ended || connection.pendingBytes > 0 || connection.peer.socket.destroyed)
      return;
    connection.ended = true;
    connection.peer.end();
  }

  /** The socket is destroyed if the peer has not hung up in time, whatever it still holds. */
  private armCloseTimer(connection: Connection): void {
    const { socket } = connection.peer;
    const timer = setTimeout(() => socket.destroy(), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}
