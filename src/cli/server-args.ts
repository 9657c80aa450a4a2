import { parseArgs } from 'node:util';

export interface ServerArgs {
  readonly host: string;
  readonly port: number;
  /** Serve TLS with these PEM files (both or neither). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export type ParsedServerArgs =
  | { readonly kind: 'run'; readonly args: ServerArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

export const SERVER_USAGE = `Usage: rxchat-server [options]

Options:
  --host HOST   address to listen on (env CHAT_HOST, default 127.0.0.1)
  --port PORT   port to listen on, 0 for any free port (env CHAT_PORT, default 5000)
  --tls-cert FILE  serve TLS with this certificate (PEM); needs --tls-key
  --tls-key FILE   the certificate's private key (PEM); needs --tls-cert
  -h, --help    show this help
  -v, --version show the version`;

/** Flags win over environment variables, which win over defaults. Throws with a clear message. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedServerArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
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
  const port = parsePort(values.port ?? env['CHAT_PORT'] ?? '5000');
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  return { kind: 'run', args: { host, port, ...(tls ? { tls } : {}) } };
}

export function parsePort(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`invalid port: ${JSON.stringify(text)} (expected 0-65535)`);
  const port = Number(text);
  if (port > 65535) throw new Error(`invalid port: ${text} (expected 0-65535)`);
  return port;
}
