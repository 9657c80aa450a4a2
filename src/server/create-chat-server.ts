import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Registry } from 'prom-client';
import { type Observable, Subject, type Subscription, filter, merge, observeOn, queueScheduler, tap } from 'rxjs';
import { chat } from '../core/chat';
import type { RoomLimits } from '../core/rooms';
import { createChatState, snapshotChat } from '../core/chat-state';
import { type ChatRelay, inMemoryRelay } from '../relay/chat-relay';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ChatOutput, LogOutput } from '../core/events';
import type { NameSource } from '../core/names';
import { ChatMetrics, type ConnectionLogEntry } from '../metrics/chat-metrics';
import type { TransportMetrics } from '../metrics/hooks';
import { monitoringRoutes } from '../metrics/monitoring-routes';
import { processMetrics } from '../metrics/process-metrics';
import {
  type BuiltinOperators,
  type PolicyOptions,
  builtinOperators,
  defaultOperators,
} from '../operators/builtin-operators';
import { type CoalesceStormsOptions, coalesceStorms } from '../operators/coalesce-storms';
import type { ChatTransport } from '../transports/chat-transport';
import { OutputBudget } from '../transports/output-budget';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../transports/output-queue';
import { TcpTransport } from '../transports/tcp/tcp-transport';
import { type RouteHandler, createWebServer, pageRoutes } from '../transports/websocket/web-server';
import { WebSocketTransport } from '../transports/websocket/websocket-transport';
import { fakerNames } from './faker-names';
import { stampEvents } from './stamp-events';

export interface ChatServerOptions extends PolicyOptions, RoomLimits {
  /** Default 127.0.0.1, for every transport. */
  readonly host?: string;
  /** Default 5000; 0 picks a free port. */
  readonly port?: number;
  /**
   * Serve the web chat page and its WebSocket (`/ws`) on this HTTP port (0 picks a free one).
   * Leave it out for no web server.
   */
  readonly httpPort?: number;
  /** Origins besides the page's own that may open the WebSocket. */
  readonly allowOrigins?: readonly string[];
  /** Extra read-only routes on the HTTP port, by exact path (besides the page, /metrics, /healthz and /readyz). */
  readonly httpRoutes?: ReadonlyMap<string, RouteHandler>;
  /** When set, GET /metrics on the HTTP port requires `Authorization: Bearer TOKEN`. */
  readonly metricsToken?: string;
  /**
   * Readiness beyond listening (e.g. a Redis relay's connection): undefined when ready, otherwise
   * the reason, which GET /readyz answers with 503.
   */
  readonly ready?: () => string | undefined;
  /** The server's records of clients it evicted and connections it refused (the core's log has the rest). */
  readonly onConnectionLog?: (entry: ConnectionLogEntry) => void;
  /**
   * How this process's events reach the chat's core: `inMemoryRelay()` (the default) for one process,
   * `redisRelay({ url })` for several processes sharing one chat.
   */
  readonly relay?: ChatRelay;
  /** This process's id in a cluster and in client ids. Default: random. */
  readonly node?: string;
  /** Names, one per connection in connection order (numbered when taken); default: 4 faker usernames to choose from. */
  readonly names?: NameSource;
  /** Clock for output timestamps; default Date.now. */
  readonly now?: () => number;
  /**
   * The operators in front of the core, in order. Default: the built-in policies configured by this
   * object's limits (`defaultOperators`). A function receives the built-ins by name to reorder,
   * replace or drop them and add your own; an array replaces them all.
   */
  readonly operators?: readonly ChatOperator[] | ((builtins: BuiltinOperators) => readonly ChatOperator[]);
  /** How join and leave storms are summarised (`coalesceStorms`); false announces every one. */
  readonly storms?: CoalesceStormsOptions | false;
  /** Receives the server log (connections, messages, errors). */
  readonly onLog?: (log: LogOutput) => void;
  /** A line longer than this many bytes is dropped without being buffered whole. Default 4096. */
  readonly maxLineBytes?: number;
  /** A client whose unsent output passes this many bytes is evicted. Default 256 KiB. */
  readonly maxBufferBytes?: number;
  /**
   * The unsent output of all clients together, over every transport: past it, the clients with
   * the largest backlogs are evicted first. Default 64 MiB.
   */
  readonly maxTotalBufferBytes?: number;
  /** A TLS connection (chat or HTTPS) whose handshake takes longer is destroyed. Default 10. */
  readonly handshakeTimeoutSeconds?: number;
  /**
   * Prepended to client ids. Default: a random id of this process, so that ids are unique across
   * transports and processes without configuration.
   */
  readonly idPrefix?: string;
  /** How long close() waits for clients to hang up before destroying their sockets. Default 2000. */
  readonly closeTimeoutMs?: number;
  /** Serve TLS (and HTTPS/WSS on the HTTP port) with this certificate and key (PEM); the protocol inside is the same. */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
}

