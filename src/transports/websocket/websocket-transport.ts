import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Observable, fromEvent, mergeMap } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ChatMessage, ChatOutput, ClientId } from '../../core/events';
import { JSON_SUBPROTOCOL, formatJson } from '../../format/json-format';
import type { ChatTransport } from '../chat-transport';
import { describeErrorMessage, remoteOf } from '../connection-events';
import { type Connection, ConnectionTable } from '../connection-table';
import { listenOn, listeningAddress } from '../listening';
import type { OutputQueueOptions } from '../output-queue';
import { encodeTextFrame } from './text-frame';
import { readWebSocketLines } from './websocket-events';

export interface WebSocketTransportOptions extends OutputQueueOptions {
  /** Prepended to every client id (see TcpTransportOptions.idPrefix). */
  readonly idPrefix?: string;
  /** A longer text frame is dropped with a notice, as an over-long TCP line. Default 4096. */
  readonly maxLineBytes?: number;
  /** The upgrade path. Default '/ws'. */
  readonly path?: string;
  /**
   * Origins besides the page's own that may open the WebSocket (e.g. 'https://chat.example.org').
   * A browser always sends Origin, so this stops other sites' pages from joining the chat in their
   * visitors' names (cross-site WebSocket hijacking); clients that send none (nc-like tools) pass.
   */
  readonly allowOrigins?: readonly string[];
  /** Served over TLS: the page's own origin is https. */
  readonly secure?: boolean;
  /** A peer that answers no ping for this long is dropped. Default 30 s (so within a minute). */
  readonly pingIntervalMs?: number;
  /** Where `listen()` listens. Default 127.0.0.1:8080. */
  readonly host?: string;
  readonly port?: number;
}

/**
 * The HTTP port of `rxchat-server`'s page, WebSocket and monitoring endpoints (`createChatServer`
 * opens none unless given `httpPort`).
 */
export const DEFAULT_HTTP_PORT = 8080;
const DEFAULT_PING_INTERVAL_MS = 30_000;
const noop = () => undefined;
const endWebSocket = (ws: WebSocket) => ws.close(1000);

interface Upgrade {
  readonly request: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
}

/** The JSON text frame of a message: encoded once per delivery, written to every recipient. */
export function encodeJsonFrame(message: ChatMessage): Buffer {
  return encodeTextFrame(Buffer.from(formatJson(message), 'utf8'));
}

/**
 * The WebSocket edge, on an HTTP(S) server that also serves the chat page: upgrades on `path`
 * become event streams (one text frame is one line), and deliveries become JSON text frames through
 * the `ConnectionTable` both edges share, batched and bounded exactly like TCP output. What is its
 * own: the origin check, `ws` (handshake, frame parsing, close handshake) and pings.
 * `perMessageDeflate` stays off (it made fan-out 8x slower, and inflating is a compression-bomb surface).
 */
export class WebSocketTransport implements ChatTransport {
  readonly name = 'websocket';
  readonly events$: Observable<PipelineEvent>;
  private readonly table: ConnectionTable<WebSocket>;
  private readonly wss: WebSocketServer;
  private readonly maxLineBytes: number;
  private readonly alive = new Map<WebSocket, boolean>();
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: HttpServer,
    private readonly options: WebSocketTransportOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 4096;
    this.table = new ConnectionTable<WebSocket>(encodeJsonFrame, {
      ...options,
      end: endWebSocket,
      maxLineBytes: this.maxLineBytes,
      describeError: describeErrorMessage,
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // Frames a little past the line limit get the TCP treatment (a notice); far past it, ws closes with 1009.
      maxPayload: Math.max(64 * 1024, 4 * this.maxLineBytes),
      handleProtocols: (protocols) => (protocols.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false),
    });
    this.events$ = fromEvent(server, 'upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer): Upgrade => ({
      request,
      socket,
      head,
    })).pipe(mergeMap((upgrade) => this.accept(upgrade)));
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.table.size;
  }

  handle(output: ChatOutput): void {
    this.table.handle(output);
  }

  /** The client's text frames are discarded undecoded until `until` (Date.now ms), except /quit. */
  mute(id: ClientId, until: number): void {
    this.table.mute(id, until);
  }

  address(): { readonly host: string; readonly port: number } | undefined {
    return listeningAddress(this.server);
  }

  async listen(): Promise<void> {
    const { port = DEFAULT_HTTP_PORT, host = '127.0.0.1' } = this.options;
    await listenOn(this.server, { port, host }, 'web server');
    this.pinger = setInterval(this.ping, this.options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS);
    this.pinger.unref();
  }

  close(): Promise<void> {
    clearInterval(this.pinger);
    return new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // Keep-alive page requests would hold close() open; WebSockets close through the chat.
      this.server.closeIdleConnections();
    });
  }

  destroyAll(): void {
    this.table.destroyAll();
    this.server.closeAllConnections();
  }

  /** Each ping must be answered before the next: a vanished peer is dropped within two intervals. */
  private readonly ping = (): void => {
    for (const [ws, alive] of this.alive) {
      if (!alive) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  };

  private accept({ request, socket, head }: Upgrade): Observable<PipelineEvent> {
    return new Observable<PipelineEvent>((subscriber) => {
      socket.on('error', noop);
      const refusal = this.refuse(request);
      if (refusal !== undefined) {
        // Another site's page trying to join is worth counting (a wrong path is not a connection attempt).
        if (refusal.startsWith('403')) {
          const raw = socket as Socket;
          this.options.metrics?.refused('forbidden-origin', this.name, {
            address: raw.remoteAddress ?? 'unknown',
            port: raw.remotePort ?? 0,
          });
        }
        socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
        subscriber.complete();
        return;
      }
      let stopEvents: (() => void) | undefined;
      // A failed handshake (ws answers 400 and destroys the socket) must not leave this stream open.
      socket.once('close', () => {
        if (stopEvents === undefined) subscriber.complete();
      });
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const raw = socket as Socket;
        // Kept for good: ws reports errors after the stream's teardown too.
        ws.on('error', noop);
        raw.setNoDelay?.(true);
        this.alive.set(ws, true);
        ws.on('pong', () => this.alive.set(ws, true));
        ws.once('close', () => this.alive.delete(ws));
        const connection = this.table.open(this.table.newId(), raw, ws);
        stopEvents = connection.start(subscriber, remoteOf(raw), this.readLines);
      });
      return () => stopEvents?.();
    });
  }

  /** One reader for every connection: the connection is its own sink and mute. */
  private readonly readLines = (connection: Connection<WebSocket>) =>
    readWebSocketLines(connection.wire, connection, this.maxLineBytes, connection.socket, connection);

  /** Why an upgrade is refused (an HTTP status line), or undefined to accept it. */
  private refuse(request: IncomingMessage): string | undefined {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== (this.options.path ?? '/ws')) return '404 Not Found';
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    const own = `${this.options.secure ? 'https' : 'http'}://${request.headers.host ?? ''}`;
    if (origin === own || (this.options.allowOrigins ?? []).includes(origin)) return undefined;
    return '403 Forbidden';
  }
}
