import { type AddressInfo, type Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  type Observable,
  Subject,
  type Subscription,
  observeOn,
  queueScheduler,
} from 'rxjs';
import { chat } from '../core/chat';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ChatOutput, LogOutput } from '../core/events';
import type { NameSource } from '../core/names';
import { type BuiltinOperators, type PolicyOptions, builtinOperators, defaultOperators } from '../operators/builtin-operators';
import { DEFAULT_CLOSE_TIMEOUT_MS, TcpTransport } from '../transports/tcp/tcp-transport';
import { fakerNames } from './faker-names';
import { stampEvents } from './stamp-events';


export interface ChatServerOptions extends PolicyOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 5000; 0 picks a free port. */
  readonly port?: number;
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
  /** Receives the server log (connections, messages, errors). */
  readonly onLog?: (log: LogOutput) => void;
  /** A line longer than this many bytes is dropped without being buffered whole. Default 4096. */
  readonly maxLineBytes?: number;
  /** A client whose unsent output passes this many bytes is evicted. Default 1 MiB. */
  readonly maxBufferBytes?: number;
  /** Prepended to client ids, to keep them unique across transports or processes sharing a chat. */
  readonly idPrefix?: string;
  /** How long close() waits for clients to hang up before destroying their sockets. Default 2000. */
  readonly closeTimeoutMs?: number;
  /** Serve TLS with this certificate and key (PEM) instead of plain TCP; the protocol inside is the same. */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
}

export interface ChatServer {
  readonly host: string;
  readonly port: number;
  /** Every output of the core, as it happens (hot). */
  readonly outputs$: Observable<ChatOutput>;
  /** Says goodbye to every client, flushes, closes every socket and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_LINE_BYTES = 4096;
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024;

function resolveOperators(options: ChatServerOptions): readonly ChatOperator[] {
  const { operators } = options;
  if (Array.isArray(operators)) return operators;
  const builtins = builtinOperators(options);
  return typeof operators === 'function' ? operators(builtins) : defaultOperators(builtins);
}

/** Starts a chat server on TCP (or TLS) and resolves once it accepts connections. */
export async function createChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }) : createServer();
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const transport = new TcpTransport(server, {
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    closeTimeoutMs,
    idPrefix: options.idPrefix,
    // A TLS socket is ready for lines only after its handshake.
    connectionEvent: options.tls ? 'secureConnection' : 'connection',
  });
  // Every raw socket, handshake or not: a TLS client that never finishes its handshake is unknown
  // to the transport, yet server.close() waits for it.
  const rawSockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
  });
  const destroyAll = () => {
    transport.destroyAll();
    for (const socket of rawSockets) socket.destroy();
  };
  const hub = new Subject<ChatEvent>();
  const outputs$ = new Subject<ChatOutput>();
  const core = chat();

  // The queue scheduler trampolines, right in front of the core: an event raised while another is
  // being handled (a close request ends its connection's stream at once; an operator's timer fires)
  // waits its turn instead of re-entering the core in the middle of another event's outputs.
  const events$ = resolveOperators(options)
    .reduce<Observable<ChatEvent>>((s, op) => op(s), hub.asObservable())
    // A caller's source (tests: names in connection order) is drawn once per connection; faker's 4 times.
    .pipe(stampEvents({ names: options.names ?? fakerNames(), now: options.now ?? Date.now, candidates: options.names ? 1 : undefined }));
  let failed = false;

  const subscriptions: Subscription[] = [];
  subscriptions.push(
    core(events$.pipe(observeOn(queueScheduler))).subscribe({
      next: (output) => {
        if (output.kind === 'log') options.onLog?.(output);
        else transport.handle(output);
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
  subscriptions.push(transport.events$.subscribe({ next: (event) => hub.next(event) }));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 5000, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing listens: leave nothing subscribed behind (an embedding caller may try another port).
    for (const subscription of subscriptions) subscription.unsubscribe();
    throw error;
  }
  const address = server.address() as AddressInfo;
  // After listen, an accept error (too many open files, ...) must be logged, not crash the process.
  server.on('error', (error) => console.error('[!] server error:', error.message));

  let closing: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
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

  return { host: address.address, port: address.port, outputs$: outputs$.asObservable(), close: shutdown };
}
