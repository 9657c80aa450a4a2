import { type Socket, connect } from 'node:net';
import { type Client, type StampHandler, closeAll, connectClients, nowMicros } from '../load/client';
import { Histogram } from '../load/histogram';
import { type CpuWindow, startCpuWindow } from '../load/meter';
import type { RunningServer } from '../load/server-process';
import { KIND_MEASURE, KIND_SYNC, stampText } from '../load/stamp';
import { sleep, syncClients, waitUntil } from '../load/sync';

export interface FloodCostOptions {
  /** Clients that chat at a human pace and measure each other's latency. */
  readonly chatters: number;
  /** Each chatter sends a line this often (well under the rate limit). */
  readonly chatEveryMs: number;
  /** How long the chat is measured without a flood, then with one. */
  readonly windowMs: number;
  /** How many clients flood at once. */
  readonly flooders: number;
  /**
   * What they send: LFs only, chat lines (stamped, so that the ones the server lets through are
   * counted), `/join`s of a new room each (`join`), or `/part #lobby` and `/join #lobby` in turn
   * (`join-part`: the chatters' room, so each join the server serves is announced to them).
   */
  readonly content: FloodContent;
  /** A flooder stops after this many lines (Infinity: only the window ends it). */
  readonly linesPerFlooder: number;
}

export interface FloodCostResult {
  /** The chatters' latency without and with the flood. */
  readonly quietP50Ms: number;
  readonly quietP99Ms: number;
  readonly floodP50Ms: number;
  readonly floodP99Ms: number;
  readonly p50RiseMs: number;
  /** Server CPU (1.0 = a core) without and with the flood; the difference is what the flooders cost. */
  readonly quietServerCpuShare: number;
  readonly floodServerCpuShare: number;
  readonly flooderCpuShare: number;
  /** What the flooders got onto the wire, and how much of it the server let through to others. */
  readonly floodMb: number;
  readonly floodLines: number;
  readonly floodLinesDelivered: number;
  /** Flooders the server disconnected, and when (ms after its flood began; the median). */
  readonly disconnected: number;
  readonly disconnectMs: number;
  readonly lost: number;
  readonly generatorCpuShare: number;
  readonly otherCpuShare: number;
  /** Joins the server served the flooders: their own `... joined` lines. */
  readonly joinsServed: number;
  /** The flooders' `[!]` replies: rate limited, too many rooms, anything else. */
  readonly rateLimitedReplies: number;
  readonly tooManyRoomsReplies: number;
  readonly otherRefusals: number;
  /** Server RSS at the end of the flood window minus before it. */
  readonly floodRssGrowthMb: number;
}

export type FloodContent = 'blank' | 'text' | 'join' | 'join-part';

/** Flooders' stamps use sender numbers from here, apart from the chatters'. */
const FLOODER_BASE = 90_000;
const CHUNK_BYTES = 64 * 1024;
/** A chat line of ordinary length, as the chatters send, before its stamp. */
const TEXT = 'the quick brown fox jumps over the lazy dog ';

interface FloodStats {
  bytes: number;
  lines: number;
  /** What the server answered (counted for the command floods only). */
  joinsServed: number;
  rateLimited: number;
  tooManyRooms: number;
  otherRefusals: number;
  /** ms from its first write to its disconnection, or undefined if the server never let it go. */
  disconnectedAfterMs: number | undefined;
}

/**
 * One flooder: writes `content` as fast as the socket takes it (waiting only for `drain`, never on
 * the server's replies) until `stop()`, `maxLines`, or the server disconnects it. It reads and
 * ignores what it is sent.
 */
function startFlooder(
  port: number,
  index: number,
  content: FloodContent,
  maxLines: number,
): { done: Promise<FloodStats>; stop(): void } {
  const stats: FloodStats = {
    bytes: 0,
    lines: 0,
    joinsServed: 0,
    rateLimited: 0,
    tooManyRooms: 0,
    otherRefusals: 0,
    disconnectedAfterMs: undefined,
  };
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  let stopped = false;
  let started = 0;
  let seq = 0;
  const blank = Buffer.alloc(CHUNK_BYTES, '\n');
  const nextChunk = (): Buffer => {
    if (content === 'blank') {
      const lines = Math.min(CHUNK_BYTES, maxLines - stats.lines);
      stats.lines += lines;
      return lines === CHUNK_BYTES ? blank : blank.subarray(0, lines);
    }
    let text = '';
    while (text.length < CHUNK_BYTES - 100 && stats.lines < maxLines) {
      text += floodLine(content, index, seq++);
      stats.lines++;
    }
    return Buffer.from(text);
  };
  const done = new Promise<FloodStats>((resolve) => {
    if (content === 'join' || content === 'join-part') {
      let carry = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        const lines = (carry + chunk).split('\n');
        carry = lines.pop()!;
        for (const line of lines) countReply(line, stats);
      });
    } else socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    // The server's FIN: it let the flooder go (the socket closes later, once the server gives up on
    // the input it no longer reads).
    const disconnected = () => {
      if (!stopped && stats.disconnectedAfterMs === undefined) stats.disconnectedAfterMs = Date.now() - started;
    };
    socket.once('end', disconnected);
    socket.once('close', () => {
      disconnected();
      resolve(stats);
    });
    const pump = (): void => {
      while (!stopped && !socket.destroyed && stats.lines < maxLines) {
        const chunk = nextChunk();
        stats.bytes += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once('connect', () => {
      started = Date.now();
      pump();
    });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      socket.destroy();
    },
  };
}

