import type { Server, Socket } from 'node:net';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { TLSSocket } from 'node:tls';
import { Observable, fromEvent, mergeMap } from 'rxjs';
import type { ChatOutput, ClientId, Delivery } from '../../core/events';
import { DEFAULT_ROOM } from '../../core/rooms';
import { encodeLine } from '../../format/text-format';
import type { ChatTransport } from '../chat-transport';
import { type EventsSubscriber, remoteOf } from '../connection-events';
import { type Connection, ConnectionTable } from '../connection-table';
import { listenOn, listeningAddress } from '../listening';
import { DEFAULT_CLOSE_TIMEOUT_MS, type OutputQueueOptions } from '../output-queue';
import { quietSocketErrors, readWireLines } from './socket-events';

export { DEFAULT_CLOSE_TIMEOUT_MS };

export interface TcpTransportOptions extends OutputQueueOptions {
  /**
   * Prepended to every client id, so that ids stay unique when several transports or processes
   * feed one chat (a WebSocket transport beside this one, servers sharing a chat over Redis).
   */
  readonly idPrefix?: string;
  /** A longer line is dropped without being buffered whole. */
  readonly maxLineBytes?: number;
  /**
   * The server event that hands over a ready socket: 'secureConnection' for a tls.Server (create it
   * with a `handshakeTimeout`: a connection whose handshake times out is destroyed). Default 'connection'.
   */
  readonly connectionEvent?: 'connection' | 'secureConnection';
  /** The chat's default room: lines about it read without a `[#room] ` prefix. Default `#lobby`. */
  readonly defaultRoom?: string;
  /** Where `listen()` listens. Default 127.0.0.1:5000. */
  readonly host?: string;
  readonly port?: number;
}

const KEEPALIVE_MS = 60_000;
const LISTEN_BACKLOG = 4096;
const noop = () => undefined;
const endSocket = (socket: Socket) => void socket.end();

/** A TLS connection whose handshake is under way: accepted, and counted by admission, but not ready for lines. */
interface Handshake {
  readonly id: ClientId;
  readonly raw: Socket;
  /** Why it failed, from `tlsClientError`. */
  error?: string;
  /** Refused during its handshake: its notice and close, for when it can carry them. */
  refusal?: ChatOutput[];
  /** The server let it go (refused): its event stream ends now. */
  hangUp(): void;
  /** The handshake is done: here is the TLS socket. */
  secured(socket: TLSSocket): void;
}

/**
 * Drops the peer address Node caches on a socket once it was read (an object and a string per idle
 * connection): `connected` carries it, and Node reads it again from the handle if asked.
 */
function forgetPeerName(socket: Socket): void {
  const cached = socket as Socket & { _peername?: unknown };
  if (cached._peername !== undefined) cached._peername = undefined;
}

/** Matches a tls.Server's raw socket with the TLS socket made of it: the same peer. */
const peerKey = (socket: Socket) => `${socket.remoteAddress}:${socket.remotePort}`;

/**
 * The TCP (or TLS) edge: accepted sockets become event streams, and outputs become text lines on
 * sockets, through the `ConnectionTable` both edges share. What is TCP's own: socket options, the
 * listen backlog, and TLS connections counted from their handshake.
 */
export class TcpTransport implements ChatTransport {
  readonly name = 'tcp';
  /** Every accepted connection's events, merged. Subscribe once. */
  readonly events$: Observable<PipelineEvent>;
  private readonly table: ConnectionTable<Socket>;
  private readonly defaultRoom: string;
  /** TLS only: connections in their handshake (refused ones included), by peer, until done or closed. */
  private readonly handshakesByPeer = new Map<string, Handshake>();
  /** TLS only: connections in their handshake whose event stream is open, by id, for the outputs addressed to them. */
  private readonly handshakes = new Map<ClientId, Handshake>();

