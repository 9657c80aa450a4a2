import type { Server, Socket } from 'node:net';
import { type Observable, Subject, fromEvent, mergeMap } from 'rxjs';
import type { ChatEvent, ChatOutput, ClientId } from '../../core/events';
import { encodeLine } from '../../format/text-format';
import type { ChatTransport } from '../chat-transport';
import { type MuteSwitch, stopReadingAfterHangUp } from '../muted-input';
import { DEFAULT_CLOSE_TIMEOUT_MS, OutputQueue, type OutputQueueOptions } from '../output-queue';
import { socketEvents } from './socket-events';

export { DEFAULT_CLOSE_TIMEOUT_MS };

export interface TcpTransportOptions extends OutputQueueOptions {
  /**
   * Prepended to every client id, so that ids stay unique when several transports or processes
   * feed one chat (a WebSocket transport beside this one, servers sharing a chat over Redis).
   */
  readonly idPrefix?: string;
  /** A longer line is dropped without being buffered whole. */
  readonly maxLineBytes?: number;
  /** The server event that hands over a ready socket: 'secureConnection' for a tls.Server. Default 'connection'. */
  readonly connectionEvent?: 'connection' | 'secureConnection';
  /** Where `listen()` listens. Default 127.0.0.1:5000. */
  readonly host?: string;
  readonly port?: number;
}

const KEEPALIVE_MS = 60_000;
const LISTEN_BACKLOG = 4096;
const noop = () => undefined;

/**
 * The TCP (or TLS) edge: accepted sockets become event streams, and outputs become text lines on
 * sockets through the shared `OutputQueue`. The connection table maps ids to sockets; who is
 * online is the core's registry, not this.
 */
export class TcpTransport implements ChatTransport {
  readonly name = 'tcp';
  /** Every accepted connection's events, merged. Subscribe once. */
  readonly events$: Observable<ChatEvent>;
  private readonly queue: OutputQueue;
  /** TLS only: every raw socket, handshake or not. One still in its handshake is not a connection yet, but close() must end it. */
  private readonly rawSockets = new Set<Socket>();
  /** Each open connection's mute, read by its line splitter. */
  private readonly mutes = new Map<ClientId, MuteSwitch>();
  private nextId = 0;

  constructor(
    private readonly server: Server,
    private readonly options: TcpTransportOptions = {},
  ) {
    this.queue = new OutputQueue(encodeLine, options);
    this.events$ = fromEvent<Socket>(server, options.connectionEvent ?? 'connection').pipe(mergeMap((socket) => this.accept(socket)));
    if (options.connectionEvent === 'secureConnection') {
      server.on('connection', (socket: Socket) => {
        this.rawSockets.add(socket);
        socket.once('close', () => this.rawSockets.delete(socket));
      });
    }
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.queue.size;
  }

  handle(output: ChatOutput): void {
    this.queue.handle(output);
  }

  /** The client's complete lines are discarded unread until `until` (Date.now ms), except /quit. */
  mute(id: ClientId, until: number): void {
    const mute = this.mutes.get(id);
    if (mute !== undefined) mute.until = until;
  }

  address(): { readonly host: string; readonly port: number } | undefined {
    const address = this.server.address();
    return address === null || typeof address === 'string' ? undefined : { host: address.address, port: address.port };
  }

  listen(): Promise<void> {
    const { server } = this;
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A join storm fills Node's default accept queue (511) while a broadcast is written: the
      // kernel then drops SYNs and those clients wait a second to retry. 4096 is Linux's default cap.
      server.listen({ port: this.options.port ?? 5000, host: this.options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        // From now on an accept error (too many open files, ...) is logged, not a crash.
        server.on('error', (error) => console.error('[!] server error:', error.message));
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // A TLS socket still in its handshake is unknown to the chat: nothing would ever close it.
      for (const socket of this.rawSockets) if (!this.isConnection(socket)) socket.destroy();
    });
  }

  destroyAll(): void {
    this.queue.destroyAll();
    for (const socket of this.rawSockets) socket.destroy();
  }

  private readonly connected = new WeakSet<Socket>();

  private isConnection(socket: Socket): boolean {
    return this.connected.has(socket);
  }

  private accept(socket: Socket): Observable<ChatEvent> {
    const id = `${this.options.idPrefix ?? ''}${++this.nextId}`;
    // Keep one listener for good: an error after the stream's teardown must not crash the process.
    socket.on('error', noop);
    socket.setNoDelay(true);
    // A peer that vanished without a FIN (cable pulled, NAT expired) is found and its slot freed.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    this.connected.add(socket);
    const mute: MuteSwitch = { until: 0 };
    this.mutes.set(id, mute);
    socket.once('close', () => this.mutes.delete(id));
    const hangUp$ = new Subject<void>();
    const hangUp = () => {
      hangUp$.next();
      stopReadingAfterHangUp(socket);
    };
    this.queue.add({ id, socket, end: () => socket.end(), hangUp });
    return socketEvents(id, socket, this.options.maxLineBytes, hangUp$, mute);
  }
}
