import type { ChatEvent, ClientId, RemoteAddress } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';
import type { BufferedOutput, LineDrops, TransportMetrics } from '../pipeline/reports';
import type { ConnectionLogEntry } from './connection-log';

/** What the ledger needs from its host: where its connection records go, and its clock. */
export interface ConnectionLedgerOptions {
  /** Receives a record of each client evicted and each connection refused. */
  readonly onConnectionLog?: (entry: ConnectionLogEntry) => void;
  /** The clock of the records and of the relay's lag; default Date.now. */
  readonly now?: () => number;
}

/** One transport's counts. */
export interface TransportCounts {
  readonly name: string;
  /** Connections accepted so far, refused ones included. */
  readonly connections: number;
  /** Clients in the chat now. */
  readonly clients: number;
}

interface MutableTransportCounts {
  readonly name: string;
  connections: number;
  clients: number;
}

/** One open connection, from its `connected` event to its `disconnected` event. */
interface OpenConnection {
  readonly transport: MutableTransportCounts;
  readonly remote: RemoteAddress;
  /** Its `connected` event passed the operators: it is in the chat (until it leaves). */
  admitted: boolean;
  /** Turned away before joining: its lines go nowhere. */
  refused: boolean;
}

/** Counts by an open set of reasons: a new policy's reason needs no change here. */
class ReasonCounts {
  readonly counts = new Map<string, number>();

  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
}

/**
 * The chat's numbers for the operator, counted where they already are: the events each transport
 * emits (connections, lines, hang-ups), the events the operators let through to the core (who
 * joined, who was kicked or refused), and the reports of transports and operators (the outgoing
 * queues' bytes, deliveries and evictions; the rate limiter's drops). Plain numbers that cost an
 * increment each and nothing per delivery; `ChatMetrics` turns them into Prometheus metrics when
 * scraped. It also keeps the connection log's records (`onConnectionLog`).
 */
export class ConnectionLedger implements TransportMetrics, LineDrops {
  bytesSent = 0;
  deliveries = 0;
  private lines = 0;
  private readonly drops = new ReasonCounts();
  private readonly refusals = new ReasonCounts();
  private readonly evictions = new ReasonCounts();
  private readonly byTransport = new Map<string, MutableTransportCounts>();
  private readonly open = new Map<ClientId, OpenConnection>();
  private readonly outputs: BufferedOutput[] = [];
  /** A shutdown passed: newcomers are turned away. */
  private closing = false;
  /** With a relay (several processes): events this process published, events its core applied, and how old the last one was. */
  private published = 0;
  private applied = 0;
  private lag = 0;

  constructor(private readonly options: ConnectionLedgerOptions = {}) {}

  /** Lines received from clients (blank, over-long and discarded ones included). */
  get linesReceived(): number {
    return this.lines;
  }

  /** Lines that went to no one, by reason. */
  get droppedLines(): ReadonlyMap<string, number> {
    return this.drops.counts;
  }

  /** Connections turned away before joining the chat, by reason. */
  get refusedConnections(): ReadonlyMap<string, number> {
    return this.refusals.counts;
  }

  /** Clients the server let go, by reason. */
  get evictedClients(): ReadonlyMap<string, number> {
    return this.evictions.counts;
  }

  /** Each transport's counts, from its `transportEvents` call on. */
  get transports(): Iterable<TransportCounts> {
    return this.byTransport.values();
  }

  /** Output not yet sent, over every tracked queue (summed now: call it when scraped). */
  bufferedBytes(): number {
    let bytes = 0;
    for (const output of this.outputs) bytes += output.bufferedBytes();
    return bytes;
  }

  /** This process's events handed to the relay. */
  get relayEventsPublished(): number {
    return this.published;
  }

  /** The chat's events this process's core applied, from every process. */
  get relayEventsApplied(): number {
    return this.applied;
  }

  /** How long ago the last applied event happened when it was applied (ms). */
  get relayLagMs(): number {
    return this.lag;
  }

