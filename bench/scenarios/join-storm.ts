import { type Client, closeAll, connectClients } from '../load/client';
import type { RunningServer } from '../load/server-process';
import { settle, waitUntil } from '../load/sync';

export interface JoinStormOptions {
  readonly clients: number;
  /** Connections opened at once, as the idle-memory scenario does. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface JoinStormResult {
  /** Until the kernel accepted every connection. */
  readonly connectSeconds: number;
  /** Until every client had its welcome and its own join line: it is in the chat. */
  readonly joinedSeconds: number;
  /** From then until the server went quiet (announcements written). */
  readonly settleSeconds: number;
  readonly joinCpuSeconds: number;
  /** What the first client to join read meanwhile: every later join, one by one or summed up. */
  readonly firstClientLines: number;
  /** After everyone hangs up at once: until the server is quiet, and its CPU meanwhile. */
  readonly leaveSettleSeconds: number;
  readonly leaveCpuSeconds: number;
}

/**
 * The join storm: `clients` idle clients connect as fast as the load generator opens them; each
 * join is an announcement to everyone before it (50 million lines for 10,000 joins, unless the
 * server sums storms up). Then they all leave at once.
 */
export async function runJoinStorm(server: RunningServer, options: JoinStormOptions): Promise<JoinStormResult> {
  await settle(server, 10_000);
  const cpu0 = server.cpuMicros();
  const started = Date.now();
  let clients: Client[] = [];
  try {
    clients = await connectClients(
      server.port,
      options.clients,
      { onStamp: () => undefined },
      {
        concurrency: options.concurrency,
        timeoutMs: options.timeoutMs,
      },
    );
    const connectSeconds = (Date.now() - started) / 1000;
    const everyoneIn = await waitUntil(() => clients.every((c) => c.scanner.lines >= 2), options.timeoutMs, 20);
    const joinedSeconds = everyoneIn ? (Date.now() - started) / 1000 : NaN;
    const settleStarted = Date.now();
    await settle(server, options.timeoutMs);
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    const joinCpuSeconds = (server.cpuMicros() - cpu0) / 1e6;
    const firstClientLines = clients[0]?.scanner.lines ?? 0;

    const leaveCpu0 = server.cpuMicros();
    const leaveStarted = Date.now();
    closeAll(clients);
    await settle(server, options.timeoutMs);
    return {
      connectSeconds,
      joinedSeconds,
      settleSeconds,
      joinCpuSeconds,
      firstClientLines,
      leaveSettleSeconds: (Date.now() - leaveStarted) / 1000,
      leaveCpuSeconds: (server.cpuMicros() - leaveCpu0) / 1e6,
    };
  } finally {
    closeAll(clients);
  }
}
