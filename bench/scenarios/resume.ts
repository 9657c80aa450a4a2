import { connect } from 'node:net';
import { WebSocket } from 'ws';
import type { RunningServer } from '../load/server-process';
import { sleep, waitUntil } from '../load/sync';

export interface ResumeOptions {
  /** Clients that take a session, are dropped at once and resume at once. */
  readonly clients: number;
  /** Clients that keep chatting through it all (never dropped), each saying numbered lines. */
  readonly senders: number;
  /** Numbered lines per second, per sender. */
  readonly linesPerSecond: number;
  /** Chatting before the drop, then with everyone away, then after everyone is back. */
  readonly beforeDropMs: number;
  readonly offlineMs: number;
  readonly afterMs: number;
  /**
   * `tcp`: `/session`, then `/resume TOKEN`; `tcp-ids`: `/session ids`, then `/resume TOKEN all ids #lobby=ID`
   * with the last id seen (the history lines shown before `[*] resumed as` are ignored: `all` replays
   * them after it); `ws`: `/resume TOKEN` as a text frame; `ws-ids`: `/resume TOKEN #lobby=ID`.
   */
  readonly transport: 'tcp' | 'tcp-ids' | 'ws' | 'ws-ids';
  readonly timeoutMs: number;
}

export interface ResumeResult {
  /** From opening the first new connection until the last one had its `[*] resumed as` (or `resumed` frame). */
  readonly resumeSeconds: number;
  readonly resumed: number;
  /** `[!] cannot resume` replies, and resumes under another name than the session's. */
  readonly refused: number;
  readonly wrongName: number;
  /** Numbered lines a resumed client never saw, on either connection (must be 0). */
  readonly missed: number;
  /** Of `missed`, per client beyond what the server said was no longer kept: lost in silence. */
  readonly silentlyMissed: number;
  /** Numbered lines a client saw twice, not counting the one case below (must be 0). */
  readonly duplicates: number;
  /**
   * Lines seen on the first connection and again in the new connection's scrollback, which it is
   * shown before its `/resume` arrives (by design: exactly once is per connection).
   */
  readonly scrollbackRepeats: number;
  /**
   * Of `duplicates`: a live line the new connection was sent before `[*] resumed as`, then again in
   * the replay (with `all`, the replay covers everything after the id named, live lines included).
   */
  readonly liveReplayed: number;
  /** `tcp-ids`: history lines the new connection was shown before `[*] resumed as`, ignored (replayed after it). */
  readonly ignoredBeforeResume: number;
  /** Resumed clients whose new connection the server closed before the end (evicted): not counted above. */
  readonly evicted: number;
  /** Messages the server said were no longer kept (`missed` in a replay). */
  readonly reportedMissed: number;
  /** Numbered lines sent, and what the watcher (never dropped) lost of them. */
  readonly lines: number;
  readonly watcherLost: number;
  /** Numbered lines sent from the drop until the last client was back. */
  readonly linesWhileAway: number;
  readonly resumeCpuSeconds: number;
}

/** Every numbered line ends with this, the sender and the line's number. */
const MARK = / rb (\d+) (\d+)$/;
const PAD = 'x'.repeat(70);
const SESSION = /^\[\*\] session (\S+) /;
const WELCOME = /^\[\*\] Welcome, (\S+)! /;
const RESUMED = /^\[\*\] resumed as (\S+) in /;
const ID_PREFIX = /^@id=(\d+) /;
const MISSED = /\[!\] (\d+) missed messages? (?:is|are) no longer kept/;

/** One resuming client's view, over its two connections: a line's counts per phase. */
class Viewer {
  name = '';
  token = '';
  lastId = 0;
  /** Missed messages the server said were no longer kept, to this client. */
  reported = 0;
  /** 0: first connection; 1: second, before it was resumed; 2: after; 3: the second one closed (evicted). */
  phase = 0;
  resumedAt = 0;
  readonly counts: Uint8Array[];
  constructor(keys: number) {
    this.counts = [new Uint8Array(keys), new Uint8Array(keys), new Uint8Array(keys)];
  }
}