export interface ChatServer {
  readonly host: string;
  /** The TCP (or TLS) port. */
  readonly port: number;
  /** The HTTP(S) port of the page and WebSocket, when there is one. */
  readonly httpPort?: number;
  /** Every output of the core, as it happens (hot). */
  readonly outputs$: Observable<ChatOutput>;
  /** The chat's metrics (`rxchat_*`); GET /metrics serves them after Node's process metrics. */
  readonly metrics: Registry;
  /** Undefined while the server accepts chat connections; otherwise why not (what GET /readyz answers). */
  ready(): string | undefined;
  /** Says goodbye to every client, flushes, closes every socket and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_LINE_BYTES = 4096;
export const DEFAULT_MAX_BUFFER_BYTES = 256 * 1024;
export const DEFAULT_MAX_TOTAL_BUFFER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;

function resolveOperators(options: ChatServerOptions, metrics: ChatMetrics): readonly ChatOperator[] {
  const { operators } = options;
  if (Array.isArray(operators)) return operators;
  const builtins = builtinOperators(options, { metrics });
  return typeof operators === 'function' ? operators(builtins) : defaultOperators(builtins);
}

/** The transports the options ask for: TCP (or TLS) always, the web page, WebSocket and monitoring endpoints with an HTTP port. */
function createTransports(
  options: ChatServerOptions,
  node: string,
  metrics: TransportMetrics,
  monitoring: ReadonlyMap<string, RouteHandler>,
): ChatTransport[] {
  const host = options.host ?? '127.0.0.1';
  const prefix = options.idPrefix ?? `${node}:`;
  const shared = {
    host,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    metrics,
    // One budget for every transport's queue: the bound is on the server's memory, not per transport.
    budget: new OutputBudget(options.maxTotalBufferBytes ?? DEFAULT_MAX_TOTAL_BUFFER_BYTES),
  };
  const handshakeTimeout = (options.handshakeTimeoutSeconds ?? DEFAULT_HANDSHAKE_TIMEOUT_SECONDS) * 1_000;
  const tcpServer = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout })
    : createServer();
  const transports: ChatTransport[] = [
    new TcpTransport(tcpServer, {
      ...shared,
      port: options.port ?? 5000,
      idPrefix: `${prefix}t`,
      defaultRoom: options.defaultRoom,
      // A TLS socket is ready for lines only after its handshake.
      connectionEvent: options.tls ? 'secureConnection' : 'connection',
    }),
  ];
  if (options.httpPort !== undefined) {
    const routes = new Map([...pageRoutes(), ...monitoring, ...(options.httpRoutes ?? [])]);
    const webServer = createWebServer({ tls: options.tls, routes, handshakeTimeoutMs: handshakeTimeout });
    transports.push(
      new WebSocketTransport(webServer, {
        ...shared,
        port: options.httpPort,
        idPrefix: `${prefix}w`,
        secure: options.tls !== undefined,
        allowOrigins: options.allowOrigins ?? [],
      }),
    );
  }
  return transports;
}

/**
 * Starts a chat server and resolves once every transport accepts connections. Transports feed one
 * hub; the operators and the core run once over it; every output goes to every transport, each
 * acting on its own clients.
 */
