import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RoomLimits } from '../core/rooms';
import { type ChatRelay, inMemoryRelay } from '../relay/chat-relay';
import type { ChatOperator } from '../pipeline/operator';
import type { LogOutput } from '../core/events';
import type { ChatStore } from '../core/records';
import type { ChatStateOptions } from '../core/chat-state';
import type { NameSource } from '../core/names';
import type { ConnectionLogEntry } from '../metrics/connection-log';
import type { BuiltinOperators, OperatorSlots, PolicyOptions } from '../operators/builtin-operators';
import type { CoalesceStormsOptions } from '../operators/coalesce-storms';
import type { OutputOperator } from '../pipeline/operator';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../transports/output-queue';
import type { RouteHandler } from '../transports/http/web-server';
import { fakerNames } from './faker-names';

/** How `createChatServer` is configured; every field has a default. */
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
  /** Speak IRC on this port (0 picks a free one). Leave it out for no IRC. */
  readonly ircPort?: number;
  /** Speak IRC over TLS on this port (needs `tls`). Leave it out for none. */
  readonly ircTlsPort?: number;
  /** The server's name in IRC replies. Default: the machine's host name. */
  readonly serverName?: string;
  /** IRC's message of the day, one entry per line; none: IRC clients are told there is none (422). */
  readonly motd?: readonly string[];
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
   * object's limits (`defaultOperators`). Slots add yours among them by a built-in's name
   * (`{ before: { commands: [diceRoll()] } }`) or replace or drop one; a function receives the
   * built-ins by name to arrange as it likes; an array replaces them all.
   */
  readonly operators?:
    readonly ChatOperator[] | OperatorSlots | ((builtins: BuiltinOperators) => readonly ChatOperator[]);
  /** How join and leave storms are summarised (`coalesceStorms`); false announces every one. */
  readonly storms?: CoalesceStormsOptions | false;
  /** Operators after the core, in order: after the storms are summarised, before the transports. */
  readonly outputOperators?: readonly OutputOperator[];
  /** Receives the server log (connections, messages, errors). */
  readonly onLog?: (log: LogOutput) => void;
  /** A line longer than this many bytes is dropped without being buffered whole. Default 4096. */
  readonly maxLineBytes?: number;
  /**
   * A client whose unsent output passes this many bytes is evicted if it took none of it for a
   * second (it stopped reading); one still draining is kept up to 16 times this. Default 256 KiB.
   */
  readonly maxBufferBytes?: number;
  /**
   * The unsent output of all clients together, over every transport: past it, clients that stopped
   * reading are evicted first (the longest quiet first, whatever their size), clients still draining
   * only when that is not enough. Default 64 MiB.
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
  /** Messages of a room shown to whoever joins it (the default room on connect too). Default 20; 0 shows none. */
  readonly scrollback?: number;
  /** Messages kept per room for scrollback, /history and resumes. Default 1,000; 0 keeps none (and gives no ids). */
  readonly historyPerRoom?: number;
  /** Bytes of history kept over all rooms (text and names), oldest dropped first. Default 64 MiB. */
  readonly historyMaxBytes?: number;
  /** How long a dropped client's session waits for `/resume`, holding its name. Default 120. */
  readonly resumeWindowSeconds?: number;
  /**
   * A durable copy of the history and sessions (`--data-dir`): loaded at start, and every change is
   * written to it before the deliveries it causes go out (batched per event-loop turn). Closed by `close()`.
   * One process only: in a cluster, history and sessions live in the relay's snapshots.
   */
  readonly store?: ChatStore;
}

