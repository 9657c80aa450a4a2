/**
 * IRC fan-out: N IRC clients in one channel, all sending `PRIVMSG #bench`, against rxchat's IRC
 * port, ngIRCd and InspIRCd (Debian's packages). The C servers run under this file as a launcher
 * (`node irc-fanout.js --launch ngircd`): it writes their config, starts them and prints the
 * `Server listening on` line the bench waits for; their CPU is read from the launcher's child.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMicros } from '../load/client';
import { Histogram } from '../load/histogram';
import { startCpuWindow } from '../load/meter';
import { processCpuMicros } from '../load/proc';
import type { MetricSpec } from '../load/report';
import type { RunningServer, ServerKind } from '../load/server-process';
import { sleep, waitUntil } from '../load/sync';

const CHANNEL = '#bench';

export interface IrcFanoutOptions {
  readonly clients: number;
  /** Lines a sender may have in flight (sent, not yet seen by its tracking receiver). */
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly drainMs: number;
}

/** The bench's scenario (the shape of run.ts's `Scenario`): plain = ngIRCd, tuned = InspIRCd. */
export function ircFanoutScenario(options: IrcFanoutOptions, specs: readonly MetricSpec[]) {
  const launcher = (daemon: string): ServerKind => ({ name: daemon, script: __filename, args: ['--launch', daemon] });
  return {
    name: 'irc-fanout',
    title: `IRC fan-out: ${options.clients} IRC clients in one channel all sending (window ${options.window}); plain = ngIRCd, tuned = InspIRCd (Debian's, flood limits raised as far as their config goes), rxchat = its IRC port`,
    specs,
    // A daemon that is not installed (apt-get install ngircd inspircd) leaves its column empty.
    kinds: (tcp: { rxchat: ServerKind }) => ({
      ...(installed('ngircd') ? { plain: launcher('ngircd') } : {}),
      ...(installed('inspircd') ? { tuned: launcher('inspircd') } : {}),
      rxchat: {
        ...tcp.rxchat,
        args: [...tcp.rxchat.args, '--irc-port', String(freePort()), '--server-name', 'bench.irc'],
      },
    }),
    run: async (server: RunningServer) => ({ ...(await runIrcFanout(ircTarget(server), options)) }),
  };
}

/** rxchat: its IRC port (from its flags); a launcher: its daemon's port and process. */
function ircTarget(server: RunningServer): RunningServer {
  const at = server.kind.args.indexOf('--irc-port');
  if (at >= 0) return { ...server, port: Number(server.kind.args[at + 1]) };
  const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/);
  const pid = Number(children[0]);
  return { ...server, pid, cpuMicros: () => processCpuMicros(pid) };
}

function installed(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A free port now (the rxchat column needs its IRC port before it starts; a race is unlikely). */
function freePort(): number {
  const script =
    'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})';
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
}

class IrcClient {
  readonly socket: Socket;
  private rest = '';
  registered = false;
  joined = false;

  constructor(
    port: number,
    readonly index: number,
    /** ngIRCd: become an operator and set user mode +F, which it does not throttle. */
    private readonly unthrottle: boolean,
    private readonly onPrivmsg: (client: IrcClient, text: string) => void,
  ) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.setEncoding('utf8');
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: string) => this.read(chunk));
    this.socket.write(`NICK b${index}\r\nUSER b${index} 0 * :bench\r\n`);
  }

  private read(chunk: string): void {
    const lines = (this.rest + chunk).split('\r\n');
    this.rest = lines.pop()!;
    for (const line of lines) {
      const privmsg = line.indexOf(` PRIVMSG ${CHANNEL} :`);
      if (privmsg >= 0) this.onPrivmsg(this, line.slice(privmsg + CHANNEL.length + 11));
      else if (line.startsWith('PING')) this.socket.write(`PONG${line.slice(4)}\r\n`);
      else if (/^\S+ 001 /.test(line)) {
        this.registered = true;
        const oper = this.unthrottle ? `OPER bench bench\r\nMODE b${this.index} +F\r\n` : '';
        this.socket.write(`${oper}JOIN ${CHANNEL}\r\n`);
      } else if (line.includes(` 366 b${this.index} ${CHANNEL} `)) this.joined = true;
    }
  }
}

