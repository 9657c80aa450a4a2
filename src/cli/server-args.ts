import { parseArgs } from 'node:util';
import { DEFAULT_ROOM, DEFAULT_ROOM_LIMITS, isValidRoomName } from '../core/rooms';
import { DEFAULT_POLICY } from '../operators/builtin-operators';
import { DEFAULT_RESUME_WINDOW_MS, DEFAULT_SCROLLBACK } from '../core/chat-state';
import { DEFAULT_HISTORY_LIMITS } from '../core/history';
import { HISTORY_PAGE_MAX } from '../core/remembering';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_TOTAL_BUFFER_BYTES,
} from '../server/create-chat-server';
import { DEFAULT_HTTP_PORT } from '../transports/websocket/websocket-transport';
import { DEFAULT_IRC_PORT, DEFAULT_IRC_TLS_PORT } from '../transports/irc/irc-transport';

export interface ServerArgs {
  readonly host: string;
  readonly port: number;
  readonly maxLineBytes: number;
  readonly rate: number;
  readonly burst: number;
  readonly maxBufferBytes: number;
  readonly maxClients: number;
  readonly idleTimeoutSeconds: number;
  readonly maxTotalBufferBytes: number;
  readonly maxClientsPerIp: number;
  readonly connectRate: number;
  readonly handshakeTimeoutSeconds: number;
  /** The room every client lands in. */
  readonly defaultRoom: string;
  readonly maxRooms: number;
  readonly maxRoomsPerClient: number;
  /** Serve TLS with these PEM files (both or neither). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** No log of connections and messages: only the listening line and errors. */
  readonly quiet: boolean;
  /**
   * The web page's HTTP port; undefined with --no-http. `httpPortNamed` says whether the user chose
   * it (flag or env): a busy port they named is an error, a busy default only a warning.
   */
  readonly httpPort?: number;
  readonly httpPortNamed: boolean;
  /**
   * IRC's port and IRC over TLS's (with --tls-cert/--tls-key); undefined with --no-irc. As for the
   * HTTP port, a busy port the user named is an error, a busy default only a warning.
   */
  readonly ircPort?: number;
  readonly ircPortNamed: boolean;
  readonly ircTlsPort?: number;
  readonly ircTlsPortNamed: boolean;
  /** The server's name in IRC replies (default: the host name). */
  readonly serverName?: string;
  /** A file whose lines are IRC's message of the day. */
  readonly motdFile?: string;
  /** Origins besides the page's own that may open the WebSocket. */
  readonly allowOrigins: readonly string[];
  /** Required as `Authorization: Bearer TOKEN` on /metrics. */
  readonly metricsToken?: string;
  /** The log's format: today's text lines, or one JSON object per line. */
  readonly logFormat: LogFormat;
  /** Message text in the JSON log (the text log always has it). */
  readonly logMessages: boolean;
  /** Share one chat with other processes over this Redis (`redis://host:port`); undefined: this process alone. */
  readonly redis?: string;
  /** The chat's name on that Redis, to keep several chats apart. */
  readonly chat: string;
  /** Seconds after which a process that stopped renewing its lease counts as dead. */
  readonly nodeTimeoutSeconds: number;
  readonly scrollback: number;
  readonly historyPerRoom: number;
  readonly historyMaxBytes: number;
  readonly resumeWindowSeconds: number;
  /** Keep history and sessions in this directory across restarts; undefined: in memory only. */
  readonly dataDir?: string;
  /** The store's fsync policy: what a power loss may cost. */
  readonly dataSync: DataSync;
}

/** `off`: no fsync (a power loss may lose recent writes); `normal`: fsync at checkpoints; `full`: fsync every batch. */
export type DataSync = 'off' | 'normal' | 'full';
const DATA_SYNCS: readonly DataSync[] = ['off', 'normal', 'full'];

export type LogFormat = 'text' | 'json';
const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export type ParsedServerArgs =
  { readonly kind: 'run'; readonly args: ServerArgs } | { readonly kind: 'help' } | { readonly kind: 'version' };

