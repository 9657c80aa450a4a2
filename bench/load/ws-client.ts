import { WebSocket } from 'ws';
import { type LoadClient, type StampHandler, nowMicros } from './client';
import { STAMP_LEN, type Stamp, readStamp, stampText } from './stamp';

const TEXT = 'the quick brown fox jumps over the lazy dog ';
/** Every `said` message ends with the stamp and then `"}`: the text is the JSON object's last field. */
const JSON_TAIL = 2;

/**
 * A browser-protocol load client: one text frame per line out, one JSON frame per message in. The
 * stamp is read in place at a fixed offset from the frame's end, so no JSON is parsed.
 */
export class WsLoadClient implements LoadClient {
  readonly ws: WebSocket;
  closed = false;
  synced = false;
  error: string | undefined;
  readonly connected: Promise<void>;
  private readonly stamp: Stamp = { kind: 0, sender: 0, seq: 0, micros: 0 };

  constructor(
    readonly index: number,
    port: number,
    handler: { onStamp: StampHandler },
  ) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'rxchat.v1', { perMessageDeflate: false });
    this.ws.on('message', (data: Buffer) => {
      if (readStamp(data, data.length - JSON_TAIL - STAMP_LEN, this.stamp))
        handler.onStamp(this, this.stamp, nowMicros());
    });
    this.connected = new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.connected.catch(() => undefined);
    this.ws.on('error', (error) => {
      this.error ??= error.message;
    });
    this.ws.on('close', () => {
      this.closed = true;
    });
  }

  send(kind: number, sender: number, seq: number): void {
    this.ws.send(`${TEXT}${stampText(kind, sender, seq, nowMicros())}`);
  }

  write(line: string): void {
    this.ws.send(line);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens `count` WebSocket clients, `concurrency` handshakes at a time, within `timeoutMs`. */
export async function connectWsClients(
  port: number,
  count: number,
  handler: { onStamp: StampHandler },
  options: { concurrency?: number; timeoutMs?: number } = {},
): Promise<LoadClient[]> {
  const concurrency = options.concurrency ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const clients: WsLoadClient[] = [];
  for (let at = 0; at < count; at += concurrency) {
    if (Date.now() > deadline) throw new Error(`connecting ${count} WebSocket clients took too long (${at} done)`);
    const batch: WsLoadClient[] = [];
    for (let i = at; i < Math.min(count, at + concurrency); i++) batch.push(new WsLoadClient(i, port, handler));
    clients.push(...batch);
    await Promise.all(batch.map((client) => client.connected));
  }
  return clients;
}
