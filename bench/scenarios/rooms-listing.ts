import { nowMicros } from '../load/client';
import { Histogram } from '../load/histogram';
import type { RunningServer } from '../load/server-process';
import { settle, waitUntil } from '../load/sync';
import { type LineHandler, type TextClient, connectTextClients } from '../load/text-client';

export interface RoomsListingOptions {
  /** Clients that make the rooms: all join #big, and each makes its share of the rest. */
  readonly makers: number;
  /** Rooms on the server in all, the default room and #big included (the server's --max-rooms). */
  readonly rooms: number;
  /** Each query is sent this many times, one at a time. */
  readonly repeats: number;
  readonly timeoutMs: number;
}

export interface RoomsListingResult {
  readonly setupSeconds: number;
  /** 1 if a /join of one room more got the server's "too many rooms" refusal. */
  readonly refusedPastLimit: number;
  /** Rooms the server said it has (`/rooms`' count). */
  readonly roomsReported: number;
  readonly rssMb: number;
  readonly roomsP50Ms: number;
  readonly roomsP99Ms: number;
  /** The most entries one `/rooms` (or `/rooms PREFIX`) reply listed: bounded at 100. */
  readonly roomsMaxEntries: number;
  readonly roomsReplyBytes: number;
  readonly whoP50Ms: number;
  readonly whoP99Ms: number;
  /** The most names one `/who #big` reply listed: bounded at 100. */
  readonly whoMaxEntries: number;
  readonly whoReplyBytes: number;
  /** `[!]` replies while making the rooms (should be 0). */
  readonly refused: number;
}

const ROOMS_REPLY = /^\[\*\] (\d+) rooms?\b/;
const WHO_REPLY = /^\[\*\] \d+ online in #big\b/;

/** Entries in a `/rooms` or `/who` reply: `#a (3), #b (1), ...` or `x, y, ...`, after the first `: `. */
export function replyEntries(line: string): number {
  const colon = line.indexOf(': ');
  if (colon < 0) return 0;
  const list = line.slice(colon + 2).replace(/ \((?:first|\d+ more)[^)]*\)$/, '');
  return list.split(', ').filter((entry) => entry !== '...').length;
}

/**
 * `/rooms` and `/who` on a full server: `makers` clients join #big and make rooms until the server
 * holds `rooms`; then one client asks `/rooms`, `/rooms #m1` (a prefix matching a tenth of them) and
 * `/who #big`, one at a time, `repeats` times each. Measures the time per reply and its size.
 */
export async function runRoomsListing(
  server: RunningServer,
  options: RoomsListingOptions,
): Promise<RoomsListingResult> {
  const toMake = options.rooms - 2;
  const probeIndex = options.makers;
  let confirmations = 0;
  let refused = 0;
  let reply: ((line: string, now: number) => void) | undefined;
  const onLine: LineHandler = (client, line, now) => {
    if (client.index === probeIndex) return reply?.(line, now);
    // The member list each /join sends the joiner alone is its confirmation.
    if (line.startsWith('[*] ') && line.includes(' online in #')) confirmations++;
    else if (line.startsWith('[!] ')) refused++;
  };
  let clients: TextClient[] = [];
  try {
    const started = Date.now();
    clients = await connectTextClients(server.port, options.makers + 1, onLine, { timeoutMs: options.timeoutMs });
    const probe = clients[probeIndex]!;
    for (let i = 0; i < options.makers; i++) {
      clients[i]!.write('/join #big');
      for (let r = i; r < toMake; r += options.makers) clients[i]!.write(`/join #m${r}`);
    }
    if (!(await waitUntil(() => confirmations + refused >= options.makers + toMake, options.timeoutMs, 50))) {
      throw new Error(`only ${confirmations} of ${options.makers + toMake} joins were confirmed`);
    }
    await settle(server, options.timeoutMs);
    const setupSeconds = (Date.now() - started) / 1000;
    // One room past the limit: a clear refusal.
    let full = false;
    reply = (line) => {
      if (line.startsWith('[!] too many rooms on the server')) full = true;
    };
    probe.write('/join #one-too-many');
    const refusedPastLimit = (await waitUntil(() => full, 10_000)) ? 1 : 0;

    const ask = async (command: string, match: RegExp, histogram: Histogram): Promise<string> => {
      let answer = '';
      const sent = nowMicros();
      reply = (line, now) => {
        if (answer === '' && match.test(line)) {
          answer = line;
          histogram.record(now - sent);
        }
      };
      probe.write(command);
      if (!(await waitUntil(() => answer !== '', 10_000, 1))) throw new Error(`no reply to ${command}`);
      return answer;
    };
    const roomsTimes = new Histogram();
    const whoTimes = new Histogram();
    let roomsReported = 0;
    let roomsMaxEntries = 0;
    let roomsReplyBytes = 0;
    let whoMaxEntries = 0;
    let whoReplyBytes = 0;
    for (let i = 0; i < options.repeats; i++) {
      for (const command of ['/rooms', '/rooms #m1']) {
        const line = await ask(command, ROOMS_REPLY, roomsTimes);
        if (command === '/rooms') roomsReported = Number(ROOMS_REPLY.exec(line)![1]);
        roomsMaxEntries = Math.max(roomsMaxEntries, replyEntries(line));
        roomsReplyBytes = Math.max(roomsReplyBytes, Buffer.byteLength(line) + 1);
      }
      const who = await ask('/who #big', WHO_REPLY, whoTimes);
      whoMaxEntries = Math.max(whoMaxEntries, replyEntries(who));
      whoReplyBytes = Math.max(whoReplyBytes, Buffer.byteLength(who) + 1);
    }
    return {
      setupSeconds,
      refusedPastLimit,
      roomsReported,
      rssMb: server.rssBytes() / 1e6,
      roomsP50Ms: roomsTimes.percentile(0.5) / 1000,
      roomsP99Ms: roomsTimes.percentile(0.99) / 1000,
      roomsMaxEntries,
      roomsReplyBytes,
      whoP50Ms: whoTimes.percentile(0.5) / 1000,
      whoP99Ms: whoTimes.percentile(0.99) / 1000,
      whoMaxEntries,
      whoReplyBytes,
      refused,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
