import type { Socket } from 'node:net';
import { EMPTY, Observable, catchError, concat, endWith, map, of, takeUntil } from 'rxjs';
import type { ClientId } from '../../core/events';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import { LineSplitter } from '../line-splitter';
import type { MuteSwitch } from '../muted-input';

/** A decoded line, or `TOO_LONG` where a line over the limit was dropped. */
export const TOO_LONG = Symbol('line too long');

/** What a socket's reader reports: a decoded line, `TOO_LONG`, or a number of lines discarded unread while muted. */
export type SocketInput = string | typeof TOO_LONG | number;

/**
 * A socket's decoded lines: completes when the socket closes, errors when it fails.
 * Unsubscribing removes every listener it added, so a closed connection leaves nothing behind.
 * While `mute` is on, complete lines are counted instead (see `LineSplitter`).
 */
export function socketLines(socket: Socket, maxLineBytes?: number, mute?: MuteSwitch): Observable<SocketInput> {
  return new Observable<SocketInput>((subscriber) => {
    const splitter = new LineSplitter(
      {
        line: (text) => subscriber.next(text),
        overflow: () => subscriber.next(TOO_LONG),
        discarded: (lines) => subscriber.next(lines),
      },
      maxLineBytes,
      mute,
    );
    const onData = (chunk: Buffer) => splitter.push(chunk);
    const onEnd = () => splitter.end();
    const onError = (error: Error) => subscriber.error(error);
    const onClose = () => subscriber.complete();
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    return () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
  });
}

/**
 * One connection as chat events: connected, its lines, then exactly one disconnected. `hangUp$`
 * ends the stream early when the server closes the connection: from then on the client is gone
 * for the chat (its slot is free), even while its last output is still being flushed. While
 * `mute` is on, lines are discarded and reported as `discarded` counts.
 */
export function socketEvents(
  id: ClientId,
  socket: Socket,
  maxLineBytes?: number,
  hangUp$: Observable<unknown> = EMPTY,
  mute?: MuteSwitch,
): Observable<PipelineEvent> {
  const remote = { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 };
  return concat(
    of<PipelineEvent>({ type: 'connected', id, remote }),
    socketLines(socket, maxLineBytes, mute).pipe(
      takeUntil(hangUp$),
      map((input): PipelineEvent => {
        if (input === TOO_LONG) return { type: 'line-too-long', id, maxBytes: maxLineBytes ?? 0 };
        if (typeof input === 'number') return { type: 'discarded', id, lines: input };
        return { type: 'line', id, text: input };
      }),
      endWith<PipelineEvent>({ type: 'disconnected', id, reason: 'closed' }),
      catchError((error: Error) =>
        of<PipelineEvent>({ type: 'disconnected', id, reason: 'error', error: describeError(error) }),
      ),
    ),
  );
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
