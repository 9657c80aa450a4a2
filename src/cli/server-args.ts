import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../operators/builtin-operators';
import { DEFAULT_MAX_BUFFER_BYTES, DEFAULT_MAX_LINE_BYTES } from '../server/create-chat-server';

export interface ServerArgs {
  readonly host: string;
  readonly port: number;
  readonly maxLineBytes: number;
  readonly rate: number;
  readonly burst: number;
  readonly maxBufferBytes: number;
  readonly maxClients: number;
  readonly idleTimeoutSeconds: number;
  /** Serve TLS with these PEM files (both or neither). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** No log of connections and messages: only the listening line and errors. */
  readonly quiet: boolean;
}

export type ParsedServerArgs =
  | { readonly kind: 'run'; readonly args: ServerArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

interface NumberFlag {
  readonly key: Exclude<keyof ServerArgs, 'host' | 'tls' | 'quiet'>;
  readonly flag: string;
  readonly env?: string;
  readonly value: string;
  readonly fallback: number;
  readonly min: number;
  readonly max?: number;
  readonly integer: boolean;
  readonly help: string;
}

const NUMBER_FLAGS: readonly NumberFlag[] = [
  { key: 'port', flag: 'port', env: 'CHAT_PORT', value: 'PORT', fallback: 5000, min: 0, max: 65535, integer: true, help: 'port to listen on, 0 for any free port' },
  { key: 'maxLineBytes', flag: 'max-line-bytes', value: 'N', fallback: DEFAULT_MAX_LINE_BYTES, min: 1, integer: true, help: 'longest line a client may send, in bytes' },
  { key: 'rate', flag: 'rate', value: 'N', fallback: DEFAULT_POLICY.rate, min: 0, integer: false, help: 'lines per second per client, 0 for no limit' },
  { key: 'burst', flag: 'burst', value: 'N', fallback: DEFAULT_POLICY.burst, min: 1, integer: true, help: 'lines a client may send at once' },
  { key: 'maxBufferBytes', flag: 'max-buffer-bytes', value: 'N', fallback: DEFAULT_MAX_BUFFER_BYTES, min: 1, integer: true, help: 'unsent output past which a client is evicted' },
  { key: 'maxClients', flag: 'max-clients', value: 'N', fallback: DEFAULT_POLICY.maxClients, min: 1, integer: true, help: 'connections past which newcomers are refused' },
  { key: 'idleTimeoutSeconds', flag: 'idle-timeout', value: 'SECONDS', fallback: DEFAULT_POLICY.idleTimeoutSeconds, min: 0, integer: false, help: 'disconnect a client silent that long, 0 for never' },
];

function usageLine(name: string, help: string): string {
  return `  ${name.padEnd(26)} ${help}`;
}

export const SERVER_USAGE = [
  'Usage: rxchat-server [options]',
  '',
  'Options:',
  usageLine('--host HOST', 'address to listen on (env CHAT_HOST, default 127.0.0.1)'),
  ...NUMBER_FLAGS.map((f) =>
    usageLine(`--${f.flag} ${f.value}`, `${f.help} (${f.env ? `env ${f.env}, ` : ''}default ${f.fallback})`),
  ),
  usageLine('--tls-cert FILE', 'serve TLS with this certificate (PEM); needs --tls-key'),
  usageLine('--tls-key FILE', "the certificate's private key (PEM); needs --tls-cert"),
  usageLine('-q, --quiet', 'no log of connections and messages'),
  usageLine('-h, --help', 'show this help'),
  usageLine('-v, --version', 'show the version'),
].join('\n');

/** Flags win over environment variables, which win over defaults. Throws with a clear message. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedServerArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    host: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const f of NUMBER_FLAGS) options[f.flag] = { type: 'string' };
  const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  if (values['help']) return { kind: 'help' };
  if (values['version']) return { kind: 'version' };
  if (positionals.length > 0) throw new Error(`unexpected argument: ${positionals[0]}`);

  const host = (values['host'] as string | undefined) ?? env['CHAT_HOST'] ?? '127.0.0.1';
  if (host.trim() === '') throw new Error('invalid host: it must not be empty');
  const numbers = {} as Record<NumberFlag['key'], number>;
  for (const f of NUMBER_FLAGS) {
    const text = (values[f.flag] as string | undefined) ?? (f.env ? env[f.env] : undefined);
    numbers[f.key] = text === undefined ? f.fallback : parseNumber(f, text);
  }
  const certFile = values['tls-cert'] as string | undefined;
  const keyFile = values['tls-key'] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  const quiet = values['quiet'] === true;
  return { kind: 'run', args: { host, ...numbers, quiet, ...(tls ? { tls } : {}) } };
}

function parseNumber(f: NumberFlag, text: string): number {
  const pattern = f.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const value = Number(text.trim());
  const range = `${f.integer ? 'a whole number' : 'a number'} from ${f.min}${f.max === undefined ? ' up' : ` to ${f.max}`}`;
  if (!pattern.test(text.trim()) || value < f.min || (f.max !== undefined && value > f.max)) {
    throw new Error(`invalid --${f.flag}: ${JSON.stringify(text)} (expected ${range})`);
  }
  return value;
}

/** A port in 0-65535, for callers that only need that. */
export function parsePort(text: string): number {
  return parseNumber(NUMBER_FLAGS[0]!, text);
}
