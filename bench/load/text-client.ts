import { type Socket, connect } from 'node:net';
import { nowMicros } from './client';

/** Called for each whole line a text client receives, with the read's arrival time in µs. */
export type LineHandler = (client: TextClient, line: string, nowMicros: number) => void;

/**
 * A load client that hands over every line as text: for the scenarios that wait on replies
 * (`/join` confirmations, `/rooms` lists) rather than count stamps. Slower than `Client`, so not for
 * saturating fan-out.
 */
export class TextClient {
  readonly socket: Socket;
  closed = false;
  /** Every line seen. */
  lines = 0;
  readonly connected: Promise<void>;
  private carry = '';

  constructor(
    readonly index: number,
    port: number,
    onLine: LineHandler,
  ) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      const now = nowMicros();
      const text = this.carry + chunk;
      let at = 0;
      for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', at)) {
        this.lines++;
        onLine(this, text.slice(at, lf), now);
        at = lf + 1;
      }
      this.carry = text.slice(at);
    });
    this.connected = new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.connected.catch(() => undefined);
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Sends one line; the LF is added. */
  write(line: string): void {
    this.socket.write(`${line}\n`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Opens `count` text clients, `concurrency` handshakes at a time; rejects on the first failure. */
export async function connectTextClients(
  port: number,
  count: number,
  onLine: LineHandler,
  options: { concurrency?: number; timeoutMs?: number; firstIndex?: number } = {},
): Promise<TextClient[]> {
  const concurrency = options.concurrency ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const first = options.firstIndex ?? 0;
  const clients: TextClient[] = [];
  for (let at = 0; at < count; at += concurrency) {
    if (Date.now() > deadline) throw new Error(`connecting ${count} clients took too long (${at} done)`);
    const batch: TextClient[] = [];
    for (let i = at; i < Math.min(count, at + concurrency); i++) batch.push(new TextClient(first + i, port, onLine));
    clients.push(...batch);
    await Promise.all(batch.map((client) => client.connected));
  }
  return clients;
}
