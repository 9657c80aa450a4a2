import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { processCpuMicros, processRssBytes } from './proc';
import { sleep } from './sync';

export interface ServerKind {
  /** plain, tuned or rxchat. */
  readonly name: string;
  /** The script node runs, and its arguments after `--host 127.0.0.1 --port 0`. */
  readonly script: string;
  readonly args: readonly string[];
  /** Flags for node itself, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Drive the WebSocket port (announced as `Web chat on http://H:P/`) instead of the TCP one. */
  readonly web?: boolean;
  /** Run this many processes sharing one chat over a fresh redis-server (bench/load/cluster.ts). */
  readonly cluster?: number;
  /** Start node with --expose-gc and the preload's memory probe: `RunningServer.memoryAfterGc`. */
  readonly memoryProbe?: boolean;
  /** Keep history in a store: `--data-dir` with a fresh temporary directory per start, removed at stop. */
  readonly dataDir?: boolean;
}

/** What the memory probe reports: `process.memoryUsage()` right after a full GC. */
export interface MemoryAfterGc {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly port: number;
  /** With `dataDir`: the directory the server was given. */
  readonly dataDir?: string;
  cpuMicros(): number;
  rssBytes(): number;
  /** With `memoryProbe`: the server's memory after a full GC; undefined if it did not answer within 10 s. */
  memoryAfterGc?(): Promise<MemoryAfterGc | undefined>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const ANNOUNCE = /(?:Server listening on |Web chat on https?:\/\/)([^\s/]+):(\d+)/;
const PRELOAD = join(__dirname, 'announce-port.js');

/**
 * The flags rxchat gets: rate limiting off, room for the idle-connection test, no log, each only if
 * this build's `--help` lists it, so the bench runs before and after those flags exist. The hostile
 * scenarios keep its default policies (`policies: 'default'`): they measure them.
 */
export function rxchatFlags(script: string, maxClients: number, policies: 'off' | 'default' = 'off'): string[] {
  let help: string;
  try {
    help = execFileSync(process.execPath, [script, '--help'], { encoding: 'utf8', timeout: 10_000 });
  } catch {
    return [];
  }
  const flags: string[] = [];
  if (help.includes('--rate') && policies === 'off') flags.push('--rate', '0');
  if (help.includes('--max-clients')) flags.push('--max-clients', String(maxClients));
  // The baselines log nothing: compare like with like (the log's cost is one write per event).
  if (help.includes('--quiet')) flags.push('--quiet');
  // Every load client connects from 127.0.0.1: the per-address limits would refuse most of them.
  if (help.includes('--max-clients-per-ip')) flags.push('--max-clients-per-ip', '0');
  if (help.includes('--connect-rate')) flags.push('--connect-rate', '0');
  // TCP scenarios need no web page (and must not take the default port 8080).
  if (help.includes('--no-http')) flags.push('--no-http');
  return flags;
}

/** Starts a server as its own process, stdout to /dev/null, and resolves with its bound port. */
export function startServer(kind: ServerKind): Promise<RunningServer> {
  // For investigations (GC traces, V8 flags): RXCHAT_BENCH_STDOUT_DIR keeps each server's stdout in a
  // file there; RXCHAT_BENCH_NODE_ARGS adds node flags to the servers named in RXCHAT_BENCH_NODE_ARGS_FOR
  // (comma-separated; all servers when unset).
  const stdoutDir = process.env['RXCHAT_BENCH_STDOUT_DIR'];
  const devNull = openSync(
    stdoutDir === undefined ? '/dev/null' : join(stdoutDir, `${kind.name}-${Date.now()}.log`),
    'w',
  );
  const extraFor = process.env['RXCHAT_BENCH_NODE_ARGS_FOR']?.split(',');
  const extraArgs =
    extraFor === undefined || extraFor.includes(kind.name)
      ? (process.env['RXCHAT_BENCH_NODE_ARGS']?.split(' ').filter((arg) => arg !== '') ?? [])
      : [];
  const memoryFile = kind.memoryProbe
    ? join(tmpdir(), `rxchat-bench-memory-${process.pid}-${Math.random().toString(36).slice(2)}.json`)
    : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (kind.web) env['RXCHAT_BENCH_ANNOUNCE'] = 'Web chat on ';
  if (memoryFile !== undefined) env['RXCHAT_BENCH_MEMORY_FILE'] = memoryFile;
  const nodeArgs = [...(kind.nodeArgs ?? []), ...extraArgs, ...(memoryFile === undefined ? [] : ['--expose-gc'])];
  const dataDir = kind.dataDir ? mkdtempSync(join(tmpdir(), 'rxchat-bench-data-')) : undefined;
  const storeArgs = dataDir === undefined ? [] : ['--data-dir', dataDir];
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--require', PRELOAD, kind.script, '--host', '127.0.0.1', '--port', '0', ...kind.args, ...storeArgs],
    { stdio: ['ignore', devNull, 'inherit', 'pipe'], env },
  );
  closeSync(devNull);
  return new Promise<RunningServer>((resolve, reject) => {
    const announce = child.stdio[3] as Readable;
    let text = '';
    const timer = setTimeout(
      () => fail(new Error(`${kind.name}: no listening line within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${kind.name}: exited with ${code} before listening`)));
    child.once('error', fail);
    announce.setEncoding('utf8');
    announce.on('data', (chunk: string) => {
      text += chunk;
      const match = ANNOUNCE.exec(text);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      announce.destroy();
      const pid = child.pid!;
      resolve({
        kind,
        pid,
        port: Number(match[2]),
        ...(dataDir === undefined ? {} : { dataDir }),
        cpuMicros: () => processCpuMicros(pid),
        rssBytes: () => processRssBytes(pid),
        ...(memoryFile === undefined ? {} : { memoryAfterGc: () => probeMemory(child, memoryFile) }),
        stop: async () => {
          await stopChild(child);
          if (memoryFile !== undefined) rmSync(memoryFile, { force: true });
          if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
        },
      });
    });
  });
}

/** Asks the preload's probe for a GC and the memory after it, and waits for its file. */
async function probeMemory(child: ChildProcess, file: string): Promise<MemoryAfterGc | undefined> {
  rmSync(file, { force: true });
  child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await sleep(20);
    if (!existsSync(file)) continue;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as MemoryAfterGc;
    } catch {
      // Read while it was being written: try again.
    }
  }
  return undefined;
}

/** SIGTERM, then SIGKILL if the server is still there after a second. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
