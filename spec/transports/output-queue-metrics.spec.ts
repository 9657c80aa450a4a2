/**
 * What the outgoing queue counts for the metrics, against fake sockets: deliveries and bytes
 * (write-through and batched), evictions by reason, and the unsent output summed when scraped.
 */
import { Duplex } from 'node:stream';
import type { ChatMessage, ClientId, Delivery } from '../../src/core/events';
import type { BufferedOutput, TransportMetrics } from '../../src/pipeline/reports';
import { OutputQueue } from '../../src/transports/output-queue';
import { nextTurn } from '../support/waiting';

/** A socket whose writes complete, stall (a peer that stopped reading) or fail, as told. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  stalled = false;
  failWrites: Error | undefined;
  /** The callback of the write in progress while stalled: `failStalled` ends it with an error. */
  private held: ((error?: Error | null) => void) | undefined;

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failWrites) return callback(this.failWrites);
    if (this.stalled) return void (this.held = callback);
    this.written.push(chunk);
    callback();
  }

  failStalled(error: Error): void {
    this.held?.(error);
  }

  bytes(): number {
    return this.written.reduce((sum, chunk) => sum + chunk.length, 0);
  }
}

class RecordingMetrics implements TransportMetrics {
  bytesSent = 0;
  deliveries = 0;
  readonly evictions: [ClientId, string][] = [];
  readonly outputs: BufferedOutput[] = [];
  evicted(id: ClientId, reason: string): void {
    this.evictions.push([id, reason]);
  }
  refused(): void {}
  discarded(): void {}
  track(output: BufferedOutput): void {
    this.outputs.push(output);
  }
}

const encode = (message: ChatMessage) => Buffer.from(`${JSON.stringify(message)}\n`);
const said = (text: string): ChatMessage => ({ type: 'said', name: 'alice', text });
const deliver = (to: ClientId[], message: ChatMessage, except?: ClientId): Delivery =>
  except === undefined ? { kind: 'deliver', to, message, at: 0 } : { kind: 'deliver', to, except, message, at: 0 };

function setup(options: { maxBufferBytes?: number; stallMs?: number } = {}) {
  const metrics = new RecordingMetrics();
  const queue = new OutputQueue(encode, { ...options, metrics });
  const sockets = new Map<ClientId, FakeSocket>();
  for (const id of ['a', 'b', 'c']) {
    const socket = new FakeSocket();
    socket.on('error', () => undefined);
    sockets.set(id, socket);
    queue.add({ id, socket, end: () => socket.end(), hangUp: () => undefined });
  }
  const written = () => [...sockets.values()].reduce((sum, socket) => sum + socket.bytes(), 0);
  return { metrics, queue, socket: (id: ClientId) => sockets.get(id)!, written };
}

describe('OutputQueue metrics', () => {
  it('registers itself for the buffered-bytes gauge', () => {
    const { metrics, queue } = setup();
    expect(metrics.outputs).toEqual([queue]);
  });

  it('counts one delivery per recipient and the bytes handed to sockets, written through or batched', async () => {
    const { metrics, queue, written } = setup();
    queue.handle(deliver(['a', 'b', 'c'], said('quiet'), 'a')); // alone in its turn: written through
    expect(metrics.deliveries).toBe(2);
    expect(metrics.bytesSent).toBe(written());
    expect(metrics.bytesSent).toBe(2 * encode(said('quiet')).length);

    await nextTurn();
    for (let i = 0; i < 5; i++) queue.handle(deliver(['a', 'b', 'c'], said(`busy ${i}`))); // batched
    queue.handle(deliver(['a', 'nobody'], said('to one')));
    expect(metrics.deliveries).toBe(2 + 5 * 3 + 1);
    await nextTurn();
    expect(metrics.bytesSent).toBe(written());
    expect(written()).toBeGreaterThan(2 * encode(said('quiet')).length);
  });

  it('counts a reader over its limit as evicted for slow-reader, once', async () => {
    // stallMs 0: b is found stalled once a whole poll phase went by without progress (or past the hard cap).
    const { metrics, queue, socket } = setup({ maxBufferBytes: 10, stallMs: 0 });
    socket('b').stalled = true;
    queue.handle(deliver(['a', 'b'], said('fills b past its limit')));
    await nextTurn();
    for (let i = 0; i < 20 && !socket('b').destroyed; i++) {
      queue.handle(deliver(['a', 'b'], said(`finds b over it ${i}`)));
      await nextTurn();
    }
    queue.handle(deliver(['a', 'b'], said('b is gone')));
    await nextTurn();
    expect(metrics.evictions).toEqual([['b', 'slow-reader']]);
    expect(socket('b').destroyed).toBe(true);
  });

  it('counts a failed write as evicted for write-error once, with the writes buffered behind it', async () => {
    const { metrics, queue, socket } = setup();
    socket('b').stalled = true;
    socket('c').failWrites = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    for (let i = 0; i < 3; i++) queue.handle(deliver(['a', 'b', 'c'], said(`line ${i}`)));
    await nextTurn();
    socket('b').failStalled(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' }));
    await nextTurn();
    expect(metrics.evictions.sort()).toEqual([
      ['b', 'write-error'],
      ['c', 'write-error'],
    ]);
  });

  it('does not count a socket destroyed otherwise (a reset, an eviction) as a write error or an eviction', async () => {
    const line = encode(said('line 0')).length;
    // b's peer resets while b is over its limit, with writes in progress and buffered.
    const reset = setup({ maxBufferBytes: line });
    const b = reset.socket('b');
    b.stalled = true;
    for (let i = 0; i < 3; i++) reset.queue.handle(deliver(['a', 'b'], said(`line ${i}`)));
    await nextTurn();
    // One line in flight in b's socket, the others held behind it.
    expect(reset.queue.bufferedBytes()).toBe(3 * line);
    b.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    reset.queue.handle(deliver(['a', 'b'], said('before the reset is reported')));
    b.failStalled(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' }));
    await nextTurn();
    expect(reset.metrics.evictions).toEqual([]);

    // c is evicted over its limit with writes buffered behind the stalled one: they fail with the eviction.
    // stallMs 0: a client whose backlog made no progress through a whole poll phase counts as stalled,
    // so it goes at its limit.
    const evicted = setup({ maxBufferBytes: line, stallMs: 0 });
    const c = evicted.socket('c');
    c.stalled = true;
    for (let i = 0; i < 3; i++) evicted.queue.handle(deliver(['a', 'c'], said(`line ${i}`)));
    await nextTurn();
    for (let i = 0; i < 20 && !c.destroyed; i++) {
      evicted.queue.handle(deliver(['a', 'c'], said(`finds c over its limit ${i}`)));
      await nextTurn();
    }
    c.failStalled(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await nextTurn();
    expect(c.destroyed).toBe(true);
    expect(evicted.metrics.evictions).toEqual([['c', 'slow-reader']]);
  });

  it('sums unsent output, queued or held by the sockets, when asked', async () => {
    const { queue, socket } = setup();
    socket('b').stalled = true;
    expect(queue.bufferedBytes()).toBe(0);
    queue.handle(deliver(['a', 'b'], said('through')));
    const one = encode(said('through')).length;
    expect(queue.bufferedBytes()).toBe(one); // held by b's socket
    queue.handle(deliver(['a', 'b'], said('queued'))); // second in the turn: queued for the flush
    expect(queue.bufferedBytes()).toBe(one + 2 * encode(said('queued')).length);
    await nextTurn();
    expect(queue.bufferedBytes()).toBe(one + encode(said('queued')).length);
  });
});