function floodLine(content: 'text' | 'join' | 'join-part', index: number, seq: number): string {
  switch (content) {
    case 'text':
      return `${TEXT}${stampText(KIND_MEASURE, FLOODER_BASE + index, seq, nowMicros())}\n`;
    case 'join':
      return `/join #f${index}-${seq}\n`;
    case 'join-part':
      return seq % 2 === 0 ? '/part #lobby\n' : '/join #lobby\n';
  }
}

/** Sorts a command flooder's replies: its own joins (`[#f0-1] name joined`, `name joined`) and refusals. */
function countReply(line: string, stats: FloodStats): void {
  if (line.startsWith('[!] ')) {
    if (line.startsWith('[!] rate limit')) stats.rateLimited++;
    else if (line.startsWith('[!] too many rooms')) stats.tooManyRooms++;
    else stats.otherRefusals++;
  } else if (line.endsWith(' joined')) stats.joinsServed++;
}

/**
 * What floods cost everyone else: chatters chat at a human pace, measured for a window without a
 * flood, then for a window in which `flooders` clients send as fast as they can (a flooder the
 * server disconnects stays away). Run against rxchat with its default policies: the baselines
 * have no rate limit, so a flood is simply their traffic.
 */
export async function runFloodCost(server: RunningServer, options: FloodCostOptions): Promise<FloodCostResult> {
  const n = options.chatters;
  const quiet = new Histogram();
  const flood = new Histogram();
  let phase: 'warm' | 'quiet' | 'flood' | 'drain' = 'warm';
  let received = 0;
  let floodDelivered = 0;
  const sentBy = new Int32Array(n);

  const onStamp: StampHandler = (client, stamp, now) => {
    if (stamp.kind === KIND_SYNC) {
      client.synced = true;
      return;
    }
    if (stamp.sender >= FLOODER_BASE) {
      if (client.index === 0) floodDelivered++;
      return;
    }
    received++;
    if (phase === 'quiet') quiet.record(now - stamp.micros);
    else if (phase === 'flood') flood.record(now - stamp.micros);
  };

  const chatters: Client[] = await connectClients(server.port, n, { onStamp });
  let ticker: NodeJS.Timeout | undefined;
  const flooders: ReturnType<typeof startFlooder>[] = [];
  try {
    await syncClients(chatters);
    // Paced and smooth: every ms, whatever is due at the total rate, round-robin.
    const start = Date.now();
    let sentTotal = 0;
    ticker = setInterval(() => {
      const due = Math.floor(((Date.now() - start) * n) / options.chatEveryMs);
      for (; sentTotal < due; sentTotal++) {
        const s = sentTotal % n;
        chatters[s]!.send(KIND_MEASURE, s, sentBy[s]!++);
      }
    }, 1);
    await sleep(300);
    phase = 'quiet';
    const quiet$ = startCpuWindow(server);
    await sleep(options.windowMs);
    const quietCpu: CpuWindow = quiet$();

    phase = 'flood';
    const rss0 = server.rssBytes();
    const flood$ = startCpuWindow(server);
    for (let f = 0; f < options.flooders; f++)
      flooders.push(startFlooder(server.port, f, options.content, options.linesPerFlooder));
    await sleep(options.windowMs);
    const floodCpu = flood$();
    const rss1 = server.rssBytes();
    phase = 'drain';
    for (const flooder of flooders) flooder.stop();
    const stats = await Promise.all(flooders.map((f) => f.done));
    clearInterval(ticker);
    ticker = undefined;

    let sent = 0;
    for (let s = 0; s < n; s++) sent += sentBy[s]!;
    const expected = sent * (n - 1);
    await waitUntil(() => received >= expected, 10_000);
    const disconnects = stats.map((s) => s.disconnectedAfterMs).filter((ms): ms is number => ms !== undefined);
    return {
      quietP50Ms: quiet.percentile(0.5) / 1000,
      quietP99Ms: quiet.percentile(0.99) / 1000,
      floodP50Ms: flood.percentile(0.5) / 1000,
      floodP99Ms: flood.percentile(0.99) / 1000,
      p50RiseMs: (flood.percentile(0.5) - quiet.percentile(0.5)) / 1000,
      quietServerCpuShare: quietCpu.serverCpuShare,
      floodServerCpuShare: floodCpu.serverCpuShare,
      flooderCpuShare: floodCpu.serverCpuShare - quietCpu.serverCpuShare,
      floodMb: stats.reduce((sum, s) => sum + s.bytes, 0) / 1e6,
      floodLines: stats.reduce((sum, s) => sum + s.lines, 0),
      floodLinesDelivered: floodDelivered,
      disconnected: disconnects.length,
      disconnectMs:
        disconnects.length === 0 ? NaN : disconnects.sort((a, b) => a - b)[Math.floor(disconnects.length / 2)]!,
      lost: Math.max(0, expected - received),
      generatorCpuShare: floodCpu.generatorCpuShare,
      otherCpuShare: floodCpu.otherCpuShare,
      joinsServed: stats.reduce((sum, s) => sum + s.joinsServed, 0),
      rateLimitedReplies: stats.reduce((sum, s) => sum + s.rateLimited, 0),
      tooManyRoomsReplies: stats.reduce((sum, s) => sum + s.tooManyRooms, 0),
      otherRefusals: stats.reduce((sum, s) => sum + s.otherRefusals, 0),
      floodRssGrowthMb: (rss1 - rss0) / 1e6,
    };
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    for (const flooder of flooders) flooder.stop();
    closeAll(chatters);
  }
}
