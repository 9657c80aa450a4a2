import { Duplex } from 'node:stream';
import type { ChatMessage, Delivery } from '../../src/core/events';
import { OutputQueue, type QueuedPeer } from '../../src/transports/output-queue';
import { nextTurn } from '../support/waiting';

/** A socket that records each write() call as one chunk. */
class RecordingSocket extends Duplex {
  readonly writes: string[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writes.push(chunk.toString('utf8'));
    callback();
  }
}

const encode = (message: ChatMessage): Buffer =>
  Buffer.from(`${message.type === 'said' ? message.text : message.type}\n`);

function peer(id: string): QueuedPeer & { socket: RecordingSocket } {
  return { id, socket: new RecordingSocket(), end: () => undefined, hangUp: () => undefined };
}

const said = (to: readonly string[], text: string, everyone?: true): Delivery =>
  everyone
    ? { kind: 'deliver', to, everyone, message: { type: 'said', name: 'x', text }, at: 0 }
    : { kind: 'deliver', to, message: { type: 'said', name: 'x', text }, at: 0 };
const welcome = (id: string): Delivery => ({
  kind: 'deliver',
  to: [id],
  message: { type: 'welcome', name: id },
  at: 0,
});

describe('OutputQueue', () => {
  it('writes a lone delivery through at once, and batches one write per socket per turn under load', async () => {
    const queue = new OutputQueue(encode);
    const a = peer('a');
    queue.add(a);
    queue.handle(said(['a'], 'first'));
    // Quiet: written before the turn ends.
    expect(a.socket.writes).toEqual(['first\n']);
    await nextTurn();
    await nextTurn();
    // Several deliveries in one turn: the first of a quiet turn goes through, the rest are batched.
    queue.handle(said(['a'], 'one'));
    queue.handle(said(['a'], 'two'));
    queue.handle(said(['a'], 'three'));
    expect(a.socket.writes).toEqual(['first\n', 'one\n']);
    await nextTurn();
    expect(a.socket.writes).toEqual(['first\n', 'one\n', 'two\nthree\n']);
    // The turn after a busy one batches too, even for a single delivery.
    queue.handle(said(['a'], 'four'));
    expect(a.socket.writes).toHaveLength(3);
    await nextTurn();
    expect(a.socket.writes.at(-1)).toBe('four\n');
  });

  it('hands a delivery to everyone only to its own welcomed clients when they are fewer than the audience', async () => {
    const queue = new OutputQueue(encode);
    const [a, b, pending] = [peer('a'), peer('b'), peer('pending')];
    for (const p of [a, b, pending]) queue.add(p);
    queue.handle(welcome('a'));
    queue.handle(welcome('b'));
    // A big audience, mostly other processes' clients; 'pending' was never welcomed (refused, or not yet in).
    const audience = ['a', 'b', ...Array.from({ length: 1_000 }, (_, i) => `elsewhere${i}`)];
    queue.handle(said(audience, 'hello', true));
    queue.handle({ ...said(audience, 'not to b', true), except: 'b' });
    await nextTurn();
    expect(a.socket.writes.join('')).toBe('welcome\nhello\nnot to b\n');
    expect(b.socket.writes.join('')).toBe('welcome\nhello\n');
    expect(pending.socket.writes).toEqual([]);
  });
});