interface NumberFlag {
  readonly key: Exclude<
    keyof ServerArgs,
    | 'host'
    | 'defaultRoom'
    | 'tls'
    | 'quiet'
    | 'httpPort'
    | 'httpPortNamed'
    | 'ircPort'
    | 'ircPortNamed'
    | 'ircTlsPort'
    | 'ircTlsPortNamed'
    | 'serverName'
    | 'motdFile'
    | 'allowOrigins'
    | 'metricsToken'
    | 'logFormat'
    | 'logMessages'
    | 'redis'
    | 'chat'
    | 'dataDir'
    | 'dataSync'
  >;
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
  {
    key: 'port',
    flag: 'port',
    env: 'CHAT_PORT',
    value: 'PORT',
    fallback: 5000,
    min: 0,
    max: 65535,
    integer: true,
    help: 'port to listen on, 0 for any free port',
  },
  {
    key: 'maxLineBytes',
    flag: 'max-line-bytes',
    value: 'N',
    fallback: DEFAULT_MAX_LINE_BYTES,
    min: 1,
    integer: true,
    help: 'longest line a client may send, in bytes',
  },
  {
    key: 'rate',
    flag: 'rate',
    value: 'N',
    fallback: DEFAULT_POLICY.rate,
    min: 0,
    integer: false,
    help: 'lines per second per client, 0 for no limit',
  },
  {
    key: 'burst',
    flag: 'burst',
    value: 'N',
    fallback: DEFAULT_POLICY.burst,
    min: 1,
    integer: true,
    help: 'lines a client may send at once',
  },
  {
    key: 'maxBufferBytes',
    flag: 'max-buffer-bytes',
    value: 'N',
    fallback: DEFAULT_MAX_BUFFER_BYTES,
    min: 1,
    integer: true,
    help: 'unsent output past which a client is evicted',
  },
  {
    key: 'maxClients',
    flag: 'max-clients',
    value: 'N',
    fallback: DEFAULT_POLICY.maxClients,
    min: 1,
    integer: true,
    help: 'connections past which newcomers are refused',
  },
  {
    key: 'nodeTimeoutSeconds',
    flag: 'node-timeout',
    value: 'SECONDS',
    fallback: 10,
    min: 1,
    integer: false,
    help: "with --redis: a process silent that long is dead, its clients' leaves announced",
  },
  {
    key: 'maxTotalBufferBytes',
    flag: 'max-total-buffer-bytes',
    value: 'N',
    fallback: DEFAULT_MAX_TOTAL_BUFFER_BYTES,
    min: 1,
    integer: true,
    help: "all clients' unsent output together, past which the largest backlogs are evicted",
  },
  {
    key: 'maxClientsPerIp',
    flag: 'max-clients-per-ip',
    value: 'N',
    fallback: DEFAULT_POLICY.maxClientsPerIp,
    min: 0,
    integer: true,
    help: 'open connections per address (IPv6: per /64), 0 for no limit (behind a proxy)',
  },
  {
    key: 'connectRate',
    flag: 'connect-rate',
    value: 'N',
    fallback: DEFAULT_POLICY.connectRate,
    min: 0,
    integer: true,
    help: 'new connections per address per minute, 0 for no limit (behind a proxy)',
  },
  {
    key: 'handshakeTimeoutSeconds',
    flag: 'handshake-timeout',
    value: 'SECONDS',
    fallback: DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
    min: 1,
    integer: false,
    help: 'drop a TLS connection whose handshake takes longer',
  },
  {
    key: 'maxRooms',
    flag: 'max-rooms',
    value: 'N',
    fallback: DEFAULT_ROOM_LIMITS.maxRooms,
    min: 1,
    integer: true,
    help: 'rooms that may exist at once, the default room included',
  },
  {
    key: 'maxRoomsPerClient',
    flag: 'max-rooms-per-client',
    value: 'N',
    fallback: DEFAULT_ROOM_LIMITS.maxRoomsPerClient,
    min: 1,
    integer: true,
    help: 'rooms one client may be in at once',
  },
  {
    key: 'idleTimeoutSeconds',
    flag: 'idle-timeout',
    value: 'SECONDS',
    fallback: DEFAULT_POLICY.idleTimeoutSeconds,
    min: 0,
    integer: false,
    help: 'disconnect a client silent that long, 0 for never',
  },
  {
    key: 'scrollback',
    flag: 'scrollback',
    value: 'N',
    fallback: DEFAULT_SCROLLBACK,
    min: 0,
    max: HISTORY_PAGE_MAX,
    integer: true,
    help: "a room's last messages shown on joining it, 0 for none",
  },
  {
    key: 'historyPerRoom',
    flag: 'history',
    value: 'N',
    fallback: DEFAULT_HISTORY_LIMITS.perRoom,
    min: 0,
    integer: true,
    help: 'messages kept per room (scrollback, /history, resumes), 0 for none',
  },
  {
    key: 'historyMaxBytes',
    flag: 'history-bytes',
    value: 'N',
    fallback: DEFAULT_HISTORY_LIMITS.maxBytes,
    min: 1,
    integer: true,
    help: 'history kept over all rooms, in bytes, oldest dropped first',
  },
  {
    key: 'resumeWindowSeconds',
    flag: 'resume-window',
    value: 'SECONDS',
    fallback: DEFAULT_RESUME_WINDOW_MS / 1_000,
    min: 1,
    integer: false,
    help: "how long a dropped client's session (/session) waits for /resume, holding its name",
  },
];

