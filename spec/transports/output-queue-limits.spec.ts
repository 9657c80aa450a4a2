/**
 * How the output queue paces a socket and judges its backlog: one write in flight at a time (at most
 * `MAX_WRITE_BYTES`), the rest held and counted; no write callback while the kernel takes writes at
 * once; past `maxBufferBytes`, a client that took none of its backlog is evicted, one that took some
 * is kept up to `DRAINING_LIMIT_FACTOR` times the limit.
 */
import { Duplex } from 'node:stream';
import type { ChatMessage, Delivery } from '../../src/core/events';
import { DRAINING_LIMIT_FACTOR, MAX_WRITE_BYTES, OutputQueue } from '../../src/transports/output-queue';
import { nextTurn } from '../support/waiting';

/**
 * A peer that reads only when told: each `complete()` lets the kernel take the oldest write. Empty
 * writes complete at once, as the kernel's do; `ready` makes every write complete at once (a reader
 * keeping up).
 */
class PacedSocket extends Duplex {
  ready = false;
  readonly taken: Buffer[] = [];
  private readonly waiting: (() => void)[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (chunk.length === 0 || this.ready) {
      this.taken.push(chunk);
      return callback();
    }
    this.waiting.push(() => {
      this.taken.push(chunk);
      callback();
    });
  }
  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'latin1', callback);
  }
  complete(): void {
    this.waiting.shift()?.();
  }
  get inKernelQueue(): number {
    return this.waiting.length;
  }
}

const encode = (message: ChatMessage): Buffer => Buffer.from(`${message.type === 'said' ? message.text : ''}\n`);
const line = (text: string, to = ['reader', 'stalled']): Delivery => ({
  kind: 'deliver',
  to,
  message: { type: 'said', name: 'x', text },
  at: 0,
});

const LIMIT = 10_000;

function setup(stallMs: number) {
  const queue = new OutputQueue(encode, { maxBufferBytes: LIMIT, stallMs, closeTimeoutMs: 50 });
  const reader = new PacedSocket();
  const stalled = new PacedSocket();
  for (const [id, socket] of [
    ['reader', reader],
    ['stalled', stalled],
  ] as const) {
    socket.on('error', () => undefined);
    queue.add({ id, socket, end: () => socket.end(), hangUp: () => undefined });
  }
  return { queue, reader, stalled };
}

describe('OutputQueue pacing and limits', () => {
  it('hands a socket one write at a time, at most MAX_WRITE_BYTES, the rest held until it completes', async () => {
    const { queue, reader } = setup(60_000);
    // 100 lines of 1 KB in one turn: more than one write's worth.
    for (let i = 0; i < 100; i++) queue.handle(line('r'.repeat(1_023), ['reader']));
    await nextTurn();
    expect(reader.inKernelQueue).toBe(1); // one write in flight; the empty write behind it waits in the stream
    expect(reader.writableLength).toBeLessThanOrEqual(MAX_WRITE_BYTES);
    expect(queue.bufferedBytes()).toBe(100 * 1_024);
    let rounds = 0;
    while (queue.bufferedBytes() > 0 && rounds++ < 20) {
      reader.complete();
      await nextTurn();
    }
    const sizes = reader.taken.filter((chunk) => chunk.length > 0).map((chunk) => chunk.length);
    // 64 KiB a write (the progress a reader far behind shows), as documented: 100 KB take two.
    expect(MAX_WRITE_BYTES).toBe(64 * 1024);
    expect(sizes.every((size) => size <= 64 * 1024)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100 * 1_024);
  });

  it('writes without a callback while the kernel takes the writes at once', async () => {
    const { queue, reader } = setup(60_000);
    reader.ready = true;
    const callbacks: unknown[] = [];
    const write = reader.write.bind(reader);
    reader.write = ((...args: Parameters<typeof reader.write>) => {
      callbacks.push(args.find((arg) => typeof arg === 'function'));
      return write(...args);
    }) as typeof reader.write;
    queue.handle(line('through', ['reader']));
    await nextTurn();
    for (let i = 0; i < 5; i++) queue.handle(line(`batched ${i}`, ['reader']));
    await nextTurn();
    expect(callbacks.length).toBeGreaterThanOrEqual(2);
    expect(callbacks.every((callback) => callback === undefined)).toBe(true);
  });

  it('keeps a client that took some of its backlog past its own limit, up to the hard cap', async () => {
    // Nobody counts as stalled for a minute: only the hard cap can evict here.
    const { queue, reader } = setup(60_000);
    let peak = 0;
    for (let round = 0; round < 400 && !reader.destroyed; round++) {
      // 5 lines of 1 KB a round; the reader takes one write (at most 64 KiB) every 20 rounds.
      for (let i = 0; i < 5; i++) queue.handle(line('r'.repeat(1_000), ['reader']));
      await nextTurn();
      if (round % 20 === 19) reader.complete();
      if (!reader.destroyed) peak = Math.max(peak, queue.bufferedBytes());
    }
    expect(peak).toBeGreaterThan((DRAINING_LIMIT_FACTOR - 1) * LIMIT);
    expect(reader.destroyed).toBe(true);
    // One delivery (1 KB) at most past the hard cap.
    expect(peak).toBeLessThanOrEqual(DRAINING_LIMIT_FACTOR * LIMIT + 1_100);
  });

  it('evicts a client that took none of its backlog at its limit once stalled, and keeps the reader', async () => {
    const { queue, reader, stalled } = setup(0);
    reader.ready = true;
    let stalledAt = 0;
    for (let round = 0; round < 200 && !stalled.destroyed; round++) {
      queue.handle(line('s'.repeat(1_000)));
      queue.handle(line('s'.repeat(1_000)));
      await nextTurn();
      if (!stalled.destroyed) stalledAt = queue.bufferedBytes();
    }
    expect(stalled.destroyed).toBe(true);
    // Evicted at its limit (within two rounds' output), far under the hard cap.
    expect(stalledAt).toBeLessThanOrEqual(LIMIT + 4_100);
    expect(reader.destroyed).toBe(false);
  });
});