  /**
   * Observes one transport's events, before the operators: connections, lines received, hang-ups.
   * Its counts exist (at 0) from this call on.
   */
  transportEvents(name: string): (event: PipelineEvent) => void {
    const transport = this.transportCounts(name);
    return (event) => {
      switch (event.type) {
        case 'connected':
          if (this.open.has(event.id)) return;
          transport.connections++;
          this.open.set(event.id, { transport, remote: event.remote, admitted: false, refused: false });
          return;
        case 'line':
          this.lines++;
          if (this.open.get(event.id)?.refused === true) this.drops.add('refused');
          return;
        case 'line-too-long':
          this.lines++;
          this.drops.add('line-too-long');
          return;
        case 'discarded':
          // Lines of a muted flooder, dropped by its transport unread.
          this.discarded('rate-limited', event.lines);
          return;
        case 'disconnected': {
          const connection = this.open.get(event.id);
          if (connection === undefined) return;
          this.open.delete(event.id);
          if (connection.admitted) this.leave(connection);
          return;
        }
        default:
          return;
      }
    };
  }

  /**
   * Observes the events the operators let through, in the order the core gets them: a `connected`
   * that passes joins the chat, a `kick` of a client in the chat is an eviction and of one not in it
   * a refusal (its reason is the notice's code), `/quit` leaves.
   */
  readonly chatEvents = (event: ChatEvent): void => {
    switch (event.type) {
      case 'connected': {
        const connection = this.open.get(event.id);
        if (connection === undefined || connection.admitted || connection.refused) return;
        if (this.closing) return this.refuse(event.id, connection, 'shutting-down');
        connection.admitted = true;
        connection.transport.clients++;
        return;
      }
      case 'kick': {
        const connection = this.open.get(event.id);
        if (connection === undefined || this.closing) return;
        if (connection.admitted) {
          this.leave(connection);
          this.evictions.add(event.reason.code);
          this.record('evicted', event.reason.code, event.id, connection);
        } else if (!connection.refused) {
          this.refuse(event.id, connection, event.reason.code);
        }
        return;
      }
      case 'command': {
        const connection = event.command.name === 'quit' ? this.open.get(event.id) : undefined;
        if (connection?.admitted === true) this.leave(connection);
        return;
      }
      case 'shutdown':
        this.closing = true;
        return;
      default:
        return;
    }
  };

  /** This process's own events, handed to the relay. */
  readonly relayPublished = (): void => {
    this.published++;
  };

  /** The chat's events, as the relay hands them to the core, in the one order. */
  readonly relayApplied = (event: ChatEvent): void => {
    this.applied++;
    if (event.at !== undefined) this.lag = Math.max(0, this.now() - event.at);
  };

  dropped(reason: string, lines = 1): void {
    this.drops.add(reason, lines);
  }

  discarded(reason: string, lines = 1): void {
    this.lines += lines;
    this.drops.add(reason, lines);
  }

  evicted(id: ClientId, reason: string): void {
    this.evictions.add(reason);
    const connection = this.open.get(id);
    if (connection !== undefined) this.record('evicted', reason, id, connection);
  }

  refused(reason: string, transport: string, remote?: RemoteAddress): void {
    this.refusals.add(reason);
    this.options.onConnectionLog?.({
      type: 'refused',
      reason,
      transport,
      ...(remote ? { remote } : {}),
      at: this.now(),
    });
  }

  track(output: BufferedOutput): void {
    this.outputs.push(output);
  }

  private refuse(id: ClientId, connection: OpenConnection, reason: string): void {
    connection.refused = true;
    this.refusals.add(reason);
    this.record('refused', reason, id, connection);
  }

  private leave(connection: OpenConnection): void {
    connection.admitted = false;
    connection.transport.clients--;
  }

  private record(type: ConnectionLogEntry['type'], reason: string, id: ClientId, connection: OpenConnection): void {
    const log = this.options.onConnectionLog;
    log?.({ type, reason, transport: connection.transport.name, id, remote: connection.remote, at: this.now() });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private transportCounts(name: string): MutableTransportCounts {
    let counts = this.byTransport.get(name);
    if (counts === undefined) {
      counts = { name, connections: 0, clients: 0 };
      this.byTransport.set(name, counts);
    }
    return counts;
  }
}