function usageLine(name: string, help: string): string {
  return `  ${name.padEnd(28)} ${help}`;
}

export const SERVER_USAGE = [
  'Usage: rxchat-server [options]',
  '',
  'Options:',
  usageLine('--host HOST', 'address to listen on (env CHAT_HOST, default 127.0.0.1)'),
  usageLine('--default-room NAME', `the room every client lands in (env CHAT_DEFAULT_ROOM, default ${DEFAULT_ROOM})`),
  ...NUMBER_FLAGS.map((f) =>
    usageLine(`--${f.flag} ${f.value}`, `${f.help} (${f.env ? `env ${f.env}, ` : ''}default ${f.fallback})`),
  ),
  usageLine(
    '--http-port PORT',
    `web chat page, WebSocket (/ws), /metrics, /healthz and /readyz port, 0 for any free port (env CHAT_HTTP_PORT, default ${DEFAULT_HTTP_PORT})`,
  ),
  usageLine('--no-http', 'no web page, no WebSocket, and no /metrics, /healthz or /readyz'),
  usageLine('--irc-port PORT', `IRC port, 0 for any free port (env CHAT_IRC_PORT, default ${DEFAULT_IRC_PORT})`),
  usageLine('--irc-tls-port PORT', `IRC over TLS port, with --tls-cert/--tls-key (default ${DEFAULT_IRC_TLS_PORT})`),
  usageLine('--no-irc', 'no IRC (nor IRC over TLS)'),
  usageLine('--server-name NAME', "the server's name in IRC replies (default: this machine's host name)"),
  usageLine('--motd FILE', "IRC's message of the day, read from FILE at start (default: none)"),
  usageLine(
    '--metrics-token TOKEN',
    'require "Authorization: Bearer TOKEN" on /metrics (env CHAT_METRICS_TOKEN; default: none)',
  ),
  usageLine(
    '--allow-origin ORIGIN',
    "let another site's pages open the WebSocket (repeatable; default: the page's own origin only)",
  ),
  usageLine(
    '--tls-cert FILE',
    'serve TLS (and HTTPS/WSS on the HTTP port) with this certificate (PEM); needs --tls-key',
  ),
  usageLine('--tls-key FILE', "the certificate's private key (PEM); needs --tls-cert"),
  usageLine(
    '--redis URL',
    'share one chat with every process on this Redis, e.g. redis://127.0.0.1:6379 (env CHAT_REDIS_URL);',
  ),
  usageLine('', 'exits 1 if Redis cannot be reached at start, rides out later outages (messages held, then sent);'),
  usageLine('', '--max-clients, --rate and the other limits stay per process'),
  usageLine('--chat NAME', 'the chat on that Redis: processes with the same NAME share it (default rxchat)'),
  usageLine('--data-dir DIR', 'keep history and sessions in DIR across restarts (env CHAT_DATA_DIR; not with --redis)'),
  usageLine('--data-sync MODE', 'off, normal or full: what a power loss may cost (default normal; see README)'),
  usageLine('-q, --quiet', 'no log of connections and messages'),
  usageLine('--log-format FORMAT', 'text, or json: one JSON object per line (default text)'),
  usageLine('--log-messages', 'put message text in the JSON log (the text log always has it)'),
  usageLine('-h, --help', 'show this help'),
  usageLine('-v, --version', 'show the version'),
].join('\n');

