import type { LoadClient } from './client';
import { KIND_SYNC } from './stamp';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every client is in the server's broadcast audience: two clients ping until all
 * others have seen a ping. A connect callback only means the kernel accepted; this means the
 * server registered the client, so every line sent afterwards must reach it.
 * The scenario's stamp handler must set `client.synced` on KIND_SYNC lines.
 */
export async function syncClients(clients: readonly LoadClient[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seq = 0;
  while (clients.some((client) => !client.synced)) {
    if (Date.now() > deadline) {
      const missing = clients.filter((client) => !client.synced).length;
      throw new Error(`${missing} of ${clients.length} clients never joined the broadcast`);
    }
    clients[0]!.send(KIND_SYNC, 0, seq);
    clients[1]!.send(KIND_SYNC, 1, seq);
    seq++;
    await sleep(50);
  }
  // Let the last pings drain so they do not mix with measured traffic.
  await sleep(100);
}

/**
 * `syncClients` for rooms: in each group (a room's members, each having sent its `/join`), the first
 * two members ping their current room until every member has seen a ping. Lines sent afterwards to
 * a room must then reach all its members.
 */
export async function syncGroups(groups: readonly (readonly LoadClient[])[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seq = 0;
  let pending = groups.filter((group) => group.some((client) => !client.synced));
  while (pending.length > 0) {
    if (Date.now() > deadline) {
      const missing = pending.reduce((sum, group) => sum + group.filter((client) => !client.synced).length, 0);
      throw new Error(`${missing} clients in ${pending.length} rooms never saw their room's ping`);
    }
    for (const group of pending) {
      group[0]!.send(KIND_SYNC, group[0]!.index, seq);
      group[1]?.send(KIND_SYNC, group[1].index, seq);
    }
    seq++;
    await sleep(100);
    pending = pending.filter((group) => group.some((client) => !client.synced));
  }
  await sleep(100);
}

/** Resolves when `done()` holds, or after `timeoutMs`; polls, so it never blocks the loop. */
export async function waitUntil(done: () => boolean, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Waits until the server used < 1% CPU over 200 ms (its output flushed), or `maxMs` passed. */
export async function settle(server: { cpuMicros(): number }, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = server.cpuMicros();
  while (Date.now() < deadline) {
    await sleep(200);
    const now = server.cpuMicros();
    if (now - last < 2_000) return;
    last = now;
  }
}
