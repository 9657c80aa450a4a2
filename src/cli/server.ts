#!/usr/bin/env node
import { createChatServer } from '../server/create-chat-server';
import { formatLog } from './log-format';
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
  const { quiet, ...options } = parsed.args;
  const server = await createChatServer({
    ...options,
    tls,
    onLog: quiet ? undefined : (log) => process.stdout.write(`${formatLog(log.entry)}\n`),
  }).catch((error: NodeJS.ErrnoException) => {
    process.stderr.write(`rxchat-server: cannot listen on ${parsed.args.host}:${parsed.args.port}: ${error.message}\n`);
    process.exit(1);
  });
  process.stdout.write(`Server listening on ${server.host}:${server.port}\n`);

  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`[*] ${signal} received, shutting down\n`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

void main();
