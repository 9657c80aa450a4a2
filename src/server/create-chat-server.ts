import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Observable, Subject, type Subscription, merge, observeOn, queueScheduler } from 'rxjs';
import { chat } from '../core/chat';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ChatOutput, LogOutput } from '../core/events';
import type { NameSource } from '../core/names';
import { type BuiltinOperators, type PolicyOptions, builtinOperators, defaultOperators } from '../operators/builtin-operators';
import type { ChatTransport } from '../transports/chat-transport';
import { OutputBudget } from '../transports/output-budget';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../transports/output-queue';
import { TcpTransport } from '../transports/tcp/tcp-transport';
import { type RouteHandler, createWebServer, pageRoutes } from '../transports/websocket/web-server';
import { WebSocketTransport } from '../transports/websocket/websocket-transport';
import { fakerNames } from './faker-names';

export interface ChatServerOptions extends PolicyOptions {
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
  /** Extra read-only routes on the HTTP port (e.g. metrics), by exact path. */
  readonly httpRoutes?: ReadonlyMap<string, RouteHandler>;
  /** Name candidates; default: faker usernames. */
  readonly names?: NameSource;
  /** Clock for output timestamps; default Date.now. */
  readonly now?: () => number;
  /**
   * The operators in front of the core, in order. Default: the built-in policies configured by this
   * object's limits (`defaultOperators`). A function receives the built-ins by name to reorder,
   * replace or drop them and add your own; an array replaces them all.
   */
  readonly operators?: readonly ChatOperator[] | ((builtins: BuiltinOperators) => readonly ChatOperator[]);
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
  /** Says goodbye to every client, flushes, closes every socket and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_LINE_BYTES = 4096;
export const DEFAULT_MAX_BUFFER_BYTES = 256 * 1024;
export const DEFAULT_MAX_TOTAL_BUFFER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;

function resolveOperators(options: ChatServerOptions): readonly ChatOperator[] {
  const { operators } = options;
  if (Array.isArray(operators)) return operators;
  const builtins = builtinOperators(options);
  return typeof operators === 'function' ? operators(builtins) : defaultOperators(builtins);
}

/** The transports the options ask for: TCP (or TLS) always, the web page and WebSocket with an HTTP port. */
function createTransports(options: ChatServerOptions): ChatTransport[] {
  const host = options.host ?? '127.0.0.1';
  const prefix = options.idPrefix ?? `${randomBytes(4).toString('hex')}:`;
  const shared = {
    host,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    // One budget for every transport's queue: the bound is on the server's memory, not per transport.
    budget: new OutputBudget(options.maxTotalBufferBytes ?? DEFAULT_MAX_TOTAL_BUFFER_BYTES),
  };
  const handshakeTimeout = (options.handshakeTimeoutSeconds ?? DEFAULT_HANDSHAKE_TIMEOUT_SECONDS) * 1_000;
  const tcpServer = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout }) : createServer();
  const transports: ChatTransport[] = [
    new TcpTransport(tcpServer, {
      ...shared,
      port: options.port ?? 5000,
      idPrefix: `${prefix}t`,
      // A TLS socket is ready for lines only after its handshake.
      connectionEvent: options.tls ? 'secureConnection' : 'connection',
    }),
  ];
  if (options.httpPort !== undefined) {
    const routes = new Map([...pageRoutes(), ...(options.httpRoutes ?? [])]);
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
  const transports = createTransports(options);
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const destroyAll = () => {
    for (const transport of transports) transport.destroyAll();
  };
  const hub = new Subject<ChatEvent>();
  const outputs$ = new Subject<ChatOutput>();
  const core = chat({ names: options.names ?? fakerNames(), now: options.now ?? Date.now });

  // The queue scheduler trampolines, right in front of the core: an event raised while another is
  // being handled (a close request ends its connection's stream at once; an operator's timer fires)
  // waits its turn instead of re-entering the core in the middle of another event's outputs.
  const events$ = resolveOperators(options).reduce<Observable<ChatEvent>>((s, op) => op(s), hub.asObservable());
  let failed = false;

  const subscriptions: Subscription[] = [];
  subscriptions.push(
    core(events$.pipe(observeOn(queueScheduler))).subscribe({
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
  subscriptions.push(merge(...transports.map((t) => t.events$)).subscribe({ next: (event) => hub.next(event) }));

  const listening: ChatTransport[] = [];
  try {
    for (const transport of transports) {
      await transport.listen();
      listening.push(transport);
    }
  } catch (error) {
    // Nothing listens: leave nothing behind (an embedding caller may try another port).
    await Promise.all(listening.map((t) => t.close()));
    for (const subscription of subscriptions) subscription.unsubscribe();
    throw error;
  }

  let closing: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      void Promise.all(transports.map((t) => t.close())).then(() => resolve());
      if (failed) return destroyAll();
      hub.next({ type: 'shutdown' });
      // Each closing socket has its own timeout; this catches any that never got a close request.
      const deadline = setTimeout(destroyAll, closeTimeoutMs + 500);
      deadline.unref();
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
    close: shutdown,
  };
}
