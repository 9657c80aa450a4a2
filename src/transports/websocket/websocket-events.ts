import type { Duplex } from 'node:stream';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { Observable } from 'rxjs';
import type { WebSocket } from 'ws';
import type { ClientId, RemoteAddress } from '../../core/events';
import { type LineSink, type StopReading, connectionEvents, describeErrorMessage } from '../connection-events';
import { type MuteSwitch, countLf, findQuitLine, isMuted } from '../muted-input';

const LF = 0x0a;
const CR = 0x0d;

/** Close code for a binary frame (RFC 6455 section 7.4.1: unsupported data). */
export const CLOSE_UNSUPPORTED_DATA = 1003;

/**
 * Reads a WebSocket's lines into `sink`: a text frame is a line, as on TCP (an LF inside one
 * separates lines), a text frame over `maxLineBytes` is an `overflow` (dropped, like an over-long
 * TCP line), and a binary frame closes the connection with 1003. Ends with `closed` when the socket
 * closes, or `failed` when `ws` reports a protocol violation (an oversized or invalid frame, which
 * it closes with 1009 or 1002) or `socket` an error.
 * While `mute` is on, text frames are discarded undecoded (but a `/quit` line) and counted: one
 * count per socket read, reported once that read's frames are parsed.
 */
export function readWebSocketLines(
  ws: WebSocket,
  sink: LineSink,
  maxLineBytes: number,
  socket?: Duplex,
  mute?: MuteSwitch,
): StopReading {
  let discarded = 0;
  let reportQueued = false;
  const report = () => {
    reportQueued = false;
    if (discarded === 0) return;
    const lines = discarded;
    discarded = 0;
    sink.discarded(lines);
  };
  const discard = (data: Buffer) => {
    const quit = data.length > maxLineBytes ? -1 : findQuitLine(data, 0, data.length);
    const lines = data.length > maxLineBytes ? 1 : countLf(data, 0, data.length) + 1;
    if (quit === -1) {
      discarded += lines;
      // ws parses every frame of a read before this runs: one report per read, not per frame.
      if (!reportQueued) {
        reportQueued = true;
        queueMicrotask(report);
      }
      return;
    }
    discarded += lines - 1;
    report();
    const lf = data.indexOf(LF, quit);
    const end = lf === -1 ? data.length : lf;
    sink.line(data.toString('utf8', quit, end > quit && data[end - 1] === CR ? end - 1 : end));
  };
  const onMessage = (data: Buffer, isBinary: boolean) => {
    if (isBinary) return ws.close(CLOSE_UNSUPPORTED_DATA, 'binary frames are not supported');
    if (mute !== undefined && isMuted(mute, Date.now())) return discard(data);
    report();
    if (data.length > maxLineBytes) return sink.overflow();
    for (const line of data.toString('utf8').split('\n')) sink.line(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
  const onError = (error: Error) => sink.failed(error);
  const onClose = () => sink.closed();
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
}

/**
 * One WebSocket as chat events: connected, its lines, then exactly one disconnected. `hangUp$` ends
 * the stream when the server closes the connection, as for a TCP socket. (The transport itself
 * builds the same stream through its `ConnectionTable`.)
 */
export function webSocketEvents(
  id: ClientId,
  ws: WebSocket,
  remote: RemoteAddress,
  maxLineBytes: number,
  hangUp$?: Observable<unknown>,
  socket?: Duplex,
  mute?: MuteSwitch,
): Observable<PipelineEvent> {
  return connectionEvents(id, remote, (sink) => readWebSocketLines(ws, sink, maxLineBytes, socket, mute), {
    maxLineBytes,
    hangUp$,
    describeError: describeErrorMessage,
  });
}
