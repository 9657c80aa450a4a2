#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CLIENT_USAGE, type ClientArgs, parseClientArgs } from '../client/client-args';
import { type DialTarget, describeDialError, dial } from '../client/dial';
import { runInteractive } from '../client/interactive';
import { colourEnabled } from '../client/line-style';
import { ReconnectingConnection } from '../client/reconnecting-connection';
import { runScripted } from '../client/scripted';

function fail(message: string, code: number): never {
  process.stderr.write(`rxchat: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseClientArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`rxchat: ${(error as Error).message}\n\n${CLIENT_USAGE}\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(`${CLIENT_USAGE}\n`);
  if (parsed.kind === 'version') return void process.stdout.write(`${packageVersion()}\n`);

  const target = dialTarget(parsed.args);
  if (target.tls?.insecure) {
    process.stderr.write('rxchat: warning: --insecure: the server certificate is not verified\n');
  }
  const label = `${target.host}:${target.port}`;
  const interactive = process.stdin.isTTY === true;

  let code: number;
  if (interactive) {
    const connection = await ReconnectingConnection.open({
      dial: () => dial(target),
      reconnect: parsed.args.reconnect,
      describe: (error) => describeDialError(error, target),
    }).catch((error: unknown) => fail(describeDialError(error, target), 1));
    code = await runInteractive({
      input: process.stdin,
      output: process.stdout,
      connection,
      terminal: process.stdout.isTTY === true,
      colour: colourEnabled(process.env, process.stdout),
      label,
    });
  } else {
    const socket = await dial(target).catch((error: unknown) => fail(describeDialError(error, target), 1));
    code = await runScripted({
      input: process.stdin,
      output: process.stdout,
      socket,
      onError: (error) => process.stderr.write(`rxchat: connection to ${label} failed: ${error.message}\n`),
    });
  }
  // stdin may still be open (the server hung up first): exit rather than wait for it, once stdout is flushed.
  process.stdout.write('', () => process.exit(code));
}

/** Reads the CA file up front, so that a bad path is reported once, by name. */
function dialTarget(args: ClientArgs): DialTarget {
  const { host, port, tls } = args;
  if (tls === undefined) return { host, port };
  let ca: Buffer | undefined;
  if (tls.caFile !== undefined) {
    try {
      ca = readFileSync(tls.caFile);
    } catch (error) {
      fail(`cannot read CA file ${tls.caFile}: ${(error as Error).message}`, 2);
    }
  }
  return { host, port, tls: { insecure: tls.insecure, ...(ca ? { ca } : {}) } };
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

// A reader that goes away (`rxchat | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

void main();
