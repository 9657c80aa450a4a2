import { type Socket, connect } from 'node:net';
import type { RunningServer } from '../load/server-process';
import { sleep, waitUntil } from '../load/sync';

export interface PacedFloodOptions {
  /** Clients that all send and all read everything. */
  readonly clients: number;
  /** Lines each sends, of `lineBytes` bytes, spread evenly over `sendMs`. */
  readonly linesEach: number;
  readonly lineBytes: number;
  readonly sendMs: number;
  /** How long to wait for every line to arrive once the sending is over. */
  readonly drainTimeoutMs: number;
}

export interface PacedFloodResult {
  /** Readers the server closed (all of them read as fast as this process can): should be 0. */
  readonly readersLost: number;
  /** Lines the surviving readers missed (each should get every other client's line). */
  readonly linesMissed: number;
  /** From the first line sent until every surviving reader had every line. */
  readonly deliverSeconds: number;
}

/**
 * Issue 18's paced flood, as a new user with `--rate 0` would try it: every client sends thousands of
 * short lines paced over under two seconds, and every client reads everything as fast as one process
 * can. Each reader falls a burst behind for a moment, well past `--max-buffer-bytes`, but it keeps
 * draining: a server that evicts by backlog size alone drops some of them.
 */
export async function runPacedFlood(server: RunningServer, options: PacedFloodOptions): Promise<PacedFloodResult> {
  const clients: Counter[] = [];
  try {
    for (let i = 0; i < options.clients; i++) clients.push(await counter(server.port));
    // The joins are out (their lines stop coming) before the flood, so each counts from zero.
    let total = -1;
    for (
      let waited = 0;
      waited < 10_000 && total !== (total = clients.reduce((sum, c) => sum + c.lines, 0));
      waited += 300
    )
      await sleep(300);
    for (const client of clients) client.lines = 0;

    const ticks = Math.max(1, Math.round(options.sendMs / 5));
    const padding = 'f'.repeat(Math.max(0, options.lineBytes - 12));
    const started = Date.now();
    let sent = 0;
    for (let tick = 0; tick < ticks; tick++) {
      const upTo = Math.round(((tick + 1) * options.linesEach) / ticks);
      const count = upTo - Math.round((tick * options.linesEach) / ticks);
      for (const client of clients) {
        if (client.socket.destroyed) continue;
        let batch = '';
        for (let i = 0; i < count; i++) batch += `${String(sent + i).padStart(10, '0')} ${padding}\n`;
        client.socket.write(batch);
      }
      sent += count;
      await sleep(Math.max(0, started + ((tick + 1) * options.sendMs) / ticks - Date.now()));
    }
    // Nobody is sent their own lines.
    const expected = (options.clients - 1) * options.linesEach;
    const alive = () => clients.filter((c) => !c.closed);
    await waitUntil(() => alive().every((c) => c.lines >= expected), options.drainTimeoutMs);
    const deliverSeconds = (Date.now() - started) / 1000;
    // Leaves announced (an evicted client's) are lines too: count only what is missing.
    const linesMissed = alive().reduce((sum, c) => sum + Math.max(0, expected - c.lines), 0);
    return { readersLost: clients.length - alive().length, linesMissed, deliverSeconds };
  } finally {
    for (const client of clients) client.socket.destroy();
  }
}

interface Counter {
  readonly socket: Socket;
  /** Lines received (counted without decoding them). */
  lines: number;
  closed: boolean;
}

/** A client that reads everything as fast as it can and counts lines; resolves once welcomed. */
function counter(port: number): Promise<Counter> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const client: Counter = { socket, lines: 0, closed: false };
    socket.once('error', reject);
    socket.on('error', () => undefined);
    socket.once('close', () => (client.closed = true));
    socket.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) client.lines++;
      if (client.lines > 0) resolve(client);
    });
  });
}
