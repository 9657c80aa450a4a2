import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';

export interface ScriptedOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly socket: Socket;
  /** After the last line is sent: hang up once the server has been quiet this long. Default 300 ms. */
  readonly quietMs?: number;
  /** After the last line is sent: hang up after this long at most, quiet or not. Default 2 s. */
  readonly lingerMs?: number;
  /** Reports a connection error (the exit code is then 1). */
  readonly onError?: (error: Error) => void;
}

/**
 * The client in a pipeline, like `nc`: each input line is sent, the server's bytes go to output
 * unchanged. At end of input it waits for the lines to be flushed and, briefly, for the answers
 * to them (the server may still be sending), then hangs up. Resolves with the exit code.
 */
export function runScripted(options: ScriptedOptions): Promise<number> {
  const { input, output, socket } = options;
  const quietMs = options.quietMs ?? 300;
  const lingerMs = options.lingerMs ?? 2_000;

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const timers: NodeJS.Timeout[] = [];
    const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });

    socket.pipe(output as NodeJS.WritableStream, { end: false });
    socket.on('error', (error) => {
      exitCode = 1;
      options.onError?.(error);
    });
    // The server hung up (or we did): done, even if input is still open, like nc.
    socket.once('close', () => {
      timers.forEach(clearTimeout);
      rl.close();
      resolve(exitCode);
    });

    rl.on('line', (line) => {
      // Backpressure: stop reading input while the socket's buffer is full.
      if (!socket.write(`${line}\n`)) {
        rl.pause();
        socket.once('drain', () => rl.resume());
      }
    });
    rl.once('close', () => {
      if (socket.destroyed) return;
      // An empty write's callback runs once everything before it is handed to the OS.
      socket.write('', () => linger());
    });

    function linger(): void {
      const hangUp = () => {
        socket.end();
        timers.push(setTimeout(() => socket.destroy(), 1_000));
      };
      let quiet = setTimeout(hangUp, quietMs);
      socket.on('data', () => {
        clearTimeout(quiet);
        quiet = setTimeout(hangUp, quietMs);
        timers.push(quiet);
      });
      timers.push(quiet, setTimeout(hangUp, lingerMs));
    }
  });
}