/** Each sender keeps `window` lines in flight; each line is `sender seq micros`. */
export async function runIrcFanout(server: RunningServer, options: IrcFanoutOptions) {
  const n = options.clients;
  const inFlight = new Int32Array(n);
  const sentBy = new Int32Array(n);
  const nextSeq = new Int32Array(n * n);
  const histogram = new Histogram();
  let received = 0;
  let measured = 0;
  let disordered = 0;
  let measuring = false;
  let sending = false;
  const clients: IrcClient[] = [];
  const pump = (s: number) => {
    let batch = '';
    while (sending && inFlight[s]! < options.window) {
      batch += `PRIVMSG ${CHANNEL} :${s} ${sentBy[s]!} ${Math.round(nowMicros())}\r\n`;
      sentBy[s]!++;
      inFlight[s]!++;
    }
    if (batch !== '') clients[s]!.socket.write(batch);
  };
  const onPrivmsg = (client: IrcClient, text: string) => {
    const [s, seq, micros] = text.split(' ').map(Number) as [number, number, number];
    received++;
    const slot = client.index * n + s;
    if (seq !== nextSeq[slot]) disordered++;
    nextSeq[slot] = seq + 1;
    if (measuring) {
      measured++;
      histogram.record(nowMicros() - micros);
    }
    if ((s + 1) % n === client.index) {
      inFlight[s]!--;
      pump(s);
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      clients.push(new IrcClient(server.port, i, server.kind.name === 'ngircd', onPrivmsg));
      // A few at a time: the C servers throttle a burst of connections from one address.
      if (i % 10 === 9) await sleep(50);
    }
    if (!(await waitUntil(() => clients.every((c) => c.joined), 30_000))) {
      throw new Error(`${server.kind.name}: ${clients.filter((c) => c.joined).length}/${n} IRC clients joined`);
    }
    await sleep(500); // the last joins reach everyone before the first line
    sending = true;
    for (let s = 0; s < n; s++) pump(s);
    await sleep(options.warmupMs);
    measuring = true;
    const window$ = startCpuWindow(server);
    await sleep(options.measureMs);
    measuring = false;
    const cpu = window$();
    sending = false;
    let sent = 0;
    for (let s = 0; s < n; s++) sent += sentBy[s]!;
    const expected = sent * (n - 1);
    await waitUntil(() => received >= expected, options.drainMs);
    return {
      linesPerSec: measured / cpu.seconds,
      serverCpuNsPerLine: measured > 0 ? (cpu.serverCpuMicros * 1000) / measured : 0,
      p50Ms: histogram.percentile(0.5) / 1000,
      p99Ms: histogram.percentile(0.99) / 1000,
      maxMs: histogram.max / 1000,
      lost: Math.max(0, expected - received),
      disordered,
      serverCpuShare: cpu.serverCpuShare,
      generatorCpuShare: cpu.generatorCpuShare,
      otherCpuShare: cpu.otherCpuShare,
      sent,
    };
  } finally {
    for (const client of clients) client.socket.destroy();
  }
}

const NGIRCD_CONFIG = (port: number) => `[Global]
  Name = bench.irc
  Info = bench
  Listen = 127.0.0.1
  Ports = ${port}
[Limits]
  MaxConnections = 0
  MaxConnectionsIP = 0
  MaxJoins = 0
  MaxNickLength = 32
  PingTimeout = 600
  PongTimeout = 600
[Options]
  DNS = no
  Ident = no
  PAM = no
[Operator]
  Name = bench
  Password = bench
`;

const INSPIRCD_CONFIG = (port: number, dir: string) => `
<bind address="127.0.0.1" port="${port}" type="clients">
<connect allow="*" resolvehostnames="no" useident="no" localmax="100000" globalmax="100000" maxconnwarn="no"
  commandrate="100000000" fakelag="no" threshold="100000" recvq="1048576" sendq="1048576" softsendq="1048576"
  pingfreq="600" timeout="60">
<server name="bench.irc" description="bench" id="000" network="bench">
<pid file="${dir}/inspircd.pid">
`;

/** Launcher mode: start one daemon on a free port, announce it, stop it on SIGTERM. */
async function launch(daemon: string): Promise<void> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), `rxchat-bench-${daemon}-`));
  const file = join(dir, 'server.conf');
  const root = process.getuid?.() === 0;
  let command: string[];
  if (daemon === 'ngircd') {
    writeFileSync(file, NGIRCD_CONFIG(port));
    command = ['ngircd', '--nodaemon', '--config', file];
  } else {
    writeFileSync(file, INSPIRCD_CONFIG(port, dir));
    command = ['inspircd', '--nofork', '--config', file, ...(root ? ['--runasroot'] : [])];
  }
  const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGTERM', stop);
  child.on('exit', (code) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code ?? 0);
  });
  let up = false;
  const ready = await waitUntil(
    () => {
      const probe = connect(port, '127.0.0.1');
      probe.on('error', () => undefined);
      probe.on('connect', () => {
        probe.destroy();
        up = true;
      });
      return up;
    },
    15_000,
    100,
  );
  if (!ready) {
    stop();
    return;
  }
  process.stdout.write(`Server listening on 127.0.0.1:${port}\n`);
}

if (require.main === module) {
  const at = process.argv.indexOf('--launch');
  void launch(process.argv[at + 1] ?? 'ngircd');
}
