import type { Socket } from 'node:net';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { Observable } from 'rxjs';
import type { ClientId } from '../../core/events';
import { type LineSink, type StopReading, connectionEvents, remoteOf } from '../connection-events';
import { LineSplitter } from '../line-splitter';
import type { MuteSwitch } from '../muted-input';

/** A socket's splitter, kept on the socket itself while it is read (see `readSocketLines`). */
const kReader = Symbol('rxchat.lineReader');

/** The splitter reading a socket, and the sink it reports to. */
class SocketReader extends LineSplitter {
  constructor(
    readonly sink: LineSink,
    maxLineBytes: number | undefined,
    mute: MuteSwitch | undefined,
  ) {
    super(sink, maxLineBytes, mute);
  }
}

/**
 * A connection read by `readWireLines`: its own sink and mute, and the limit its splitter cuts lines
 * at (undefined: none). It holds the socket's reader slot until its first bytes, when its splitter is made.
 */
export interface WireConnection extends LineSink, MuteSwitch {
  readonly wire: Socket;
  readonly readerMaxLineBytes: number | undefined;
}

type ReadSocket = Socket & { [kReader]?: SocketReader | WireConnection | undefined };

/** The socket's splitter, made now for a connection that had sent nothing yet. */
function readerOf(socket: ReadSocket): SocketReader | undefined {
  const reader = socket[kReader];
  if (reader === undefined || reader instanceof SocketReader) return reader;
  const made = new SocketReader(reader, reader.readerMaxLineBytes, reader);
  socket[kReader] = made;
  // Only a splitter can hold an unfinished line for the end: the listener comes with it, so that an
  // idle socket's 'end' has Node's listener alone, not an array of two.
  socket.on('end', onEnd);
  return made;
}

/** Where the socket's reader reports. */
function sinkOf(socket: ReadSocket): LineSink | undefined {
  const reader = socket[kReader];
  return reader instanceof SocketReader ? reader.sink : reader;
}

// One set of listeners for every socket: each finds its reader on the socket (`this`), so an idle
// connection costs no closures of its own.
function onData(this: ReadSocket, chunk: Buffer): void {
  readerOf(this)?.push(chunk);
}
function onEnd(this: ReadSocket): void {
  // No splitter yet: nothing was sent, so no unfinished line waits.
  const reader = this[kReader];
  if (reader instanceof SocketReader) reader.end();
}
function onError(this: ReadSocket, error: Error): void {
  sinkOf(this)?.failed(error);
}
function onClose(this: ReadSocket): void {
  sinkOf(this)?.closed();
}

function stopReadingSocket(socket: ReadSocket, keepErrorListener: boolean): void {
  if (socket[kReader] === undefined) return;
  socket[kReader] = undefined;
  socket.off('data', onData);
  socket.off('end', onEnd);
  if (!keepErrorListener) socket.off('error', onError);
  socket.off('close', onClose);
}

function startReadingSocket(socket: ReadSocket, reader: SocketReader | WireConnection, hearClose: boolean): void {
  // A socket is read by one reader at a time.
  stopReadingSocket(socket, true);
  socket[kReader] = reader;
  socket.on('data', onData);
  if (reader instanceof SocketReader) socket.on('end', onEnd);
  if (!socket.listeners('error').includes(onError)) socket.on('error', onError);
  if (hearClose) socket.on('close', onClose);
}

/**
 * Reads a socket's lines into `sink`, until it closes (`closed`) or fails (`failed`). While `mute`
 * is on, complete lines are counted instead (see `LineSplitter`). The splitter reports straight
 * into the sink, and the listeners are shared by every socket: an idle socket costs its splitter.
 */
export function readSocketLines(socket: Socket, sink: LineSink, maxLineBytes?: number, mute?: MuteSwitch): StopReading {
  const read = socket as ReadSocket;
  const reader = new SocketReader(sink, maxLineBytes, mute);
  startReadingSocket(read, reader, true);
  return () => {
    if (read[kReader] === reader) stopReadingSocket(read, false);
  };
}

/**
 * Keeps an error on `socket` from crashing the process, for as long as the socket lives, with the
 * listener its reader reports failures through (one listener where a no-op and the reader's were).
 */
export function quietSocketErrors(socket: Socket): void {
  socket.on('error', onError);
}

/** The stop of `readWireLines`, one for every connection: it stops reading the connection's `wire`. */
function stopReadingWire(this: LineSink): void {
  // Only `readWireLines` hands it out, to a sink that has a wire.
  stopReadingSocket((this as WireConnection).wire as ReadSocket, true);
}

/**
 * `readSocketLines` for a connection that reads its own `wire`, is its own mute, and whose errors
 * are kept quiet (`quietSocketErrors`): the stop it returns is shared and expects to be called on
 * the connection (`stop.call(connection)`, as `ConnectionEvents` does), and leaves the error
 * listener. It does not listen for the close: the connection's output queue does, and tells it
 * (`socketClosed`), so that an idle socket has one close listener, not an array of two. Its splitter
 * is made on its first bytes: an idle connection has none.
 */
export function readWireLines(connection: WireConnection): StopReading {
  startReadingSocket(connection.wire as ReadSocket, connection, false);
  return stopReadingWire;
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
