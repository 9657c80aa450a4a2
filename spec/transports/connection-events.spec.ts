/**
 * The one stream shape both edges build: `connected`, lines, then exactly one `disconnected`,
 * driven by a reader that reports into the stream as its sink.
 */
import { Observable, Subject, take } from 'rxjs';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import {
  ConnectionEvents,
  type LineSink,
  connectionEvents,
  describeErrorMessage,
  describeErrorWithCode,
} from '../../src/transports/connection-events';

const remote = { address: '127.0.0.1', port: 1000 };

/** A reader under test control: it hands out its sink and counts how often it was stopped. */
function fakeReader() {
  const reader = {
    sink: undefined as LineSink | undefined,
    stopped: 0,
    read: (sink: LineSink) => {
      reader.sink = sink;
      return () => void reader.stopped++;
    },
  };
  return reader;
}

/** Subscribes to a `ConnectionEvents` started with `read`, collecting what it emits. */
function started(events: ConnectionEvents, read: (sink: LineSink) => () => void) {
  const seen: PipelineEvent[] = [];
  let complete = false;
  let teardown: () => void = () => undefined;
  const subscription = new Observable<PipelineEvent>((subscriber) => {
    teardown = events.start(subscriber, remote, read);
    return teardown;
  }).subscribe({ next: (event) => seen.push(event), complete: () => (complete = true) });
  return { seen, isComplete: () => complete, subscription };
}

describe('ConnectionEvents', () => {
  it('emits connected, then what the reader reports, then one disconnected when the connection closes', () => {
    const reader = fakeReader();
    const { seen, isComplete } = started(new ConnectionEvents('7', 4096), reader.read);
    reader.sink!.line('hello');
    reader.sink!.overflow();
    reader.sink!.discarded(3);
    reader.sink!.closed();
    reader.sink!.line('after the end');
    reader.sink!.closed();
    reader.sink!.failed(new Error('late'));

    expect(seen).toEqual([
      { type: 'connected', id: '7', remote },
      { type: 'line', id: '7', text: 'hello' },
      { type: 'line-too-long', id: '7', maxBytes: 4096 },
      { type: 'discarded', id: '7', lines: 3 },
      { type: 'disconnected', id: '7', reason: 'closed' },
    ]);
    expect(isComplete()).toBe(true);
    expect(reader.stopped).toBe(1);
  });

  it('ends with an error disconnect when the connection fails, described by the transport', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const withCode = fakeReader();
    const tcp = started(new ConnectionEvents('1', 0), withCode.read);
    withCode.sink!.failed(reset);
    const messageOnly = fakeReader();
    const ws = started(new ConnectionEvents('2', 0, describeErrorMessage), messageOnly.read);
    messageOnly.sink!.failed(reset);

    expect(tcp.seen.at(-1)).toEqual({
      type: 'disconnected',
      id: '1',
      reason: 'error',
      error: 'ECONNRESET: socket hang up',
    });
    expect(ws.seen.at(-1)).toEqual({ type: 'disconnected', id: '2', reason: 'error', error: 'socket hang up' });
    expect(tcp.isComplete() && ws.isComplete()).toBe(true);
    expect(describeErrorWithCode(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('write EPIPE');
  });

  it('on a hang-up, stops reading first, then ends with a closed disconnect', () => {
    const reader = fakeReader();
    const events = new ConnectionEvents('1', 0);
    let stoppedBeforeEnd: number | undefined;
    new Observable<PipelineEvent>((subscriber) => events.start(subscriber, remote, reader.read)).subscribe((event) => {
      if (event.type === 'disconnected') stoppedBeforeEnd = reader.stopped;
    });
    events.hangUp();
    events.hangUp();

    expect(stoppedBeforeEnd).toBe(1);
    expect(reader.stopped).toBe(1);
  });

  it('stops reading without a disconnect when unsubscribed', () => {
    const reader = fakeReader();
    const { seen, subscription } = started(new ConnectionEvents('1', 0), reader.read);
    subscription.unsubscribe();
    reader.sink!.closed();

    expect(seen.map((event) => event.type)).toEqual(['connected']);
    expect(reader.stopped).toBe(1);
  });

  it('stops a reader at once that found the connection already closed', () => {
    let stopped = 0;
    const { seen } = started(new ConnectionEvents('1', 0), (sink) => {
      sink.closed();
      return () => void stopped++;
    });

    expect(seen.map((event) => event.type)).toEqual(['connected', 'disconnected']);
    expect(stopped).toBe(1);
  });

  it('does not start reading for a subscriber that left on connected', () => {
    const reader = fakeReader();
    const events = new ConnectionEvents('1', 0);
    const seen: PipelineEvent[] = [];
    new Observable<PipelineEvent>((subscriber) => events.start(subscriber, remote, reader.read))
      .pipe(take(1))
      .subscribe((event) => seen.push(event));

    expect(seen.map((event) => event.type)).toEqual(['connected']);
    expect(reader.sink).toBeUndefined();
  });

  it('ignores a hang-up during connected: the stream ends when the socket closes, as it always has', () => {
    const reader = fakeReader();
    const events = new ConnectionEvents('1', 0);
    const seen: PipelineEvent[] = [];
    new Observable<PipelineEvent>((subscriber) => events.start(subscriber, remote, reader.read)).subscribe((event) => {
      seen.push(event);
      if (event.type === 'connected') events.hangUp(); // an admission refusal handled synchronously
    });
    expect(seen.map((event) => event.type)).toEqual(['connected']);
    reader.sink!.closed();
    expect(seen.map((event) => event.type)).toEqual(['connected', 'disconnected']);
  });
});

describe('connectionEvents', () => {
  it('is the same stream as a cold Observable, ended early by hangUp$', () => {
    const reader = fakeReader();
    const hangUp$ = new Subject<void>();
    const seen: PipelineEvent[] = [];
    connectionEvents('9', remote, reader.read, { maxLineBytes: 10, hangUp$ }).subscribe((event) => seen.push(event));
    expect(reader.sink).toBeDefined();
    reader.sink!.overflow();
    hangUp$.next();
    reader.sink!.line('ignored');

    expect(seen).toEqual([
      { type: 'connected', id: '9', remote },
      { type: 'line-too-long', id: '9', maxBytes: 10 },
      { type: 'disconnected', id: '9', reason: 'closed' },
    ]);
    expect(reader.stopped).toBe(1);
    expect(hangUp$.observed).toBe(false);
  });
});
