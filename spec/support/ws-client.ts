import { WebSocket } from 'ws';
import { HOST, WAIT_MS } from './line-client';
import { waitUntil } from './waiting';

/** A JSON frame from the server, loosely typed: specs compare it with toEqual/toMatchObject. */
export type Frame = { readonly type: string } & Record<string, unknown>;

const open = new Set<WebSocket>();

/** Terminates every WebSocket a spec opened with `WsClient.connect` (call it in afterEach). */
export function terminateAllWsClients(): void {
  for (const ws of open) ws.terminate();
  open.clear();
}

export interface WsConnectOptions {
  readonly origin?: string;
  readonly path?: string;
  readonly protocol?: string;
  /** Connect from this local address (127.0.0.2, ...: another source address on the loopback). */
  readonly localAddress?: string;
  /**
   * Keep `room: '#lobby'` on the frames about the default room. Off by default: the one-room specs
   * compare frames as a client that never uses rooms reads them (spec/server/rooms.spec.ts keeps them).
   */
  readonly keepDefaultRoom?: boolean;
  /**
   * Keep `id` and `at` on `said` and `action` frames (history's message ids and times). Off by
   * default: the specs written before history compare frames without them (spec/server/history*.spec.ts keeps them).
   */
  readonly keepIds?: boolean;
}

/** A said/action frame without its history id and time. */
function withoutIds(frame: Frame): Frame {
  if ((frame.type !== 'said' && frame.type !== 'action') || typeof frame['id'] !== 'number') return frame;
  const { id: _id, at: _at, ...rest } = frame;
  return rest as Frame;
}

/** A frame without the default room's name, which every room-scoped frame of the one-room chat carries. */
function withoutDefaultRoom(frame: Frame): Frame {
  if (frame['room'] !== '#lobby') return frame;
  const { room: _room, ...rest } = frame;
  return rest as Frame;
}

/**
 * A WebSocket chat client for tests: records every frame (parsed JSON), the close code, and offers
 * bounded waits that fail with what was received so far.
 */
export class WsClient {
  readonly frames: Frame[] = [];
  private cursor = 0;
  closeCode: number | undefined;
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly label: string,
    keepDefaultRoom = false,
    keepIds = false,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return void this.frames.push({ type: 'binary' });
      const parsed = JSON.parse(data.toString('utf8')) as Frame;
      const frame = keepIds ? parsed : withoutIds(parsed);
      this.frames.push(keepDefaultRoom ? frame : withoutDefaultRoom(frame));
    });
    ws.on('error', () => undefined);
    ws.once('close', (code: number) => {
      this.closeCode = code;
      this.closed = true;
    });
  }

  static connect(port: number, label = 'ws', options: WsConnectOptions = {}): Promise<WsClient> {
    const url = `ws://${HOST}:${port}${options.path ?? '/ws'}`;
    const ws = new WebSocket(url, options.protocol ?? 'rxchat.v1', {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    open.add(ws);
    const client = new WsClient(ws, label, options.keepDefaultRoom, options.keepIds);
    return new Promise<WsClient>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label}: no WebSocket handshake within ${WAIT_MS} ms`)),
        WAIT_MS,
      );
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        reject(new Error(`${label}: HTTP ${response.statusCode}`));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(line: string): void {
    this.ws.send(line);
  }

  /** Waits for the next unread frame that matches `type` (skipping none: it must be the next one). */
  async next(ms = WAIT_MS): Promise<Frame> {
    await waitUntil(
      () => this.frames.length > this.cursor,
      ms,
      `${this.label}: a frame`,
      () => this.dump(),
    );
    return this.frames[this.cursor++]!;
  }

  /** Reads frames until one satisfies `predicate`, returning it (the ones before are consumed). */
  async until(predicate: (frame: Frame) => boolean, ms = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (predicate(frame)) return frame;
    }
  }

  async waitClosed(ms = WAIT_MS): Promise<number | undefined> {
    await waitUntil(
      () => this.closed,
      ms,
      `${this.label}: close`,
      () => this.dump(),
    );
    return this.closeCode;
  }

  dump(): string {
    return `${this.label} received: ${JSON.stringify(this.frames)}`;
  }
}
