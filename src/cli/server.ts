#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { LogOutput } from '../core/events';
import { RelayUnreachableError, redisRelay } from '../relay/redis-relay';
import { createChatServer } from '../server/create-chat-server';
import type { ChatStore } from '../core/records';
import { openChatStore } from '../store/open-data-dir';
import { formatJsonConnectionLog, formatJsonLog, jsonLogLine } from '../format/json-log';
import { formatLog } from '../format/log-format';
import { createLogWriter } from './log-writer';
import { SERVER_USAGE, parseServerArgs } from './server-args';
import { loadTlsFiles } from './tls-files';

const EXIT_DEADLINE_MS = 4_500;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseServerArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`rxchat-server: ${(error as Error).message}\nTry --help for the list of options.\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(`${SERVER_USAGE}\n`);
  if (parsed.kind === 'version') return void process.stdout.write(`${packageVersion()}\n`);

  let tls;
  try {
    tls = parsed.args.tls && loadTlsFiles(parsed.args.tls);
  } catch (error) {
    process.stderr.write(`rxchat-server: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const {
    quiet,
    httpPortNamed,
    ircPortNamed,
    ircTlsPortNamed,
    motdFile,
    logFormat,
    logMessages,
    redis,
    chat,
    nodeTimeoutSeconds,
    dataDir,
    dataSync,
    ...options
  } = parsed.args;
  let motd: string[] | undefined;
  try {
    motd = motdFile === undefined ? undefined : readMotd(motdFile);
  } catch (error) {
    process.stderr.write(`rxchat-server: ${(error as Error).message}\n`);
    process.exit(1);
  }
  let store: ChatStore | undefined;
  if (dataDir !== undefined) {
    try {
      store = openChatStore(dataDir, {
        historyLimit: options.historyPerRoom,
        sync: dataSync,
        onLog: (m) => process.stderr.write(`rxchat-server: ${m}\n`),
      });
    } catch (error) {
      process.stderr.write(`rxchat-server: cannot use --data-dir ${dataDir}: ${(error as Error).message}\n`);
      process.exit(1);
    }
  }
  const json = logFormat === 'json';
  const print = createLogWriter(
    process.stdout,
    undefined,
    json ? (lines) => jsonLogLine(Date.now(), 'warn', 'log-behind', { dropped: lines }) : undefined,
  );
  const format = json
    ? (log: LogOutput) => formatJsonLog(log.entry, log.at, { messages: logMessages })
    : (log: LogOutput) => formatLog(log.entry);
  // The relay's own news (outages, recoveries, resyncs) goes to the log whatever --quiet says.
  const relayLog = (message: string) =>
    print(json ? jsonLogLine(Date.now(), 'warn', 'relay', { message }) : `[!] relay: ${message}`);
  const start = (ports: OptionalPorts) =>
    createChatServer({
      ...options,
      ...ports,
      ...(motd === undefined ? {} : { motd }),
      tls,
      ...(store === undefined ? {} : { store }),
      ...(redis === undefined
        ? {}
        : { relay: redisRelay({ url: redis, chat, leaseMs: leaseFor(nodeTimeoutSeconds), onLog: relayLog }) }),
      onLog: quiet ? undefined : (log) => print(format(log)),
      // Evictions and refusals have no text line today: the text log stays as it was.
      onConnectionLog: quiet || !json ? undefined : (entry) => print(formatJsonConnectionLog(entry)),
    });
  // A busy default port of the page or of IRC is no reason to refuse the chat: two servers on one
  // machine both run, without what the first one took.
  const optional: OptionalPort[] = [
    { key: 'httpPort', named: httpPortNamed, what: 'web chat', flag: '--http-port' },
    { key: 'ircPort', named: ircPortNamed, what: 'IRC', flag: '--irc-port' },
    { key: 'ircTlsPort', named: ircTlsPortNamed, what: 'IRC over TLS', flag: '--irc-tls-port' },
  ];
  const startWithout = async (ports: OptionalPorts): Promise<Awaited<ReturnType<typeof start>>> => {
    try {
      return await start(ports);
    } catch (caught) {
      const error = caught as NodeJS.ErrnoException & { port?: number };
      const busy = optional.find(
        (port) =>
          !port.named && ports[port.key] !== undefined && error.code === 'EADDRINUSE' && error.port === ports[port.key],
      );
      if (busy === undefined) throw error;
      process.stderr.write(
        `rxchat-server: ${busy.what} off: port ${ports[busy.key]} is in use (choose one with ${busy.flag})\n`,
      );
      return startWithout({ ...ports, [busy.key]: undefined });
    }
  };
  const server = await startWithout({
    httpPort: options.httpPort,
    ircPort: options.ircPort,
    ircTlsPort: options.ircTlsPort,
  }).catch((error: NodeJS.ErrnoException & { port?: number }) => {
    if (error instanceof RelayUnreachableError) {
      process.stderr.write(`rxchat-server: ${error.message}\n`);
      process.exit(1);
    }
    const port = error.port ?? parsed.args.port;
    process.stderr.write(`rxchat-server: cannot listen on ${parsed.args.host}:${port}: ${error.message}\n`);
    process.exit(1);
  });
  const url =
    server.httpPort === undefined
      ? undefined
      : `${tls ? 'https' : 'http'}://${urlHost(server.host)}:${server.httpPort}/`;
  const irc = {
    ...(server.ircPort === undefined ? {} : { ircPort: server.ircPort }),
    ...(server.ircTlsPort === undefined ? {} : { ircTlsPort: server.ircTlsPort }),
  };
  if (json) {
    const web = url === undefined ? {} : { httpPort: server.httpPort, url };
    print(
      jsonLogLine(Date.now(), 'info', 'listening', {
        host: server.host,
        port: server.port,
        tls: tls !== undefined,
        ...web,
        ...irc,
      }),
    );
  } else {
    print(`Server listening on ${server.host}:${server.port}`);
    if (url !== undefined) print(`Web chat on ${url}`);
    if (server.ircPort !== undefined) print(`IRC on ${server.host}:${server.ircPort}`);
    if (server.ircTlsPort !== undefined) print(`IRC over TLS on ${server.host}:${server.ircTlsPort}`);
  }
  // A core that failed cannot serve anyone: say so and exit non-zero.
  server.outputs$.subscribe({
    error: () => {
      process.exitCode = 1;
    },
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while the goodbyes are flushing means: now.
    if (stopping) process.exit(1);
    stopping = true;
    print(json ? jsonLogLine(Date.now(), 'info', 'shutdown', { signal }) : `[*] ${signal} received, shutting down`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    void server.close().then(() => process.exit(process.exitCode ?? 0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The terminal that started the server went away (or an operator sent it): nothing to reload, so
  // leave as gracefully as on SIGTERM rather than die without a goodbye (Node's default).
  process.on('SIGHUP', stop);
}

/** The ports the server may run without when their default is busy. */
interface OptionalPorts {
  readonly httpPort: number | undefined;
  readonly ircPort: number | undefined;
  readonly ircTlsPort: number | undefined;
}

interface OptionalPort {
  readonly key: keyof OptionalPorts;
  /** Chosen by the user: busy, it is an error. */
  readonly named: boolean;
  readonly what: string;
  readonly flag: string;
}

/** The message of the day: the file's lines, without trailing blanks (a missing file is an error). */
function readMotd(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --motd ${file}: ${(error as Error).message}`, { cause: error });
  }
  return text.replace(/\s+$/, '').split(/\r?\n/);
}

/**
 * A dead process's lease runs out at most one lease after its last renewal, and survivors look every
 * third of a lease: three quarters of the timeout keeps "declared dead within the timeout" true.
 */
function leaseFor(nodeTimeoutSeconds: number): number {
  return Math.round((nodeTimeoutSeconds * 1_000 * 3) / 4);
}

/** An IPv6 address goes in brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

void main();
