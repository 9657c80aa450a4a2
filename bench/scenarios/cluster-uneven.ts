import { type ClusterServer, connectAcross } from '../load/cluster';
import { nowMicros } from '../load/client';
import { runFanout } from './fanout';

export interface ClusterUnevenOptions {
  /** Clients on each process, in the cluster's order: e.g. [2, 1000, 1000]. */
  readonly clientsPer: readonly number[];
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly maxLinesPerSender: number;
  readonly drainMs: number;
}

/**
 * Fan-out over an uneven cluster: every client of every process sends, all in the default room. Beside
 * the fan-out figures, each process's CPU over the measured window (share of a core, and ns per chat
 * line sent anywhere, which every process applies) and Redis's: a process with few clients should pay
 * for its own clients' deliveries, not for the others'.
 */
export async function runClusterUneven(
  cluster: ClusterServer,
  options: ClusterUnevenOptions,
): Promise<Record<string, number>> {
  const clients = options.clientsPer.reduce((sum, n) => sum + n, 0);
  const members = cluster.members;
  const cpu0: number[] = [];
  const cpu1: number[] = [];
  let redis0 = 0;
  let redis1 = 0;
  let wall0 = 0;
  let wall1 = 0;
  const result = await runFanout(cluster, {
    clients,
    senders: clients,
    window: options.window,
    warmupMs: options.warmupMs,
    measureMs: options.measureMs,
    maxLinesPerSender: options.maxLinesPerSender,
    drainMs: options.drainMs,
    connect: connectAcross(cluster.ports, options.clientsPer),
    onMeasure: () => {
      wall0 = nowMicros();
      redis0 = cluster.redisCpuMicros();
      for (const member of members) cpu0.push(member.cpuMicros());
      return () => {
        wall1 = nowMicros();
        redis1 = cluster.redisCpuMicros();
        for (const member of members) cpu1.push(member.cpuMicros());
      };
    },
  });
  const wall = wall1 - wall0;
  // Every delivered line went to all but its sender: lines sent in the window.
  const linesSent = (result.linesPerSec * (wall / 1e6)) / (clients - 1);
  const metrics: Record<string, number> = {
    ...result,
    linesSentPerSec: result.linesPerSec / (clients - 1),
    redisCpuShare: (redis1 - redis0) / wall,
  };
  members.forEach((_, k) => {
    const micros = cpu1[k]! - cpu0[k]!;
    metrics[`process${k}CpuShare`] = micros / wall;
    metrics[`process${k}CpuNsPerLineSent`] = (micros * 1000) / linesSent;
  });
  metrics['smallOverLarge'] = metrics['process0CpuNsPerLineSent']! / metrics['process1CpuNsPerLineSent']!;
  return metrics;
}