/** A connection that hands over lines (TCP text, or what a WebSocket JSON frame would print as). */
interface Conn {
  write(line: string): void;
  close(): void;
  readonly opened: Promise<void>;
}

type Handler = (line: string) => void;
type FrameHandler = (frame: Record<string, unknown>) => void;

function tcpConn(port: number, onLine: Handler, onClose: () => void): Conn {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.setEncoding('utf8');
  let carry = '';
  socket.on('data', (chunk: string) => {
    const text = carry + chunk;
    let at = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', at)) {
      onLine(text.slice(at, lf));
      at = lf + 1;
    }
    carry = text.slice(at);
  });
  socket.on('error', () => undefined);
  socket.on('close', onClose);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  opened.catch(() => undefined);
  return { write: (line) => socket.write(`${line}\n`), close: () => socket.destroy(), opened };
}

function wsConn(port: number, onFrame: FrameHandler, onClose: () => void): Conn {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'rxchat.v1', { perMessageDeflate: false });
  const queued: string[] = [];
  ws.on('message', (data: Buffer) => onFrame(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  ws.on('error', () => undefined);
  ws.on('close', onClose);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      for (const line of queued.splice(0)) ws.send(line);
      resolve();
    });
    ws.once('error', reject);
  });
  opened.catch(() => undefined);
  return {
    write: (line) => (ws.readyState === WebSocket.OPEN ? ws.send(line) : queued.push(line)),
    // Like a dropped TCP connection: no closing handshake.
    close: () => ws.terminate(),
    opened,
  };
}

/**
 * Lossless reconnects under load: `clients` clients each take a session (`/session`), then while
 * `senders` others say numbered lines at a steady pace, every client's connection is destroyed at
 * once; after `offlineMs` all reconnect at once and send `/resume TOKEN` first. Measures the time
 * until all are back, and per client the numbered lines never seen and seen twice across its two
 * connections. The senders and a watcher are never dropped: the watcher shows what was said.
 */
