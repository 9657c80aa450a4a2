/**
 * A real redis-server for specs (never a mock): a child process in a temp dir, on a free 127.0.0.1
 * port and a unix socket, with no persistence, so a restart comes back empty. Stopped by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER, describeWithTool } from './system-tool';
import { delay } from './waiting';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly socketPath: string;
  /** The current process (changes with restart). */
  readonly pid: number;
  /** Kills it (SIGKILL) and waits for the exit. */
  stop(): Promise<void>;
  /** Kills it and starts an empty one on the same port and socket, after `downMs` (default 0). */
  restart(downMs?: number): Promise<void>;
}

/** Whether redis-server is on this machine. */
export function hasRedisServer(): boolean {
  return REDIS_SERVER.problem() === undefined;
}

/** `describe` for specs that need redis-server: the rule of ./system-tool.ts (skip loudly; under CI, fail). */
export function describeWithRedis(title: string, body: () => void): void {
  describeWithTool(REDIS_SERVER, title, body);
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rxchat-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const port = await freePort();
  let child = await launch(port, socketPath, dir);

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
    running.delete(child);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    socketPath,
    get pid() {
      return child.pid!;
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async (downMs = 0) => {
      await kill();
      if (downMs > 0) await delay(downMs);
      child = await launch(port, socketPath, dir);
    },
  };
}

async function launch(port: number, socketPath: string, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--unixsocket',
    socketPath,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  let output = '';
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-4000)));
  const deadline = Date.now() + 5_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      running.delete(child);
      throw new Error(`redis-server on port ${port} did not answer PING within 5 s:\n${output}`);
    }
    await delay(10);
  }
  return child;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A port nobody listens on right now (bind 127.0.0.1:0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
