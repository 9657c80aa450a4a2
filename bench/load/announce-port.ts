/**
 * Preloaded into every server the bench starts (`node --require`). The server's stdout is
 * /dev/null, so its log costs what a redirected production log costs; this copies only the
 * `Server listening on H:P` line (or the one named by RXCHAT_BENCH_ANNOUNCE) to fd 3, a pipe the bench reads, then steps out of the way.
 * It also installs the memory probe below when asked.
 */
import { closeSync, writeFileSync, writeSync } from 'node:fs';

const ANNOUNCE_FD = 3;
/** The line that names the port the bench drives: the TCP one, or the web one for WebSocket scenarios. */
const PREFIX = process.env['RXCHAT_BENCH_ANNOUNCE'] ?? 'Server listening on ';
const stdout = process.stdout;
const original = stdout.write;

stdout.write = function (this: typeof stdout, chunk: unknown, ...rest: unknown[]): boolean {
  if (typeof chunk === 'string' && chunk.startsWith(PREFIX)) {
    writeSync(ANNOUNCE_FD, chunk);
    closeSync(ANNOUNCE_FD);
    stdout.write = original; // no cost on the log lines that follow
  }
  return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof stdout.write;

/**
 * The memory probe (RXCHAT_BENCH_MEMORY_FILE, with `node --expose-gc`): on SIGUSR2, a full GC, then
 * `process.memoryUsage()` as JSON in that file. The server exposes no GC of its own; this is the bench's.
 */
const memoryFile = process.env['RXCHAT_BENCH_MEMORY_FILE'];
const gc = (globalThis as { gc?: () => void }).gc;
if (memoryFile !== undefined && gc !== undefined) {
  process.on('SIGUSR2', () => {
    gc();
    writeFileSync(memoryFile, JSON.stringify(process.memoryUsage()));
  });
}
