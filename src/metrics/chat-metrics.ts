import { Counter, Gauge, Registry } from 'prom-client';
import type { ChatEvent, ClientId, RemoteAddress } from '../core/events';
import type { BufferedOutput, LineDrops, TransportMetrics } from '../pipeline/reports';
import type { ConnectionLogEntry } from './connection-log';

export interface ChatMetricsOptions {
  readonly onConnectionLog?: (entry: ConnectionLogEntry) => void;
  readonly now?: () => number;
}

/** Reasons shown at 0 before they first happen, so that `rate()` sees their first occurrence; others appear when they do. */
export const KNOWN_REASONS = {
  refused: ['server-full', 'shutting-down', 'forbidden-origin'],
  dropped: ['line-too-long', 'rate-limited', 'refused'],
  evicted: ['slow-reader', 'write-error', 'idle-timeout'],
} as const;

interface TransportCounts {
  readonly name: string;
  connections: number;
  clients: number;
}

/** One open connection, from its `connected` event to its `disconnected` event. */
interface OpenConnection {
  readonly transport: TransportCounts;
  readonly remote: RemoteAddress;
  /** Its `connected` event passed the operators: it is in the chat (until it leaves). */
  admitted: boolean;
  /** Turned away before joining: its lines go nowhere. */
  refused: boolean;
}

/** Counts by an open set of reasons. */
class ReasonCounts {
  readonly counts = new Map<string, number>();

  constructor(known: readonly string[]) {
    for (const reason of known) this.counts.set(reason, 0);
  }

  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
}

/**
 * The chat's numbers for the operator, counted where they already are: the events each transport
 * emits (connections, lines, hang-ups), the events the operators let through to the core (who
 * joined, who was kicked or refused), and a few hooks (the outgoing queues' bytes, deliveries and
 * evictions; the rate limiter's drops). Plain numbers while the chat runs; a prom-client registry
 * reads them only when scraped, so counting costs an increment and nothing per delivery.
 */
export class ChatMetrics implements TransportMetrics, LineDrops {
  bytesSent = 0;
  deliveries = 0;
  /** The `rxchat_*` metrics (without Node's process metrics, which are per process: see `processMetrics`). */
  readonly registry = new Registry();
  private linesReceived = 0;
  private readonly drops = new ReasonCounts(KNOWN_REASONS.dropped);
  private readonly refusals = new ReasonCounts(KNOWN_REASONS.refused);
  private readonly evictions = new ReasonCounts(KNOWN_REASONS.evicted);
  private readonly transports = new Map<string, TransportCounts>();
  private readonly open = new Map<ClientId, OpenConnection>();
  private readonly outputs: BufferedOutput[] = [];
  /** A shutdown passed: newcomers are turned away. */
  private closing = false;
  /** With a relay (several processes): events this process published, events its core applied, and how old the last one was. */
  private published = 0;
  private applied = 0;
  private lagMs = 0;

  constructor(private readonly options: ChatMetricsOptions = {}) {
    this.register();
  }

  /**
   * Observes one transport's events, before the operators: connections, lines received, hang-ups.
   * Its series exist (at 0) from this call on.
   */
  transportEvents(name: string): (event: ChatEvent) => void {
    const transport = this.transportCounts(name);
    return (event) => {
      switch (event.type) {
        case 'connected':
          if (this.open.has(event.id)) return;
          transport.connections++;
          this.open.set(event.id, { transport, remote: event.remote, admitted: false, refused: false });
          return;
        case 'line':
          this.linesReceived++;
          if (this.open.get(event.id)?.refused === true) this.drops.add('refused');
          return;
        case 'line-too-long':
          this.linesReceived++;
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

  dropped(reason: string, lines = 1): void {
    this.drops.add(reason, lines);
  }

  discarded(reason: string, lines = 1): void {
    this.linesReceived += lines;
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

  private transportCounts(name: string): TransportCounts {
    let counts = this.transports.get(name);
    if (counts === undefined) {
      counts = { name, connections: 0, clients: 0 };
      this.transports.set(name, counts);
    }
    return counts;
  }

  /** The metrics, each reading the plain numbers above when scraped. */
  /** This process's own events, handed to the relay. */
  readonly relayPublished = (): void => {
    this.published++;
  };

  /** The chat's events, as the relay hands them to the core, in the one order. */
  readonly relayApplied = (event: ChatEvent): void => {
    this.applied++;
    if (event.at !== undefined) this.lagMs = Math.max(0, (this.options.now ?? Date.now)() - event.at);
  };

  /** The relay's series, for a server sharing its chat with other processes: `unready` says why the relay is not live. */
  registerRelay(unready: () => string | undefined): void {
    const registers = [this.registry];
    // prom-client calls collect() with the metric as `this`: the counts are reached by another name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const counts = this;
    new Gauge({
      name: 'rxchat_relay_up',
      help: '1 while the relay to the other processes is live, 0 while it is down or resyncing.',
      registers,
      collect() {
        this.set(unready() === undefined ? 1 : 0);
      },
    });
    new Counter({
      name: 'rxchat_relay_events_published_total',
      help: "This process's events handed to the relay.",
      registers,
      collect() {
        this.reset();
        this.inc(counts.published);
      },
    });
    new Counter({
      name: 'rxchat_relay_events_applied_total',
      help: "The chat's events this process's core applied, from every process.",
      registers,
      collect() {
        this.reset();
        this.inc(counts.applied);
      },
    });
    new Gauge({
      name: 'rxchat_relay_lag_ms',
      help: 'How long ago the last applied event happened when this process applied it (ms).',
      registers,
      collect() {
        this.set(counts.lagMs);
      },
    });
  }

  private register(): void {
    const registers = [this.registry];
    const transports = this.transports;
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    const byReason = (name: string, help: string, reasons: ReasonCounts) =>
      new Counter({
        name,
        help,
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset();
          for (const [reason, n] of reasons.counts) this.inc({ reason }, n);
        },
      });

    new Gauge({
      name: 'rxchat_clients',
      help: 'Clients in the chat now, by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const t of transports.values()) this.set({ transport: t.name }, t.clients);
      },
    });
    new Counter({
      name: 'rxchat_connections_total',
      help: 'Connections accepted, by transport, refused ones included.',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        for (const t of transports.values()) this.inc({ transport: t.name }, t.connections);
      },
    });
    byReason(
      'rxchat_connections_refused_total',
      'Connections turned away before joining the chat, by reason.',
      this.refusals,
    );
    counter(
      'rxchat_lines_received_total',
      'Lines received from clients (blank and over-long ones included).',
      () => this.linesReceived,
    );
    byReason('rxchat_lines_dropped_total', 'Lines that went to no one, by reason.', this.drops);
    counter('rxchat_deliveries_total', 'Messages queued to clients, one per recipient.', () => this.deliveries);
    counter(
      'rxchat_bytes_sent_total',
      'Bytes of messages handed to client sockets (WebSocket frames included).',
      () => this.bytesSent,
    );
    byReason('rxchat_evictions_total', 'Clients the server let go, by reason.', this.evictions);
    const outputs = this.outputs;
    new Gauge({
      name: 'rxchat_output_buffered_bytes',
      help: 'Output not yet sent, over all clients.',
      registers,
      collect() {
        let bytes = 0;
        for (const output of outputs) bytes += output.bufferedBytes();
        this.set(bytes);
      },
    });
  }
}
