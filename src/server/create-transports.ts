import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TransportMetrics } from '../pipeline/reports';
import type { ChatTransport } from '../transports/chat-transport';
import { OutputBudget } from '../transports/output-budget';
import { TcpTransport } from '../transports/tcp/tcp-transport';
import { type RouteHandler, createWebServer, pageRoutes } from '../transports/http/web-server';
import { WebSocketTransport } from '../transports/websocket/websocket-transport';
import type { ChatServerConfig } from './server-options';

/** The server's transports, not yet listening. */
export interface ServerTransports {
  /** The chat over TCP (or TLS): always there. */
  readonly tcp: ChatTransport;
  /** The web page, its WebSocket and the monitoring endpoints: when there is an HTTP port. */
  readonly web: ChatTransport | undefined;
  /** Every one of them, TCP first. */
  readonly all: readonly ChatTransport[];
}

/**
 * The transports the config asks for: TCP (or TLS) always; the web page, WebSocket and `monitoring`
 * routes with an HTTP port.
 */
export function createTransports(
  config: ChatServerConfig,
  metrics: TransportMetrics,
  monitoring: ReadonlyMap<string, RouteHandler>,
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
  if (config.httpPort === undefined) return { tcp, web: undefined, all: [tcp] };

  const routes = new Map([...pageRoutes(), ...monitoring, ...config.httpRoutes]);
  const webServer = createWebServer({ tls, routes, handshakeTimeoutMs });
  const web = new WebSocketTransport(webServer, {
    ...shared,
    port: config.httpPort,
    idPrefix: `${config.idPrefix}w`,
    secure: tls !== undefined,
    allowOrigins: config.allowOrigins,
  });
  return { tcp, web, all: [tcp, web] };
}
