/**
 * One simulated rxchat process for relay specs: a local event Subject (what its operators would
 * emit), a redisRelay, and a model core fed synchronously by the relay, recording all it received.
 */
import { randomBytes } from 'node:crypto';
import { Subject, type Subscription } from 'rxjs';
import type { Notice } from '../../../src/core/events';
import type { ChatRelay } from '../../../src/relay/chat-relay';
import type { RelayEvent } from '../../../src/relay/cluster-events';
import { type RedisRelayOptions, redisRelay } from '../../../src/relay/redis-relay';
import { ModelChat } from './model-chat';

/** Short timings so outages, leases and snapshots happen within a spec. */
export const FAST: Partial<RedisRelayOptions> = {
  leaseMs: 900,
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 3_000,
  reconnectMaxDelayMs: 100,
  blockMs: 200,
  snapshotMs: 200,
  closeTimeoutMs: 2_000,
};

export class RelayNode {
  readonly node = randomBytes(4).toString('hex');
  readonly local = new Subject<RelayEvent>();
  readonly model = new ModelChat();
  readonly received: RelayEvent[] = [];
  readonly logs: string[] = [];
  readonly relay: ChatRelay;
  completed = false;
  error: unknown;
  private subscription?: Subscription;
  private nextPort = 40_000;

  constructor(
    url: string,
    readonly chat: string,
    options: Partial<RedisRelayOptions> = {},
  ) {
    this.relay = redisRelay({ ...FAST, ...options, url, chat, onLog: (line) => this.logs.push(line) });
  }

  /** Subscribes and resolves once the relay has the chat's state. */
  async start(): Promise<void> {
    this.subscription = this.relay
      .connect(this.local, {
        node: this.node,
        snapshot: () => this.model.snapshot(),
      })
      .subscribe({
        next: (event) => {
          this.model.apply(event);
          this.received.push(event);
        },
        error: (error: unknown) => (this.error = error),
        complete: () => (this.completed = true),
      });
    await this.relay.ready();
  }

  /** A new client of this process; returns its id. */
  connect(name: string): string {
    const id = `${this.node}-${name}`;
    this.local.next({
      type: 'connected',
      id,
      remote: { address: '127.0.0.1', port: this.nextPort++ },
      names: [name],
      node: this.node,
      at: Date.now(),
    });
    return id;
  }

  say(id: string, text: string): void {
    this.local.next({ type: 'line', id, text, at: Date.now() });
  }

  hangUp(id: string): void {
    this.local.next({ type: 'disconnected', id, reason: 'closed', at: Date.now() });
  }

  /** Stops abruptly, as kill -9 would: no goodbye, the lease is left to run out. */
  crash(): void {
    this.subscription?.unsubscribe();
  }

  close(): Promise<void> {
    return this.relay.close();
  }

  /** The line events received, as `id: text`. */
  lines(): string[] {
    return this.received.flatMap((event) => (event.type === 'line' ? [`${event.id}: ${event.text}`] : []));
  }

  /** Everything received after the last reset. */
  sinceLastReset(): RelayEvent[] {
    const last = this.received.map((event) => event.type).lastIndexOf('reset');
    return this.received.slice(last + 1);
  }

  noticesTo(id: string): Notice[] {
    return this.received.flatMap((event) => (event.type === 'notice' && event.id === id ? [event.notice] : []));
  }

  describe(): string {
    return `node ${this.node}: ${this.received.length} events, names [${this.model.names().join(', ')}], log:\n  ${this.logs.join('\n  ')}`;
  }
}

/** What every process must agree on: the ordered events, without resets (each process's own, with its own `at`) and notices (for its own clients). */
export function ordered(events: readonly RelayEvent[]): string[] {
  return events
    .filter((event) => event.type !== 'notice' && event.type !== 'reset')
    .map((event) => JSON.stringify(event));
}

/** A chat name of its own for each test, so tests sharing a Redis do not meet. */
export function freshChat(): string {
  return `chat-${randomBytes(4).toString('hex')}`;
}
