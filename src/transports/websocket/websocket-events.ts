import { EMPTY, Observable, catchError, concat, endWith, map, of, takeUntil } from 'rxjs';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ChatEvent, ClientId, RemoteAddress } from '../../core/events';

/** Close code for a binary frame (RFC 6455 section 7.4.1: unsupported data). */
export const CLOSE_UNSUPPORTED_DATA = 1003;

/**
 * A WebSocket's lines: a text frame is a line, as on TCP (an LF inside one separates lines), a text
 * frame over `maxLineBytes` is `null` (dropped, like an over-long TCP line), and a binary frame
 * closes the connection with 1003. Completes when the socket closes, errors when `ws` reports a
 * protocol violation (an oversized or invalid frame, which it closes with 1009 or 1002).
 */
export function webSocketLines(ws: WebSocket, maxLineBytes: number, socket?: Duplex): Observable<string | null> {
  return new Observable<string | null>((subscriber) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return ws.close(CLOSE_UNSUPPORTED_DATA, 'binary frames are not supported');
      if (data.length > maxLineBytes) return subscriber.next(null);
      for (const line of data.toString('utf8').split('\n')) subscriber.next(line.endsWith('\r') ? line.slice(0, -1) : line);
    };
    const onError = (error: Error) => subscriber.error(error);
    const onClose = () => subscriber.complete();
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onClose);
    // ws does not pass on its socket's errors (a failed write, an eviction): they end the stream too.
    socket?.on('error', onError);
    return () => {
      ws.off('message', onMessage);
      ws.off('error', onError);
      ws.off('close', onClose);
      socket?.off('error', onError);
    };
  });
}

/**
 * One WebSocket as chat events: connected, its lines, then exactly one disconnected. `hangUp$` ends
 * the stream when the server closes the connection, as for a TCP socket.
 */
export function webSocketEvents(
  id: ClientId,
  ws: WebSocket,
  remote: RemoteAddress,
  maxLineBytes: number,
  hangUp$: Observable<unknown> = EMPTY,
  socket?: Duplex,
): Observable<ChatEvent> {
  return concat(
    of<ChatEvent>({ type: 'connected', id, remote }),
    webSocketLines(ws, maxLineBytes, socket).pipe(
      takeUntil(hangUp$),
      map((text): ChatEvent => (text === null ? { type: 'line-too-long', id, maxBytes: maxLineBytes } : { type: 'line', id, text })),
      endWith<ChatEvent>({ type: 'disconnected', id, reason: 'closed' }),
      catchError((error: Error) => of<ChatEvent>({ type: 'disconnected', id, reason: 'error', error: error.message })),
    ),
  );
}
