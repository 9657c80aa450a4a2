import { type Socket, connect } from 'node:net';
import type { RunningServer } from '../load/server-process';
import { settle, sleep, waitUntil } from '../load/sync';

export interface NonReadersOptions {
  /** Clients that connect and never read a byte. */
  readonly nonReaders: number;
  /** Clients that read everything and send `lineBytes` lines at `linesPerSecond` each. */
  readonly senders: number;
  readonly linesPerSecond: number;
  readonly lineBytes: number;
  /** How long the senders send. */
  readonly sendMs: number;
  /** RSS is read again this long after the senders stop. */
  readonly afterMs: number;
  readonly connectTimeoutMs: number;
}

export interface NonReadersResult {
  /** RSS of the fresh server, and once every client is connected and the joins are out (MB). */
  readonly baseRssMb: number;
  readonly connectedRssMb: number;
  /** Highest RSS while the senders send, and `afterMs` after they stop, over the connected RSS (MB). */
  readonly peakGrowthMb: number;
  readonly afterGrowthMb: number;
  /** Non-readers whose leave the watcher saw announced: evicted. */
  readonly evictedAnnounced: number;
  /** The watcher and the senders (who read everything) that the server closed: should be 0. */
  readonly readersLost: number;
  readonly linesSent: number;
  /** Until the watcher saw every join. */
  readonly connectSeconds: number;
}

/**
 * Issue 10's first attack: clients that never read while others chat with long lines at the
 * default rate. A server that bounds only each client's backlog grows by (clients x per-client
 * limit); one with a total budget evicts the non-readers and stays near its connected size.
 * A watcher (reading) counts the leaves announced; RSS is sampled every 100 ms.
 */
export async function runNonReaders(server: RunningServer, options: NonReadersOptions): Promise<NonReadersResult> {
  const baseRss = server.rssBytes();
  const sockets: Socket[] = [];
  const leaves = new Set<string>();
  /** Leaves announced in storm summaries (`[-] N left: a, b, ... and M more`) beyond the names they list. */
  let unnamedLeaves = 0;
  let joins = 0;
  let senderNames: string[] = [];
  try {
    const started = Date.now();
    const watcher = await reader(server.port, (line) => {
      const match = /^\[-\] (\S+) left the chat\.$/.exec(line);
      // Past 50 a second, joins and leaves come summed up, one line a second.
      const joinedMany = /^\[\+\] (\d+) joined: /.exec(line);
      const leftMany = /^\[-\] (\d+) left: (.*?)(?:, \.\.\. and \d+ more)?$/.exec(line);
      if (match) leaves.add(match[1]!);
      else if (line.endsWith(' joined the chat')) joins++;
      else if (joinedMany) joins += Number(joinedMany[1]);
      else if (leftMany) {
        const named = leftMany[2]!.split(', ');
        for (const name of named) leaves.add(name);
        unnamedLeaves += Number(leftMany[1]) - named.length;
      }
    });
    sockets.push(watcher.socket);
    const senders = [];
    for (let i = 0; i < options.senders; i++) senders.push(await reader(server.port, () => undefined));
    sockets.push(...senders.map((s) => s.socket));
    senderNames = senders.map((s) => s.name);
    const silent: Socket[] = [];
    for (let at = 0; at < options.nonReaders; at += 250) {
      const batch = Array.from({ length: Math.min(250, options.nonReaders - at) }, () => nonReader(server.port));
      silent.push(...(await Promise.all(batch)));
      sockets.push(...silent.slice(-batch.length));
      // Connected is not joined: wait for the server to announce this batch before the next, or
      // the kernel's accept queue overflows while the server is busy announcing joins.
      const deadline = started + options.connectTimeoutMs - Date.now();
      if (!(await waitUntil(() => joins >= 1 + options.senders + silent.length, deadline))) {
        throw new Error(
          `only ${joins} of ${1 + options.senders + silent.length} joins announced within ${options.connectTimeoutMs} ms`,
        );
      }
    }
    const connectSeconds = (Date.now() - started) / 1000;
    await settle(server, 30_000);
    const connectedRss = server.rssBytes();

    let peakRss = connectedRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rssBytes())), 100);
    const padding = 'x'.repeat(options.lineBytes - 11);
    let linesSent = 0;
    const sendStart = Date.now();
    const interval = 1000 / options.linesPerSecond;
    // Every sender sends one line per tick, on a fixed schedule (no drift).
    for (let tick = 1; Date.now() - sendStart < options.sendMs; tick++) {
      for (const sender of senders) sender.socket.write(`${String(linesSent++).padStart(10, '0')} ${padding}\n`);
      await sleep(Math.max(0, sendStart + tick * interval - Date.now()));
    }
    await sleep(options.afterMs);
    clearInterval(sampler);
    const afterRss = server.rssBytes();
    const readersLost = [watcher, ...senders].filter((r) => r.socket.closed || r.socket.readableEnded).length;
    peakRss = Math.max(peakRss, afterRss);
    const mb = (bytes: number) => bytes / (1024 * 1024);
    return {
      baseRssMb: mb(baseRss),
      connectedRssMb: mb(connectedRss),
      peakGrowthMb: mb(peakRss - connectedRss),
      afterGrowthMb: mb(afterRss - connectedRss),
      evictedAnnounced: [...leaves].filter((name) => !senderNames.includes(name)).length + unnamedLeaves,
      readersLost,
      linesSent,
      connectSeconds,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** A client that reads every line and hands each to `onLine`; resolves once it knows its name. */
function reader(port: number, onLine: (line: string) => void): Promise<{ socket: Socket; name: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let rest = '';
    let name: string | undefined;
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (name === undefined) {
          name = /^\[\*\] Welcome, (\S+)!/.exec(line)?.[1];
          if (name !== undefined) resolve({ socket, name });
        }
        onLine(line);
      }
    });
  });
}

/** A client that never reads: once the kernel's buffers are full, the server's output for it backs up. */
function nonReader(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