export async function runResume(server: RunningServer, options: ResumeOptions): Promise<ResumeResult> {
  const { clients: n, senders, linesPerSecond } = options;
  const ws = options.transport === 'ws' || options.transport === 'ws-ids';
  const tcpIds = options.transport === 'tcp-ids';
  let ignoredBeforeResume = 0;
  const totalMs = options.beforeDropMs + options.offlineMs + options.afterMs + options.timeoutMs;
  // Room for every line a sender may say in the run, bounded.
  const perSender = Math.min(100_000, Math.ceil((linesPerSecond * totalMs) / 1000) + 16);
  const keys = senders * perSender;
  const viewers = Array.from({ length: n }, () => new Viewer(keys));
  const watcherSeen = new Uint8Array(keys);
  let refused = 0;
  let wrongName = 0;
  let reportedMissed = 0;
  let resumedCount = 0;

  const see = (viewer: Viewer | undefined, text: string) => {
    const m = MARK.exec(text);
    if (m === null || viewer?.phase === 3) return;
    const key = Number(m[1]) * perSender + Number(m[2]);
    if (viewer === undefined) watcherSeen[key] = 1;
    else viewer.counts[viewer.phase]![key]!++;
  };
  const onResumed = (viewer: Viewer, name: string) => {
    if (name !== viewer.name) wrongName++;
    viewer.phase = 2;
    viewer.resumedAt = Date.now();
    resumedCount++;
  };
  /** TCP lines: welcome, session, numbered lines (live or history), resumed, refusals. */
  const onTcpLine = (viewer: Viewer | undefined, raw: string) => {
    let line = raw;
    if (viewer !== undefined) {
      const id = tcpIds ? ID_PREFIX.exec(line) : null;
      if (id !== null) {
        viewer.lastId = Math.max(viewer.lastId, Number(id[1]));
        line = line.slice(id[0].length);
      } else if (tcpIds && viewer.phase === 1 && (line.startsWith('[history ') || MARK.test(line))) {
        // What the new connection is sent before the resume, scrollback and live lines alike: `all`
        // replays all of it after `[*] resumed as`, in order, so a client drops it (the terminal client does).
        if (MARK.test(line)) ignoredBeforeResume++;
        return;
      }
      if (line.startsWith('[*] ')) {
        const session = SESSION.exec(line);
        if (session !== null) viewer.token = session[1]!;
        const welcome = viewer.phase === 0 ? WELCOME.exec(line) : null;
        if (welcome !== null) viewer.name = welcome[1]!;
        const resumed = RESUMED.exec(line);
        if (resumed !== null) onResumed(viewer, resumed[1]!);
        return;
      }
      if (line.startsWith('[!] ')) {
        if (line.startsWith('[!] cannot resume')) refused++;
        const missed = MISSED.exec(line);
        if (missed !== null) {
          reportedMissed += Number(missed[1]);
          viewer.reported += Number(missed[1]);
        }
        return;
      }
    }
    see(viewer, line);
  };
  /** WebSocket frames: the same, and the ids of what was seen. */
  const onFrame = (viewer: Viewer | undefined, frame: Record<string, unknown>) => {
    const type = frame['type'];
    if (type === 'said') {
      see(viewer, String(frame['text']));
      if (viewer !== undefined && typeof frame['id'] === 'number') viewer.lastId = Math.max(viewer.lastId, frame['id']);
    } else if (type === 'history' && viewer !== undefined) {
      for (const entry of frame['entries'] as { id: number; text: string }[]) {
        see(viewer, entry.text);
        viewer.lastId = Math.max(viewer.lastId, entry.id);
      }
      if (typeof frame['missed'] === 'number') {
        reportedMissed += frame['missed'];
        viewer.reported += frame['missed'];
      }
    } else if (viewer === undefined) {
      return;
    } else if (type === 'welcome' && viewer.phase === 0) viewer.name = String(frame['name']);
    else if (type === 'session') viewer.token = String(frame['token']);
    else if (type === 'resumed') onResumed(viewer, String(frame['name']));
    else if (type === 'notice' && frame['code'] === 'cannot-resume') refused++;
  };
  let closing = false;
  /** A second connection the server closed (an eviction for a backlog): the client is out of the count. */
  const onClose = (viewer: Viewer | undefined) => () => {
    if (!closing && viewer !== undefined && viewer.phase >= 1) viewer.phase = 3;
  };
  const open = (viewer: Viewer | undefined): Conn =>
    ws
      ? wsConn(server.port, (frame) => onFrame(viewer, frame), onClose(viewer))
      : tcpConn(server.port, (line) => onTcpLine(viewer, line), onClose(viewer));

  const conns: Conn[] = [];
  const others: Conn[] = [];
  let pacing: NodeJS.Timeout | undefined;
  try {
    // The watcher and the senders first, then the clients, 250 handshakes at a time.
    const watcher = open(undefined);
    others.push(watcher);
    for (let s = 0; s < senders; s++) others.push(open(undefined));
    await Promise.all(others.map((c) => c.opened));
    for (let at = 0; at < n; at += 250) {
      const batch = viewers.slice(at, at + 250).map((viewer) => open(viewer));
      conns.push(...batch);
      await Promise.all(batch.map((c) => c.opened));
    }
    for (const conn of conns) conn.write(tcpIds ? '/session ids' : '/session');
    if (!(await waitUntil(() => viewers.every((v) => v.token !== '' && v.name !== ''), options.timeoutMs))) {
      throw new Error(`${viewers.filter((v) => v.token === '').length} clients got no session`);
    }

    // Numbered lines at a steady pace, each sender on its own count.
    const sent = new Int32Array(senders);
    const t0 = Date.now();
    const pace = () => {
      const due = Math.min(perSender, Math.floor(((Date.now() - t0) * linesPerSecond) / 1000));
      for (let s = 0; s < senders; s++) {
        while (sent[s]! < due) others[1 + s]!.write(`${PAD} rb ${s} ${sent[s]!++}`);
      }
    };
    pacing = setInterval(pace, 5);
    await sleep(options.beforeDropMs);

    pace();
    const sentAtDrop = sent.reduce((a, b) => a + b, 0);
    closing = true;
    for (const conn of conns) conn.close();
    await sleep(options.offlineMs);
    closing = false;
    for (const viewer of viewers) viewer.phase = 1;

    const cpu0 = server.cpuMicros();
    const t1 = Date.now();
    const again = viewers.map((viewer) => {
      const conn = open(viewer);
      const ids =
        options.transport === 'ws-ids' ? ` #lobby=${viewer.lastId}` : tcpIds ? ` all ids #lobby=${viewer.lastId}` : '';
      conn.write(`/resume ${viewer.token}${ids}`);
      return conn;
    });
    conns.push(...again);
    const back = await waitUntil(
      () => viewers.every((v) => v.phase >= 2) || resumedCount + refused >= n,
      options.timeoutMs,
      5,
    );
    const resumeSeconds = back ? (Math.max(...viewers.map((v) => v.resumedAt)) - t1) / 1000 : NaN;
    const resumeCpuSeconds = (server.cpuMicros() - cpu0) / 1e6;
    pace();
    const sentAtResume = sent.reduce((a, b) => a + b, 0);
    await sleep(options.afterMs);
    clearInterval(pacing);
    pacing = undefined;
    pace();

    // Until the watcher and every resumed client have each sender's last line, bounded.
    const lastKeys = [...sent].map((count, s) => s * perSender + count - 1);
    await waitUntil(
      () =>
        lastKeys.every((key) => watcherSeen[key] === 1) &&
        viewers.every((v) => v.phase !== 2 || lastKeys.every((key) => v.counts[2]![key]! > 0)),
      options.timeoutMs,
      20,
    );
    await sleep(200);

    let missed = 0;
    const missedBy = new Map<Viewer, number>();
    let duplicates = 0;
    let scrollbackRepeats = 0;
    let liveReplayed = 0;
    let watcherLost = 0;
    for (let s = 0; s < senders; s++) {
      for (let k = 0; k < sent[s]!; k++) {
        const key = s * perSender + k;
        if (watcherSeen[key] === 0) watcherLost++;
        for (const viewer of viewers) {
          if (viewer.phase !== 2) continue;
          const c0 = viewer.counts[0]![key]!;
          const c1 = viewer.counts[1]![key]!;
          const c2 = viewer.counts[2]![key]!;
          if (c0 + c1 + c2 === 0) {
            missed++;
            missedBy.set(viewer, (missedBy.get(viewer) ?? 0) + 1);
            if (process.env['RXCHAT_BENCH_DEBUG'] !== undefined && viewer === viewers[0])
              process.stderr.write(`missed s${s} #${k} (drop at ${sentAtDrop}, resumed at ${sentAtResume})\n`);
          }
          // Once per connection; a line from the first connection may come again only in the scrollback.
          // With `tcp-ids` the scrollback before the resume is ignored: any repeat is a duplicate.
          if (tcpIds ? c0 + c1 + c2 > 1 : c0 > 1 || c1 + c2 > 1 || (c0 > 0 && c2 > 0)) {
            duplicates++;
            if (c0 === 0 && c1 === 1 && c2 === 1) liveReplayed++;
            if (process.env['RXCHAT_BENCH_DEBUG'] !== undefined && duplicates <= 20)
              process.stderr.write(
                `duplicate s${s} #${k} seen ${c0}/${c1}/${c2} (first/second before resume/after; drop at ${sentAtDrop}, resumed at ${sentAtResume})\n`,
              );
          }
          if (c0 > 0 && c1 > 0) scrollbackRepeats++;
        }
      }
    }
    return {
      resumeSeconds,
      resumed: resumedCount,
      refused,
      wrongName,
      missed,
      silentlyMissed: [...missedBy].reduce((sum, [viewer, count]) => sum + Math.max(0, count - viewer.reported), 0),
      duplicates,
      scrollbackRepeats,
      liveReplayed,
      ignoredBeforeResume,
      reportedMissed,
      evicted: viewers.filter((v) => v.phase === 3).length,
      lines: sent.reduce((a, b) => a + b, 0),
      watcherLost,
      linesWhileAway: sentAtResume - sentAtDrop,
      resumeCpuSeconds,
    };
  } finally {
    if (pacing !== undefined) clearInterval(pacing);
    for (const conn of [...conns, ...others]) conn.close();
  }
}
