import type { Socket } from 'node:net';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { Observable } from 'rxjs';
import type { ClientId } from '../../core/events';
import { type LineSink, type StopReading, connectionEvents, remoteOf } from '../connection-events';
import { LineSplitter } from '../line-splitter';
import type { MuteSwitch } from '../muted-input';

/**
 * Reads a socket's lines into `sink`, until it closes (`closed`) or fails (`failed`). While `mute`
 * is on, complete lines are counted instead (see `LineSplitter`). The splitter reports straight
 * into the sink: an idle socket costs its four listeners.
 */
export function readSocketLines(socket: Socket, sink: LineSink, maxLineBytes?: number, mute?: MuteSwitch): StopReading {
  const splitter = new LineSplitter(sink, maxLineBytes, mute);
  const onData = (chunk: Buffer) => splitter.push(chunk);
  const onEnd = () => splitter.end();
  const onError = (error: Error) => sink.failed(error);
  const onClose = () => sink.closed();
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
}

/**
 * One connection as chat events: connected, its lines, then exactly one disconnected. `hangUp$`
 * ends the stream early when the server closes the connection: from then on the client is gone
 * for the chat (its slot is free), even while its last output is still being flushed. While
 * `mute` is on, lines are discarded and reported as `discarded` counts. (The transport itself
 * builds the same stream through its `ConnectionTable`.)
 */
export function socketEvents(
  id: ClientId,
  socket: Socket,
  maxLineBytes?: number,
  hangUp$?: Observable<unknown>,
  mute?: MuteSwitch,
): Observable<PipelineEvent> {
  return connectionEvents(id, remoteOf(socket), (sink) => readSocketLines(socket, sink, maxLineBytes, mute), {
    maxLineBytes: maxLineBytes ?? 0,
    hangUp$,
  });
}
