import type { Writable } from 'node:stream';

/** Past this much unwritten log, lines are dropped: a slow log reader must not grow the server. */
const DEFAULT_MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * Writes log lines to a stream without letting it hurt the server: a closed pipe (`| head`)
 * turns logging off instead of crashing, and a reader that falls behind loses lines, counted,
 * instead of buffering them without bound.
 */
export function createLogWriter(
  stream: Writable,
  maxBacklogBytes = DEFAULT_MAX_BACKLOG_BYTES,
  /** The line that reports dropped lines, in the log's format. */
  behind: (dropped: number) => string = (dropped) => `[!] log behind: ${dropped} lines dropped`,
): (line: string) => void {
  let dropped = 0;
  // Without a listener, EPIPE would be thrown as an uncaught error.
  stream.on('error', () => undefined);
  return (line) => {
    // A failed stream (closed pipe) takes no more writes: each would only make another error.
    if (stream.destroyed || !stream.writable) return;
    if (stream.writableLength > maxBacklogBytes) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      stream.write(`${behind(dropped)}\n`);
      dropped = 0;
    }
    stream.write(`${line}\n`);
  };
}
