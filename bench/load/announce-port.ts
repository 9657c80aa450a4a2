/**
 * Preloaded into every server the bench starts (`node --require`). The server's stdout is
 * /dev/null, so its log costs what a redirected production log costs; this copies only the
 * `Server listening on H:P` line to fd 3, a pipe the bench reads, then steps out of the way.
 */
import { closeSync, writeSync } from 'node:fs';

const ANNOUNCE_FD = 3;
const stdout = process.stdout;
const original = stdout.write;

stdout.write = function (this: typeof stdout, chunk: unknown, ...rest: unknown[]): boolean {
  if (typeof chunk === 'string' && chunk.startsWith('Server listening on ')) {
    writeSync(ANNOUNCE_FD, chunk);
    closeSync(ANNOUNCE_FD);
    stdout.write = original; // no cost on the log lines that follow
  }
  return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof stdout.write;
