import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TransportMetrics } from '../pipeline/reports';
import type { ChatTransport } from '../transports/chat-transport';
import { OutputBudget } from '../transports/output-budget';
import { TcpTransport } from '../transports/tcp/tcp-transport';
import { type RouteHandler, createWebServer, pageRoutes } from '../transports/http/web-server';
import { WebSocketTransport } from '../transports/websocket/websocket-transport';
import type { ChatDirectory } from '../transports/irc/chat-directory';
import { IrcTransport, type IrcTransportOptions } from '../transports/irc/irc-transport';
import type { ChatServerConfig } from './server-options';

/** The server's transports, not yet listening. */
export interface ServerTransports {
  /** The chat over TCP (or TLS): always there. */
  readonly tcp: ChatTransport;
  /** The web page, its WebSocket and the monitoring endpoints: when there is an HTTP port. */
  readonly web: ChatTransport | undefined;
  /** IRC, and IRC over TLS: when their ports are given. */
  readonly irc: ChatTransport | undefined;
  readonly ircTls: ChatTransport | undefined;
  /** Every one of them, TCP first. */
  readonly all: readonly ChatTransport[];
}

/**
 * The transports the config asks for: TCP (or TLS) always; the web page, WebSocket and `monitoring`
 * routes with an HTTP port; IRC with an IRC port, reading the chat's state through `directory`.
 */
export function createTransports(
  config: ChatServerConfig,
  metrics: TransportMetrics,
  monitoring: ReadonlyMap<string, RouteHandler>,
  directory?: ChatDirectory,
): ServerTransports {
  const shared = {
    host: config.host,
    maxLineBytes: config.maxLineBytes,
    maxBufferBytes: config.maxBufferBytes,
    closeTimeoutMs: config.closeTimeoutMs,
    metrics,
    // One budget for every transport's queue: the bound is on the server's memory, not per transport.
    budget: new OutputBudget(config.maxTotalBufferBytes),
  };
  const { tls, handshakeTimeoutMs } = config;
  const tcpServer = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: handshakeTimeoutMs })
    : createServer();
  const tcp = new TcpTransport(tcpServer, {
    ...shared,
    port: config.port,
    idPrefix: `${config.idPrefix}t`,
    defaultRoom: config.rooms.defaultRoom,
    // A TLS socket is ready for lines only after its handshake.
    connectionEvent: tls ? 'secureConnection' : 'connection',
  });
  const irc = ircTransports(config, shared, directory);
  if (config.httpPort === undefined) return { tcp, web: undefined, ...irc, all: [tcp, ...irc.all] };

  const routes = new Map([...pageRoutes(), ...monitoring, ...config.httpRoutes]);
  const webServer = createWebServer({ tls, routes, handshakeTimeoutMs });
  const web = new WebSocketTransport(webServer, {
    ...shared,
    port: config.httpPort,
    idPrefix: `${config.idPrefix}w`,
    secure: tls !== undefined,
    allowOrigins: config.allowOrigins,
  });
  return { tcp, web, ...irc, all: [tcp, web, ...irc.all] };
}

/** IRC on `ircPort`, IRC over TLS on `ircTlsPort` (with `tls`): the same transport on two servers. */
function ircTransports(
  config: ChatServerConfig,
  shared: Omit<IrcTransportOptions, 'port' | 'idPrefix'>,
  directory: ChatDirectory | undefined,
): { irc: ChatTransport | undefined; ircTls: ChatTransport | undefined; all: ChatTransport[] } {
  const options: IrcTransportOptions = {
    ...shared,
    defaultRoom: config.rooms.defaultRoom,
    maxRoomsPerClient: config.rooms.maxRoomsPerClient,
    serverName: config.serverName,
    ...(config.motd === undefined ? {} : { motd: config.motd }),
    version: packageVersion(),
    directory,
  };
  const irc =
    config.ircPort === undefined
      ? undefined
      : new IrcTransport(createServer(), { ...options, port: config.ircPort, idPrefix: `${config.idPrefix}i` });
  const { tls } = config;
  const ircTls =
    config.ircTlsPort === undefined || tls === undefined
      ? undefined
      : new IrcTransport(
          createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: config.handshakeTimeoutMs }),
          {
            ...options,
            port: config.ircTlsPort,
            idPrefix: `${config.idPrefix}s`,
            connectionEvent: 'secureConnection',
            name: 'irc-tls',
          },
        );
  return { irc, ircTls, all: [irc, ircTls].filter((t): t is IrcTransport => t !== undefined) };
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}
