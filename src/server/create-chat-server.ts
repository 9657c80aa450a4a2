import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import type { ChatOutput } from '../core/events';
import { ChatMetrics } from '../metrics/chat-metrics';
import { monitoringRoutes } from '../metrics/monitoring-routes';
import { processMetrics } from '../metrics/process-metrics';
import type { ChatTransport } from '../transports/chat-transport';
import { type ChatPipeline, chatPipeline } from './chat-pipeline';
import { type ServerTransports, createTransports } from './create-transports';
import { stateDirectory } from './chat-directory';
import { Readiness } from './readiness';
import { type ChatServerConfig, type ChatServerOptions, resolveOptions } from './server-options';

export {
  DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_TOTAL_BUFFER_BYTES,
  type ChatServerOptions,
} from './server-options';

/** A running chat server. */
export interface ChatServer {
  readonly host: string;
  /** The TCP (or TLS) port. */
  readonly port: number;
  /** The HTTP(S) port of the page and WebSocket, when there is one. */
  readonly httpPort?: number;
  /** The IRC port, when there is one. */
  readonly ircPort?: number;
  /** The IRC-over-TLS port, when there is one. */
  readonly ircTlsPort?: number;
  /** Every output on its way to the transports (after storm summaries and `outputOperators`), as it happens (hot). */
  readonly outputs$: Observable<ChatOutput>;
  /**
   * The chat's metrics (`rxchat_*`) in a prom-client `Registry` of their own (`await metrics.metrics()` gives
   * the exposition text); GET /metrics serves them after Node's process metrics.
   */
  readonly metrics: Registry;
  /** Undefined while the server accepts chat connections; otherwise why not (what GET /readyz answers). */
  ready(): string | undefined;
  /** Says goodbye to every client, flushes, closes every socket and stops listening. */
  close(): Promise<void>;
}

/**
 * The server's shutdown, run once however often it is asked for: the goodbye through the relay, then
 * every transport closes; a failed pipeline's clients are cut off at once.
 */
function shutdownOnce(
  config: ChatServerConfig,
  transports: ServerTransports,
  pipeline: ChatPipeline,
  readiness: Readiness,
): () => Promise<void> {
  const destroyAll = () => {
    for (const transport of transports.all) transport.destroyAll();
  };
  let closing: Promise<void> | undefined;
  return () => {
    readiness.stop(pipeline.failed ? 'chat pipeline failed' : 'shutting down');
    closing ??= new Promise<void>((resolve) => {
      void Promise.all(transports.all.map((t) => t.close())).then(() => resolve());
      if (pipeline.failed) return destroyAll();
      // The goodbye goes through the relay: alone, the whole chat's shutdown; in a cluster, this
      // process's clients leave while the chat goes on.
      void config.relay
        .close()
        .catch((error: Error) => console.error('[!] relay close failed:', error.message))
        .finally(() => {
          // Each closing socket has its own timeout; this catches any that never got a close request.
          const deadline = setTimeout(destroyAll, config.closeTimeoutMs + 500);
          deadline.unref();
        });
    }).finally(() => pipeline.stop());
    return closing;
  };
}

/** Starts every transport in turn; if one cannot listen, closes the ones that do and rethrows. */
async function listenAll(transports: ServerTransports): Promise<void> {
  const listening: ChatTransport[] = [];
  try {
    for (const transport of transports.all) {
      await transport.listen();
      listening.push(transport);
    }
  } catch (error) {
    await Promise.all(listening.map((t) => t.close()));
    throw error;
  }
}

/**
 * Starts a chat server and resolves once every transport accepts connections. Transports feed one
 * hub; the operators and the core run once over it; every output goes to every transport, each
 * acting on its own clients.
 */
export async function createChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const config = resolveOptions(options);
  const { relay } = config;
  const metrics = new ChatMetrics({ onConnectionLog: config.onConnectionLog, now: config.now });
  const readiness = new Readiness([() => relay.unready(), () => config.ready?.()]);
  const monitoring = monitoringRoutes({
    registries: () => [processMetrics(), metrics.registry],
    token: config.metricsToken,
    ready: readiness.reason,
  });
  // The IRC transport reads the core's state (taken nicks, member lists): the pipeline holds it.
  const directory = stateDirectory(() => pipeline.state);
  const transports = createTransports(config, metrics, monitoring, directory);
  const pipeline = chatPipeline(config, metrics, transports.all);
  const shutdown = shutdownOnce(config, transports, pipeline, readiness);
  // A broken pipeline must not leave a server that accepts and ignores clients.
  pipeline.start(() => void shutdown());

  try {
    // Clients are accepted only once the chat's state is here (a late process restores a snapshot).
    await relay.ready();
    await listenAll(transports);
  } catch (error) {
    // Nothing listens: leave nothing behind (an embedding caller may try another port).
    pipeline.stop();
    await relay.close().catch(() => undefined);
    throw error;
  }

  readiness.accepting(transports.all);
  // The process's metrics start with the first server that serves them.
  if (config.httpPort !== undefined) processMetrics();

  const tcp = transports.tcp.address()!;
  const web = transports.web?.address();
  const irc = transports.irc?.address();
  const ircTls = transports.ircTls?.address();
  return {
    host: tcp.host,
    port: tcp.port,
    ...(web ? { httpPort: web.port } : {}),
    ...(irc ? { ircPort: irc.port } : {}),
    ...(ircTls ? { ircTlsPort: ircTls.port } : {}),
    outputs$: pipeline.outputs$,
    metrics: metrics.registry,
    ready: readiness.reason,
    close: shutdown,
  };
}
