import { type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { LineScanner } from './line-scanner';
import { type Stamp, stampText } from './stamp';

/** What scenarios need of a load client, over TCP or WebSocket. */
export interface LoadClient {
  readonly index: number;
  /** Set once a sync ping reached this client: it is in the server's broadcast audience. */
  synced: boolean;
  send(kind: number, sender: number, seq: number): void;
  /** Sends one line as it is (a command such as `/join #room`); the LF is added. */
  write(line: string): void;
  close(): void;
}

/** Called for each stamped line a client receives, with the read's arrival time in µs. */
export type StampHandler = (client: LoadClient, stamp: Stamp, nowMicros: number) => void;

/** Opens load clients: `connectClients` for TCP, `connectWsClients` for WebSocket. */
export type Connect = (port: number, count: number, handler: { onStamp: StampHandler }) => Promise<LoadClient[]>;

/** What every line carries before its stamp: a chat line of ordinary length. */
const TEXT = 'the quick brown fox jumps over the lazy dog ';

/**
 * One read buffer for every socket of the load generator. Safe because `onread` hands the bytes
 * to the callback synchronously and the callback consumes them before the next read.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export function nowMicros(): number {
  return performance.now() * 1000;
}

export class Client implements LoadClient {
  readonly socket: Socket;
  readonly scanner = new LineScanner();
  closed = false;
  /** Set once a sync ping reached this client: it is in the server's broadcast audience. */
  synced = false;
  error: string | undefined;
  readonly connected: Promise<void>;

  constructor(
    readonly index: number,
    port: number,
    private readonly handler: { onStamp: StampHandler },
  ) {
    const onStamp = (stamp: Stamp) => this.handler.onStamp(this, stamp, this.readAt);
    this.socket = connect({
      host: '127.0.0.1',
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.readAt = nowMicros(); // one clock read per read, shared by its lines
          this.scanner.scan((buffer as Buffer).subarray(0, bytes), onStamp);
          return true;
        },
      },
    });
    this.connected = new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    // A churn client may fail without anyone awaiting `connected`: that is not a crash.
    this.connected.catch(() => undefined);
    this.socket.on('error', (error) => {
      this.error ??= error.message;
    });
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  private readAt = 0;

  send(kind: number, sender: number, seq: number): void {
    this.socket.write(`${TEXT}${stampText(kind, sender, seq, nowMicros())}\n`);
  }

  write(line: string): void {
    this.socket.write(`${line}\n`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Opens `count` clients, at most `concurrency` handshakes at a time, within `timeoutMs`.
 * Rejects on the first failure: a benchmark with missing clients measures nothing.
 */
export async function connectClients(
  port: number,
  count: number,
  handler: { onStamp: StampHandler },
  options: { concurrency?: number; timeoutMs?: number; firstIndex?: number } = {},
): Promise<Client[]> {
  const concurrency = options.concurrency ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const first = options.firstIndex ?? 0;
  const clients: Client[] = [];
  for (let at = 0; at < count; at += concurrency) {
    if (Date.now() > deadline) throw new Error(`connecting ${count} clients took too long (${at} done)`);
    const batch: Client[] = [];
    for (let i = at; i < Math.min(count, at + concurrency); i++) batch.push(new Client(first + i, port, handler));
    clients.push(...batch);
    await Promise.all(batch.map((client) => client.connected));
  }
  return clients;
}

export function closeAll(clients: readonly LoadClient[]): void {
  for (const client of clients) client.close();
}