/** Flags win over environment variables, which win over defaults. Throws with a clear message. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedServerArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    host: { type: 'string' },
    'default-room': { type: 'string' },
    'tls-cert': { type: 'string' },
    'http-port': { type: 'string' },
    'no-http': { type: 'boolean' },
    'irc-port': { type: 'string' },
    'irc-tls-port': { type: 'string' },
    'no-irc': { type: 'boolean' },
    'server-name': { type: 'string' },
    motd: { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    'tls-key': { type: 'string' },
    'metrics-token': { type: 'string' },
    'log-format': { type: 'string' },
    'log-messages': { type: 'boolean' },
    redis: { type: 'string' },
    chat: { type: 'string' },
    'data-dir': { type: 'string' },
    'data-sync': { type: 'string' },
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
  const defaultRoom = (values['default-room'] as string | undefined) ?? env['CHAT_DEFAULT_ROOM'] ?? DEFAULT_ROOM;
  if (!isValidRoomName(defaultRoom)) {
    throw new Error(`invalid --default-room: ${JSON.stringify(defaultRoom)} (use # and 1-32 of A-Z a-z 0-9 . _ -)`);
  }
  const certFile = values['tls-cert'] as string | undefined;
  const keyFile = values['tls-key'] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  const quiet = values['quiet'] === true;
  const httpText = (values['http-port'] as string | undefined) ?? env['CHAT_HTTP_PORT'];
  if (values['no-http'] === true && values['http-port'] !== undefined)
    throw new Error('--http-port and --no-http contradict each other');
  const httpPort =
    values['no-http'] === true
      ? undefined
      : httpText === undefined
        ? DEFAULT_HTTP_PORT
        : parsePort(httpText, 'http-port');
  const irc = parseIrcArgs(values, env, tls !== undefined);
  const allowOrigins = ((values['allow-origin'] as string[] | undefined) ?? []).map(parseOrigin);
  const metricsToken = (values['metrics-token'] as string | undefined) ?? env['CHAT_METRICS_TOKEN'];
  if (metricsToken !== undefined && !/^[\x21-\x7e]+$/.test(metricsToken)) {
    throw new Error('invalid --metrics-token: use printable ASCII without spaces');
  }
  if (values['no-http'] === true && values['metrics-token'] !== undefined)
    throw new Error('--metrics-token needs the HTTP port: it contradicts --no-http');
  const logFormat = (values['log-format'] as string | undefined) ?? 'text';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new Error(`invalid --log-format: ${JSON.stringify(logFormat)} (expected ${LOG_FORMATS.join(' or ')})`);
  }
  const redis = (values['redis'] as string | undefined) ?? env['CHAT_REDIS_URL'];
  if (redis !== undefined && !/^(rediss?:\/\/|\/)/.test(redis)) {
    throw new Error(
      `invalid --redis: ${JSON.stringify(redis)} (expected redis://HOST:PORT, rediss://... or a unix socket path)`,
    );
  }
  const chat = (values['chat'] as string | undefined) ?? 'rxchat';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(chat))
    throw new Error(`invalid --chat: ${JSON.stringify(chat)} (use 1-64 of A-Z a-z 0-9 . _ -)`);
  if (redis === undefined && values['chat'] !== undefined) throw new Error('--chat needs --redis');
  const dataDir = (values['data-dir'] as string | undefined) ?? env['CHAT_DATA_DIR'];
  if (dataDir !== undefined && dataDir.trim() === '') throw new Error('invalid --data-dir: it must not be empty');
  if (dataDir !== undefined && redis !== undefined) {
    throw new Error('--data-dir and --redis contradict each other: with --redis, history and sessions live in Redis');
  }
  const dataSync = (values['data-sync'] as string | undefined) ?? 'normal';
  if (!(DATA_SYNCS as readonly string[]).includes(dataSync)) {
    throw new Error(`invalid --data-sync: ${JSON.stringify(dataSync)} (expected ${DATA_SYNCS.join(', ')})`);
  }
  if (dataDir === undefined && values['data-sync'] !== undefined) throw new Error('--data-sync needs --data-dir');
  return {
    kind: 'run',
    args: {
      ...(redis === undefined ? {} : { redis }),
      chat,
      host,
      defaultRoom,
      ...numbers,
      quiet,
      ...(tls ? { tls } : {}),
      ...(httpPort === undefined ? {} : { httpPort }),
      httpPortNamed: httpText !== undefined,
      ...irc,
      allowOrigins,
      ...(metricsToken === undefined ? {} : { metricsToken }),
      logFormat: logFormat as LogFormat,
      logMessages: values['log-messages'] === true,
      ...(dataDir === undefined ? {} : { dataDir }),
      dataSync: dataSync as DataSync,
    },
  };
}

/** The IRC flags: ports (none with --no-irc; TLS only with a certificate), server name, MOTD file. */
function parseIrcArgs(
  values: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  tls: boolean,
): Pick<ServerArgs, 'ircPort' | 'ircPortNamed' | 'ircTlsPort' | 'ircTlsPortNamed' | 'serverName' | 'motdFile'> {
  const noIrc = values['no-irc'] === true;
  const ircText = (values['irc-port'] as string | undefined) ?? env['CHAT_IRC_PORT'];
  const tlsText = values['irc-tls-port'] as string | undefined;
  if (noIrc && (values['irc-port'] !== undefined || tlsText !== undefined))
    throw new Error('--irc-port and --irc-tls-port contradict --no-irc');
  if (tlsText !== undefined && !tls) throw new Error('--irc-tls-port needs --tls-cert and --tls-key');
  const serverName = values['server-name'] as string | undefined;
  if (serverName !== undefined && !/^[A-Za-z0-9.-]{1,63}$/.test(serverName)) {
    throw new Error(`invalid --server-name: ${JSON.stringify(serverName)} (use 1-63 of A-Z a-z 0-9 . -)`);
  }
  const motdFile = values['motd'] as string | undefined;
  const ircPort = noIrc ? undefined : ircText === undefined ? DEFAULT_IRC_PORT : parsePort(ircText, 'irc-port');
  const ircTlsPort =
    noIrc || !tls ? undefined : tlsText === undefined ? DEFAULT_IRC_TLS_PORT : parsePort(tlsText, 'irc-tls-port');
  return {
    ...(ircPort === undefined ? {} : { ircPort }),
    ircPortNamed: ircText !== undefined,
    ...(ircTlsPort === undefined ? {} : { ircTlsPort }),
    ircTlsPortNamed: tlsText !== undefined,
    ...(serverName === undefined ? {} : { serverName }),
    ...(motdFile === undefined ? {} : { motdFile }),
  };
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

/** A port in 0-65535, for callers that only need that; errors name `flag`. */
export function parsePort(text: string, flag = 'port'): number {
  return parseNumber({ ...NUMBER_FLAGS[0]!, flag }, text);
}

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
function parseOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== text.replace(/\/$/, '')) {
    throw new Error(
      `invalid --allow-origin: ${JSON.stringify(text)} (expected an origin such as https://chat.example.org)`,
    );
  }
  return url.origin;
}
