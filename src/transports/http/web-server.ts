import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';

/** Answers one GET (or HEAD) request for a path. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** No inline script or style, nothing from elsewhere: user text can never become code. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
} as const;

/** The page's files, beside src/ and dist/ in the package (both are three levels below its root). */
const WEB_DIR = join(__dirname, '..', '..', '..', 'web');

const PAGE_FILES: readonly (readonly [path: string, file: string, type: string])[] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/chat.js', 'chat.js', 'text/javascript; charset=utf-8'],
  ['/chat.css', 'chat.css', 'text/css; charset=utf-8'],
  ['/favicon.svg', 'favicon.svg', 'image/svg+xml'],
  // Browsers ask for /favicon.ico on their own (the page links the SVG): the same icon answers.
  ['/favicon.ico', 'favicon.svg', 'image/svg+xml'],
];

/** The chat page's routes: its files, read once. */
export function pageRoutes(webDir = WEB_DIR): Map<string, RouteHandler> {
  const routes = new Map<string, RouteHandler>();
  for (const [path, file, type] of PAGE_FILES) {
    const body = readFileSync(join(webDir, file));
    routes.set(path, (request, response) => {
      response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
  }
  return routes;
}

/** Sends a short plain-text answer with the security headers. */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...headers,
  });
  response.end(body);
}

export interface WebServerOptions {
  /** Serve HTTPS (and so WSS) with this certificate and key (PEM). */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
  readonly routes: ReadonlyMap<string, RouteHandler>;
  /** With `tls`: a connection whose TLS handshake takes longer is destroyed (by https.Server, on its `tlsClientError`). Default 10 s. */
  readonly handshakeTimeoutMs?: number;
  /**
   * A connection that has not sent a whole request head (or any byte) this long after connecting,
   * or after its last response on a kept-alive connection, gets 408 and is closed. Default 10 s.
   */
  readonly headersTimeoutMs?: number;
}

/** How often Node looks for requests past `headersTimeout`/`requestTimeout` (its default, 30 s, would let a silent socket stay 40 s). */
const TIMEOUT_CHECK_MS = 1_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** An HTTP(S) server for the page and read-only endpoints: GET/HEAD only, exact paths, nothing else. */
export function createWebServer(options: WebServerOptions): Server {
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = options.routes.get(path);
    if (route === undefined) return sendText(response, 404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    route(request, response);
  };
  const common = { connectionsCheckingInterval: TIMEOUT_CHECK_MS };
  const server: Server = options.tls
    ? (createHttpsServer(
        {
          ...common,
          cert: options.tls.cert,
          key: options.tls.key,
          handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        },
        handle,
      ) as unknown as Server)
    : createServer(common, handle);
  // Slow or idle HTTP clients must not hold sockets for long: the page is small. A request that
  // never upgrades to a WebSocket is bounded by these, and a WebSocket by the chat's admission.
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
