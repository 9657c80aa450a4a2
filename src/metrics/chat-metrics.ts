import { Counter, Gauge, Registry } from 'prom-client';
import { ConnectionLedger, type ConnectionLedgerOptions } from './connection-ledger';

/** How a `ChatMetrics` records connections: see `ConnectionLedgerOptions`. */
export type ChatMetricsOptions = ConnectionLedgerOptions;

/** Reasons shown at 0 before they first happen, so that `rate()` sees their first occurrence; others appear when they do. */
export const KNOWN_REASONS = {
  refused: ['server-full', 'shutting-down', 'forbidden-origin'],
  dropped: ['line-too-long', 'rate-limited', 'refused'],
  evicted: ['slow-reader', 'write-error', 'idle-timeout'],
} as const;

/**
 * The ledger's numbers as the `rxchat_*` Prometheus metrics: each metric reads the ledger when
 * scraped, so the chat pays nothing for being observed between scrapes. A `ConnectionLedger` that
 * the server hands to its transports and operators as their report sink.
 */
export class ChatMetrics extends ConnectionLedger {
  /** The `rxchat_*` metrics (without Node's process metrics, which are per process: see `processMetrics`). */
  readonly registry = new Registry();

  constructor(options: ChatMetricsOptions = {}) {
    super(options);
    this.register();
  }

  /** The relay's series, for a server sharing its chat with other processes: `unready` says why the relay is not live. */
  registerRelay(unready: () => string | undefined): void {
    const registers = [this.registry];
    // prom-client calls collect() with the metric as `this`: the ledger is reached by another name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const ledger = this;
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
        this.inc(ledger.relayEventsPublished);
      },
    });
    new Counter({
      name: 'rxchat_relay_events_applied_total',
      help: "The chat's events this process's core applied, from every process.",
      registers,
      collect() {
        this.reset();
        this.inc(ledger.relayEventsApplied);
      },
    });
    new Gauge({
      name: 'rxchat_relay_lag_ms',
      help: 'How long ago the last applied event happened when this process applied it (ms).',
      registers,
      collect() {
        this.set(ledger.relayLagMs);
      },
    });
  }

  private register(): void {
    const registers = [this.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const ledger = this;
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
    const byReason = (
      name: string,
      help: string,
      known: readonly string[],
      reasons: () => ReadonlyMap<string, number>,
    ) =>
      new Counter({
        name,
        help,
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset();
          const counts = reasons();
          for (const reason of known) this.inc({ reason }, counts.get(reason) ?? 0);
          for (const [reason, n] of counts) if (!known.includes(reason)) this.inc({ reason }, n);
        },
      });

    new Gauge({
      name: 'rxchat_clients',
      help: 'Clients in the chat now, by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const t of ledger.transports) this.set({ transport: t.name }, t.clients);
      },
    });
    new Counter({
      name: 'rxchat_connections_total',
      help: 'Connections accepted, by transport, refused ones included.',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        for (const t of ledger.transports) this.inc({ transport: t.name }, t.connections);
      },
    });
    byReason(
      'rxchat_connections_refused_total',
      'Connections turned away before joining the chat, by reason.',
      KNOWN_REASONS.refused,
      () => this.refusedConnections,
    );
    counter(
      'rxchat_lines_received_total',
      'Lines received from clients (blank and over-long ones included).',
      () => this.linesReceived,
    );
    byReason(
      'rxchat_lines_dropped_total',
      'Lines that went to no one, by reason.',
      KNOWN_REASONS.dropped,
      () => this.droppedLines,
    );
    counter('rxchat_deliveries_total', 'Messages queued to clients, one per recipient.', () => this.deliveries);
    counter(
      'rxchat_bytes_sent_total',
      'Bytes of messages handed to client sockets (WebSocket frames included).',
      () => this.bytesSent,
    );
    byReason(
      'rxchat_evictions_total',
      'Clients the server let go, by reason.',
      KNOWN_REASONS.evicted,
      () => this.evictedClients,
    );
    new Gauge({
      name: 'rxchat_output_buffered_bytes',
      help: 'Output not yet sent, over all clients.',
      registers,
      collect() {
        this.set(ledger.bufferedBytes());
      },
    });
  }
}
