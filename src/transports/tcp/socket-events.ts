import type { Socket } from 'node:net';
import { EMPTY, Observable, catchError, concat, endWith, map, of, takeUntil } from 'rxjs';
import type { ChatEvent, ClientId } from '../../core/events';
import { LineSplitter } from '../line-splitter';

/** A decoded line, or `TOO_LONG` where a line over the limit was dropped. */
export const TOO_LONG = Symbol('line too long');

/**
 * A socket's decoded lines: completes when the socket closes, errors when it fails.
 * Unsubscribing removes every listener it added, so a closed connection leaves nothing behind.
 */
export function socketLines(socket: Socket, maxLineBytes?: number): Observable<string | typeof TOO_LONG> {
  return new Observable<string | typeof TOO_LONG>((subscriber) => {
    const splitter = new LineSplitter(
      { line: (text) => subscriber.next(text), overflow: () => subscriber.next(TOO_LONG) },
      maxLineBytes,
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
 * for the chat (its slot is free), even while its last output is still being flushed.
 */
export function socketEvents(
  id: ClientId,
  socket: Socket,
  maxLineBytes?: number,
  hangUp$: Observable<unknown> = EMPTY,
): Observable<ChatEvent> {
  const remote = { address: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 };
  return concat(
    of<ChatEvent>({ type: 'connected', id, remote }),
    socketLines(socket, maxLineBytes).pipe(
      takeUntil(hangUp$),
      map(
        (text): ChatEvent =>
          text === TOO_LONG ? { type: 'line-too-long', id, maxBytes: maxLineBytes ?? 0 } : { type: 'line', id, text },
      ),
      endWith<ChatEvent>({ type: 'disconnected', id, reason: 'closed' }),
      catchError((error: Error) =>
        of<ChatEvent>({ type: 'disconnected', id, reason: 'error', error: describeError(error) }),
      ),
    ),
  );
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