export async function createChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const metrics = new ChatMetrics({ onConnectionLog: options.onConnectionLog, now: options.now });
  /** Set once every transport listens; `stopping` from the first moment of a shutdown. */
  let accepting = false;
  let stopping: string | undefined;
  const ready = (): string | undefined => {
    if (stopping !== undefined) return stopping;
    if (!accepting) return 'starting';
    for (const transport of transports) if (transport.address() === undefined) return `${transport.name} not listening`;
    return relay.unready() ?? options.ready?.();
  };
  const monitoring = monitoringRoutes({
    registries: () => [processMetrics(), metrics.registry],
    token: options.metricsToken,
    ready,
  });
  // This process's part of every client id, and its name in a cluster: unique without configuration.
  const node = options.node ?? randomBytes(4).toString('hex');
  const relay = options.relay ?? inMemoryRelay();
  const transports = createTransports(options, node, metrics, monitoring);
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const destroyAll = () => {
    for (const transport of transports) transport.destroyAll();
  };
  const hub = new Subject<ChatEvent>();
  const outputs$ = new Subject<ChatOutput>();
  // The core's state, kept in view: the relay snapshots it for processes that start later.
  const state = createChatState(undefined, options);
  const core = chat({ state });

  // The queue scheduler trampolines, right in front of the core: an event raised while another is
  // being handled (a close request ends its connection's stream at once; an operator's timer fires)
  // waits its turn instead of re-entering the core in the middle of another event's outputs.
  const events$ = resolveOperators(options, metrics)
    .reduce<Observable<ChatEvent>>((s, op) => op(s), hub.asObservable())
    // What passes the operators is what the core acts on: who joins, is kicked or refused.
    .pipe(
      // Mutes go to the transports at once (a flooder's lines may be discarded from the next one on),
      // and neither they nor the transports' discard counts (the rate limiter's business) go further.
      filter((event) => {
        if (event.type === 'discarded') return false;
        if (event.type !== 'mute') return true;
        for (const transport of transports) transport.mute?.(event.id, event.until);
        return false;
      }),
      tap(metrics.chatEvents),
      // A caller's source (tests: names in connection order) is drawn once per connection; faker's 4 times.
      stampEvents({
        names: options.names ?? fakerNames(),
        now: options.now ?? Date.now,
        candidates: options.names ? 1 : undefined,
        node,
      }),
    );
  // The relay puts this process's events in the chat's one order (in memory: as they come; over
  // Redis: with every other process's), and the core applies that order.
  const clustered = options.relay !== undefined;
  if (clustered) metrics.registerRelay(() => relay.unready());
  const chat$ = relay
    .connect(clustered ? events$.pipe(tap(metrics.relayPublished)) : events$, {
      node,
      snapshot: () => snapshotChat(state),
    })
    .pipe(clustered ? tap(metrics.relayApplied) : (source) => source);
  let failed = false;

  const subscriptions: Subscription[] = [];
  // Join and leave storms are summarised after the core, on the way to the transports.
  const coreOutputs$ = core(chat$.pipe(observeOn(queueScheduler)));
  const outputsOut$ = options.storms === false ? coreOutputs$ : coreOutputs$.pipe(coalesceStorms(options.storms));
  subscriptions.push(
    outputsOut$.subscribe({
      next: (output) => {
        if (output.kind === 'log') options.onLog?.(output);
        else for (const transport of transports) transport.handle(output);
        outputs$.next(output);
      },
      error: (error: unknown) => {
        // A broken pipeline must not leave a server that accepts and ignores clients.
        failed = true;
        console.error('[!] chat pipeline failed:', error);
        outputs$.error(error);
        void shutdown();
      },
    }),
  );
  // Connections feed the hub but never complete it: one client leaving must not end the chat.
  const fromTransports$ = merge(...transports.map((t) => t.events$.pipe(tap(metrics.transportEvents(t.name)))));
  subscriptions.push(fromTransports$.subscribe({ next: (event) => hub.next(event) }));

  const listening: ChatTransport[] = [];
  try {
    // Clients are accepted only once the chat's state is here (a late process restores a snapshot).
    await relay.ready();
    for (const transport of transports) {
      await transport.listen();
      listening.push(transport);
    }
  } catch (error) {
    // Nothing listens: leave nothing behind (an embedding caller may try another port).
    await Promise.all(listening.map((t) => t.close()));
    for (const subscription of subscriptions) subscription.unsubscribe();
    await relay.close().catch(() => undefined);
    throw error;
  }

  accepting = true;
  // The process's metrics start with the first server that serves them.
  if (options.httpPort !== undefined) processMetrics();

  let closing: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    stopping ??= failed ? 'chat pipeline failed' : 'shutting down';
    closing ??= new Promise<void>((resolve) => {
      void Promise.all(transports.map((t) => t.close())).then(() => resolve());
      if (failed) return destroyAll();
      // The goodbye goes through the relay: alone, the whole chat's shutdown; in a cluster, this
      // process's clients leave while the chat goes on.
      void relay
        .close()
        .catch((error: Error) => console.error('[!] relay close failed:', error.message))
        .finally(() => {
          // Each closing socket has its own timeout; this catches any that never got a close request.
          const deadline = setTimeout(destroyAll, closeTimeoutMs + 500);
          deadline.unref();
        });
    }).finally(() => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      outputs$.complete();
    });
    return closing;
  }

  const tcp = transports[0]!.address()!;
  const web = transports[1]?.address();
  return {
    host: tcp.host,
    port: tcp.port,
    ...(web ? { httpPort: web.port } : {}),
    outputs$: outputs$.asObservable(),
    metrics: metrics.registry,
    ready,
    close: shutdown,
  };
}
