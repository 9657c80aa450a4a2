import { type Client, closeAll, connectClients } from '../load/client';
import type { RunningServer } from '../load/server-process';
import { settle } from '../load/sync';

export interface IdleMemoryOptions {
  /** Ascending connection counts at which RSS is read, e.g. [2000, 10000]. */
  readonly steps: readonly number[];
  /** Longest wait for the server to go quiet after each step. */
  readonly settleMs: number;
  readonly connectTimeoutMs: number;
}

export interface IdleMemoryStep {
  readonly connections: number;
  /** RSS growth over the idle server, per connection. */
  readonly bytesPerConnection: number;
  /**
   * With the server's memory probe, read after the RSS above: the growth of the JS heap (`heapUsed`)
   * and of RSS, each after a full GC, per connection.
   */
  readonly heapBytesPerConnectionAfterGc?: number;
  readonly rssBytesPerConnectionAfterGc?: number;
  readonly rssBytes: number;
  readonly connectSeconds: number;
  /** From the last connect until the server went quiet. */
  readonly settleSeconds: number;
}

export interface IdleMemoryResult {
  readonly baseRssBytes: number;
  readonly steps: readonly IdleMemoryStep[];
}

/**
 * Idle connections: RSS of a fresh server, then after opening each step's connections and letting
 * the server settle (its CPU stops moving: join announcements flushed). Clients read everything
 * they are sent, so no backlog is counted as per-connection memory. A server started with the
 * memory probe is also asked, after each RSS reading, for its JS heap and RSS after a full GC.
 */
export async function runIdleMemory(server: RunningServer, options: IdleMemoryOptions): Promise<IdleMemoryResult> {
  await settle(server, options.settleMs);
  const baseRssBytes = server.rssBytes();
  // After the RSS reading: the figure without a GC stays what it always was.
  const baseAfterGc = await server.memoryAfterGc?.();
  const steps: IdleMemoryStep[] = [];
  const clients: Client[] = [];
  const handler = { onStamp: () => undefined };
  try {
    for (const target of options.steps) {
      const started = Date.now();
      const more = await connectClients(server.port, target - clients.length, handler, {
        firstIndex: clients.length,
        concurrency: 250,
        timeoutMs: options.connectTimeoutMs,
      });
      clients.push(...more);
      const connectSeconds = (Date.now() - started) / 1000;
      const settleStarted = Date.now();
      await settle(server, options.settleMs);
      const settleSeconds = (Date.now() - settleStarted) / 1000;
      const rssBytes = server.rssBytes();
      const afterGc = baseAfterGc === undefined ? undefined : await server.memoryAfterGc?.();
      steps.push({
        connections: target,
        bytesPerConnection: (rssBytes - baseRssBytes) / target,
        ...(afterGc === undefined || baseAfterGc === undefined
          ? {}
          : {
              heapBytesPerConnectionAfterGc: (afterGc.heapUsed - baseAfterGc.heapUsed) / target,
              rssBytesPerConnectionAfterGc: (afterGc.rss - baseAfterGc.rss) / target,
            }),
        rssBytes,
        connectSeconds,
        settleSeconds,
      });
    }
    return { baseRssBytes, steps };
  } finally {
    closeAll(clients);
  }
}