/** Default of `ChatServerOptions.maxLineBytes`. */
export const DEFAULT_MAX_LINE_BYTES = 4096;
/** Default of `ChatServerOptions.maxBufferBytes`. */
export const DEFAULT_MAX_BUFFER_BYTES = 256 * 1024;
/** Default of `ChatServerOptions.maxTotalBufferBytes`. */
export const DEFAULT_MAX_TOTAL_BUFFER_BYTES = 64 * 1024 * 1024;
/** Default of `ChatServerOptions.handshakeTimeoutSeconds`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;

/** The options with every default filled in, once: what the transports, the pipeline and the lifecycle read. */
export interface ChatServerConfig {
  readonly host: string;
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly allowOrigins: readonly string[];
  readonly ircPort: number | undefined;
  readonly ircTlsPort: number | undefined;
  readonly serverName: string;
  readonly motd: readonly string[] | undefined;
  readonly httpRoutes: ReadonlyMap<string, RouteHandler>;
  readonly metricsToken: string | undefined;
  /** Readiness beyond listening and the relay, the caller's. */
  readonly ready: (() => string | undefined) | undefined;
  readonly onConnectionLog: ((entry: ConnectionLogEntry) => void) | undefined;
  readonly relay: ChatRelay;
  /** Whether the caller gave a relay: the relay's metrics and readiness are reported only then. */
  readonly clustered: boolean;
  readonly node: string;
  readonly names: NameSource;
  /** How many names a connection is offered from `names`: undefined for the stamp's default. */
  readonly nameCandidates: number | undefined;
  readonly now: () => number;
  /** The limits the built-in operators are configured with. */
  readonly policy: PolicyOptions;
  readonly operators: ChatServerOptions['operators'];
  readonly storms: CoalesceStormsOptions | false | undefined;
  readonly outputOperators: readonly OutputOperator[];
  readonly onLog: ((log: LogOutput) => void) | undefined;
  readonly maxLineBytes: number;
  readonly maxBufferBytes: number;
  readonly maxTotalBufferBytes: number;
  readonly handshakeTimeoutMs: number;
  /** Every client id starts with it; each transport adds its letter. */
  readonly idPrefix: string;
  readonly closeTimeoutMs: number;
  readonly tls: ChatServerOptions['tls'];
  /** The default room and the room limits, for the core (and the text protocol's prefixes). */
  readonly rooms: RoomLimits;
  /** What the core remembers: history bounds, scrollback, the resume window, records for a store. */
  readonly history: ChatStateOptions;
  readonly store: ChatStore | undefined;
}

/** Fills in every default of `options`. */
export function resolveOptions(options: ChatServerOptions): ChatServerConfig {
  // This process's part of every client id, and its name in a cluster: unique without configuration.
  const node = options.node ?? randomBytes(4).toString('hex');
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 5000,
    httpPort: options.httpPort,
    allowOrigins: options.allowOrigins ?? [],
    ircPort: options.ircPort,
    ircTlsPort: options.ircTlsPort,
    serverName: options.serverName ?? hostname(),
    motd: options.motd,
    httpRoutes: options.httpRoutes ?? new Map(),
    metricsToken: options.metricsToken,
    ready: options.ready,
    onConnectionLog: options.onConnectionLog,
    relay: options.relay ?? inMemoryRelay(),
    clustered: options.relay !== undefined,
    node,
    names: options.names ?? fakerNames(),
    // A caller's source (tests: names in connection order) is drawn once per connection; faker's 4 times.
    nameCandidates: options.names ? 1 : undefined,
    now: options.now ?? Date.now,
    policy: options,
    operators: options.operators,
    storms: options.storms,
    outputOperators: options.outputOperators ?? [],
    onLog: options.onLog,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxBufferBytes: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    maxTotalBufferBytes: options.maxTotalBufferBytes ?? DEFAULT_MAX_TOTAL_BUFFER_BYTES,
    handshakeTimeoutMs: (options.handshakeTimeoutSeconds ?? DEFAULT_HANDSHAKE_TIMEOUT_SECONDS) * 1_000,
    idPrefix: options.idPrefix ?? `${node}:`,
    rooms: {
      defaultRoom: options.defaultRoom,
      maxRooms: options.maxRooms,
      maxRoomsPerClient: options.maxRoomsPerClient,
    },
    history: {
      ...(options.scrollback === undefined ? {} : { scrollback: options.scrollback }),
      ...(options.historyPerRoom === undefined ? {} : { perRoom: options.historyPerRoom }),
      ...(options.historyMaxBytes === undefined ? {} : { maxBytes: options.historyMaxBytes }),
      ...(options.resumeWindowSeconds === undefined ? {} : { resumeWindowMs: options.resumeWindowSeconds * 1_000 }),
      records: options.store !== undefined,
    },
    store: options.store,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    tls: options.tls,
  };
}