  constructor(
    private readonly server: Server,
    private readonly options: TcpTransportOptions = {},
  ) {
    const defaultRoom = options.defaultRoom ?? DEFAULT_ROOM;
    this.defaultRoom = defaultRoom;
    this.table = new ConnectionTable<Socket>((message) => encodeLine(message, defaultRoom), {
      ...options,
      end: endSocket,
      maxLineBytes: options.maxLineBytes ?? 0,
      // `readWireLines` leaves the close to the queue's listener.
      closedWithSocket: true,
      readerMaxLineBytes: options.maxLineBytes,
    });
    if (options.connectionEvent === 'secureConnection') {
      // A TLS connection counts from the moment it is accepted, not from the end of its handshake,
      // so that connections stuck in their handshake cannot escape the admission limits.
      this.events$ = fromEvent<Socket>(server, 'connection').pipe(mergeMap((raw) => this.acceptHandshake(raw)));
      server.on('secureConnection', (socket: TLSSocket) => {
        const handshake = this.handshakesByPeer.get(peerKey(socket));
        if (handshake === undefined) socket.destroy();
        else handshake.secured(socket);
      });
      // Node only reports a handshake that failed or timed out: nothing else would ever close it.
      server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        const handshake = this.handshakesByPeer.get(peerKey(socket));
        if (handshake !== undefined) handshake.error = error.message;
        socket.destroy();
      });
    } else {
      this.events$ = this.acceptAll();
    }
  }

  /** Open connections, closing ones included. */
  get size(): number {
    return this.table.size;
  }

  handle(output: ChatOutput): void {
    if (this.handshakes.size > 0 && this.heldForHandshake(output)) return;
    if (output.kind === 'deliver') this.wordIdsFor(output);
    this.table.handle(output);
  }

  /**
   * A client that opened or resumed a session asking for ids gets its lines with each message's id
   * (`@id=42 `) from then on, worded for it alone: the others keep the shared wording.
   */
  private wordIdsFor(delivery: Delivery): void {
    const { message } = delivery;
    if ((message.type !== 'session' && message.type !== 'resumed') || message.ids !== true) return;
    const connection = this.table.get(delivery.to[0]!);
    if (connection !== undefined) connection.encode ??= (m) => encodeLine(m, this.defaultRoom, true);
  }

  /** The client's complete lines are discarded unread until `until` (Date.now ms), except /quit. */
  mute(id: ClientId, until: number): void {
    this.table.mute(id, until);
  }

  address(): { readonly host: string; readonly port: number } | undefined {
    return listeningAddress(this.server);
  }

  listen(): Promise<void> {
    // A join storm fills Node's default accept queue (511) while a broadcast is written: the
    // kernel then drops SYNs and those clients wait a second to retry. 4096 is Linux's default cap.
    const { port = 5000, host = '127.0.0.1' } = this.options;
    return listenOn(this.server, { port, host, backlog: LISTEN_BACKLOG }, 'server');
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // A TLS socket still in its handshake cannot be told goodbye: nothing else would close it.
      for (const handshake of this.handshakesByPeer.values()) handshake.raw.destroy();
    });
  }

  destroyAll(): void {
    this.table.destroyAll();
    for (const handshake of this.handshakesByPeer.values()) handshake.raw.destroy();
  }

  /**
   * Outputs for a connection still in its handshake: only a refusal (a notice, then a close) can
   * reach one. They wait for the handshake, since only TLS can carry them; the close ends the
   * connection's event stream at once, as for any connection the server lets go.
   */
  private heldForHandshake(output: ChatOutput): boolean {
    const id =
      output.kind === 'close'
        ? output.id
        : output.kind === 'deliver' && output.to.length === 1
          ? output.to[0]!
          : undefined;
    const handshake = id === undefined ? undefined : this.handshakes.get(id);
    if (handshake === undefined) return false;
    (handshake.refusal ??= []).push(output);
    if (output.kind === 'close') handshake.hangUp();
    return true;
  }

  /**
   * A TLS connection: `connecting` at once, then, once its handshake is done, the TLS socket's
   * events (`connected`, lines, `disconnected`). A handshake that fails or times out ends it with
   * `disconnected`. One refused during its handshake gets its refusal when the handshake is done,
   * or is destroyed if that takes longer than `closeTimeoutMs`.
   */
  private acceptHandshake(raw: Socket): Observable<PipelineEvent> {
    return new Observable<PipelineEvent>((subscriber) => {
      raw.on('error', noop);
      const id = this.table.newId();
      const peer = peerKey(raw);
      let stopEvents: (() => void) | undefined;
      let fuse: NodeJS.Timeout | undefined;
      const end = (event: PipelineEvent) => {
        this.handshakes.delete(id);
        subscriber.next(event);
        subscriber.complete();
      };
      const handshake: Handshake = {
        id,
        raw,
        hangUp: () => {
          fuse = setTimeout(() => raw.destroy(), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
          fuse.unref();
          end({ type: 'disconnected', id, reason: 'closed' });
        },
        secured: (socket) => {
          this.handshakesByPeer.delete(peer);
          clearTimeout(fuse);
          if (handshake.refusal === undefined) {
            this.handshakes.delete(id);
            stopEvents = this.open(socket, id).start(subscriber, remoteOf(socket), this.readLines);
            return;
          }
          socket.on('error', noop);
          this.table.refuse(id, socket, socket, handshake.refusal);
        },
      };
      const onRawClose = () => {
        clearTimeout(fuse);
        this.handshakesByPeer.delete(peer);
        // After the handshake the TLS socket's stream reports the end.
        if (stopEvents === undefined && !subscriber.closed) {
          end({
            type: 'disconnected',
            id,
            reason: 'error',
            error: `TLS handshake not completed${handshake.error ? `: ${handshake.error}` : ''}`,
          });
        }
      };
      raw.once('close', onRawClose);
      this.handshakesByPeer.set(peer, handshake);
      this.handshakes.set(id, handshake);
      subscriber.next({ type: 'connecting', id, remote: remoteOf(raw) });
      // The close listener stays: a refused connection outlives its stream until it closes.
      return () => {
        this.handshakes.delete(id);
        stopEvents?.();
      };
    });
  }

  /**
   * Every accepted socket's events, into one subscriber that all connections share (what
   * `mergeMap` would do, without an inner subscriber and its closures for each idle connection).
   * Unsubscribing stops reading every open connection, as `mergeMap` would unsubscribe its inners.
   */
  private acceptAll(): Observable<PipelineEvent> {
    return new Observable<PipelineEvent>((subscriber) => {
      // A connection's stream completing ends that connection only, not the merged stream.
      const shared: EventsSubscriber = {
        next: (event) => subscriber.next(event),
        complete: noop,
        get closed() {
          return subscriber.closed;
        },
      };
      const onConnection = (socket: Socket) => {
        try {
          const remote = remoteOf(socket);
          forgetPeerName(socket);
          this.open(socket, this.table.newId()).open(shared, remote, this.readLines);
        } catch (error) {
          subscriber.error(error);
        }
      };
      this.server.on('connection', onConnection);
      return () => {
        this.server.off('connection', onConnection);
        this.table.stopAll();
      };
    });
  }

  /** A socket ready for lines joins the table. */
  private open(socket: Socket, id: ClientId): Connection<Socket> {
    // Keep one listener for good: an error after the stream's teardown must not crash the process.
    quietSocketErrors(socket);
    socket.setNoDelay(true);
    // A peer that vanished without a FIN (cable pulled, NAT expired) is found and its slot freed.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    return this.table.open(id, socket, socket);
  }

  /** One reader for every connection: the connection is its own sink and mute. */
  private readonly readLines = (connection: Connection<Socket>) => readWireLines(connection);
}
