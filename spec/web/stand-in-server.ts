/**
 * A stand-in for rxchat's HTTP server, for testing the page alone: it serves web/ with the real
 * server's Content-Security-Policy, accepts WebSockets on /ws with the rxchat.v1 subprotocol, and
 * lets a spec script the frames each connection gets and read the lines it sent.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { waitUntil, withTimeout } from '../support/waiting';

/** The policy the page must live with: no inline script or style, nothing from elsewhere. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const SUBPROTOCOL = 'rxchat.v1';

const WEB_ROOT = join(__dirname, '..', '..', 'web');
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/chat.js': { file: 'chat.js', type: 'text/javascript; charset=utf-8' },
  '/chat.css': { file: 'chat.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const WAIT_MS = 5_000;

/** One WebSocket connection from a page. */
export class StandInClient {
  /** Every text frame the page sent, in order. */
  readonly received: string[] = [];
  /** Resolves when the connection is closed, whoever closed it. */
  readonly closed: Promise<void>;
  private read = 0;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => this.received.push(isBinary ? '<binary>' : data.toString()));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Sends a frame: objects as JSON, strings as they are (to test malformed frames). */
  send(...messages: (object | string)[]): void {
    for (const message of messages) this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /**
   * The next frame the page sent that no earlier call returned. The page's own `/session` (it asks
   * for one after each welcome) is skipped: specs of sessions read `received`.
   */
  async nextLine(what = 'a line from the page'): Promise<string> {
    for (;;) {
      await waitUntil(
        () => this.received.length > this.read,
        WAIT_MS,
        what,
        () => `received: ${JSON.stringify(this.received)}`,
      );
      const line = this.received[this.read++]!;
      if (line !== '/session') return line;
    }
  }

  /** Welcomes the page as `name`, as the server does: welcome, its own join, then answers its /who. */
  async welcome(name: string, online: readonly string[] = [name]): Promise<void> {
    this.send({ type: 'welcome', name }, { type: 'joined', name });
    const line = await this.nextLine('the page to ask /who after welcome');
    if (line !== '/who') throw new Error(`expected the page to send /who first, got ${JSON.stringify(line)}`);
    this.send({ type: 'who', names: online, count: online.length });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** Drops the connection without a closing handshake, like a crashed server. */
  terminate(): void {
    this.socket.terminate();
  }
}

export interface StandIn {
  /** The page's address: http://127.0.0.1:PORT/ */
  readonly url: string;
  /** Every connection so far. */
  readonly clients: StandInClient[];
  /** The next connection not returned before, waiting for it (bounded). */
  nextClient(ms?: number): Promise<StandInClient>;
  /** While true, WebSocket upgrades are refused with 503 (the page sees a failed connection). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  const clients: StandInClient[] = [];
  const sockets = new Set<Socket>();
  let handedOut = 0;
  let refusing = false;

  const server: Server = createServer((request, response) => {
    const entry = request.method === 'GET' ? FILES[new URL(request.url ?? '/', 'http://x').pathname] : undefined;
    if (entry === undefined) {
      response.writeHead(404, { 'Content-Security-Policy': PAGE_CSP, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    readFile(join(WEB_ROOT, entry.file)).then(
      (body) =>
        response
          .writeHead(200, {
            'Content-Type': entry.type,
            'Content-Security-Policy': PAGE_CSP,
            'X-Content-Type-Options': 'nosniff',
            'Cache-Control': 'no-store',
          })
          .end(body),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  server.on('upgrade', (request, socket, head) => {
    if (refusing || new URL(request.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (ws.protocol !== SUBPROTOCOL) return ws.close(1002, 'subprotocol rxchat.v1 required');
      clients.push(new StandInClient(ws));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    clients,
    async nextClient(ms = WAIT_MS) {
      await waitUntil(() => clients.length > handedOut, ms, 'the page to open a WebSocket');
      return clients[handedOut++]!;
    },
    refuse(on) {
      refusing = on;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await withTimeout(
        Promise.all([
          new Promise<void>((resolve) => wss.close(() => resolve())),
          new Promise<void>((resolve) => server.close(() => resolve())),
        ]),
        WAIT_MS,
        'the stand-in server to close',
      );
    },
  };
}
