import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import { type RouteHandler, sendText } from '../transports/http/web-server';

export interface MonitoringOptions {
  /** Scraped in order, their texts joined: e.g. the process's metrics, then the chat's. */
  readonly registries: () => readonly Registry[];
  /** When set, GET /metrics requires `Authorization: Bearer TOKEN`. */
  readonly token?: string;
  /** Undefined while the server accepts chat connections; otherwise why not. */
  readonly ready: () => string | undefined;
}

/**
 * The operator's endpoints on the HTTP port, read-only and cheap: `/metrics` (Prometheus text),
 * `/healthz` (200 while the process serves) and `/readyz` (200 while it accepts chat connections,
 * 503 with the reason otherwise).
 */
export function monitoringRoutes(options: MonitoringOptions): Map<string, RouteHandler> {
  const authorized = options.token === undefined ? () => true : bearerCheck(options.token);
  return new Map<string, RouteHandler>([
    [
      '/metrics',
      (request, response) => {
        if (!authorized(request)) {
          return sendText(response, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="rxchat metrics"' });
        }
        const registries = options.registries();
        void Promise.all(registries.map((registry) => registry.metrics())).then(
          (texts) =>
            sendText(response, 200, texts.map((text) => text.trimEnd()).join('\n'), {
              'Content-Type': registries[0]!.contentType,
            }),
          (error: Error) => sendText(response, 500, `metrics failed: ${error.message}`),
        );
      },
    ],
    ['/healthz', (_request, response) => sendText(response, 200, 'ok')],
    [
      '/readyz',
      (_request, response) => {
        const reason = options.ready();
        if (reason === undefined) sendText(response, 200, 'ready');
        else sendText(response, 503, reason);
      },
    ],
  ]);
}

/** Compares the request's bearer token with `token` in constant time (both hashed, so lengths match too). */
function bearerCheck(token: string): (request: IncomingMessage) => boolean {
  const expected = sha256(token);
  return (request) => {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
    return match !== null && timingSafeEqual(sha256(match[1]!), expected);
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
