import { parseArgs } from 'node:util';

export interface ClientTlsArgs {
  /** PEM file of a CA to trust besides the system's (for a private or self-signed server certificate). */
  readonly caFile?: string;
  /** Skip certificate verification (warned about on stderr). */
  readonly insecure: boolean;
}

export interface ClientArgs {
  readonly host: string;
  readonly port: number;
  /** Present when the connection is TLS. */
  readonly tls?: ClientTlsArgs;
  /** Interactive mode: retry with backoff when the server goes away, instead of exiting. */
  readonly reconnect: boolean;
}

export type ParsedClientArgs =
  { readonly kind: 'run'; readonly args: ClientArgs } | { readonly kind: 'help' } | { readonly kind: 'version' };

export const CLIENT_USAGE = `Usage: rxchat [options]

Connects to an rxchat server. On a terminal: a prompt, with incoming lines printed above it.
With stdin not a terminal: sends each stdin line, prints each server line, exits at end of input.

Options:
  --host HOST       server address (env CHAT_HOST, default 127.0.0.1)
  --port PORT       server port (env CHAT_PORT, default 5000)
  --tls             connect with TLS; the certificate is verified
  --ca FILE         trust this CA (PEM) too, e.g. for a private or self-signed certificate
  --insecure        with --tls: do not verify the certificate (unsafe)
  --no-reconnect    exit when the server goes away instead of retrying
  -h, --help        show this help
  -v, --version     show the version`;

/** Flags win over environment variables, which win over defaults. Throws with a clear message. */
export function parseClientArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedClientArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'boolean' },
      ca: { type: 'string' },
      insecure: { type: 'boolean' },
      'no-reconnect': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (positionals.length > 0) throw new Error(`unexpected argument: ${positionals[0]}`);
  const host = values.host ?? env['CHAT_HOST'] ?? '127.0.0.1';
  if (host.trim() === '') throw new Error('invalid host: it must not be empty');
  const port = parseClientPort(values.port ?? env['CHAT_PORT'] ?? '5000');
  // Refuse rather than guess: --ca or --insecure without --tls would silently connect in plain text.
  if (!values.tls && (values.ca !== undefined || values.insecure)) {
    throw new Error('--ca and --insecure only apply with --tls');
  }
  if (values.ca !== undefined && values.insecure) throw new Error('--ca and --insecure contradict each other');
  const tls: ClientTlsArgs | undefined = values.tls
    ? { insecure: values.insecure ?? false, ...(values.ca !== undefined ? { caFile: values.ca } : {}) }
    : undefined;
  return { kind: 'run', args: { host, port, reconnect: !values['no-reconnect'], ...(tls ? { tls } : {}) } };
}

/** A port to connect to: 1-65535 (0 means "any" only when listening). */
export function parseClientPort(text: string): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`invalid port: ${JSON.stringify(text)} (expected 1-65535)`);
  return port;
}
