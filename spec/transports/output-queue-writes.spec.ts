/**
 * How the shared OutputQueue hands a batch to a socket: chat lines copied into one buffer, long
 * lines written as they are (corked into one writev), so that a thousand sockets never each get a
 * copy of the same 4 KB lines.
 */
import { Duplex } from 'node:stream';
import type { ChatMessage } from '../../src/core/events';
import { OutputQueue } from '../../src/transports/output-queue';
import { nextTurn } from '../support/waiting';

/** Records every chunk handed to it, and how many write calls (write or writev) it took. */
class RecordingSocket extends Duplex {
  readonly chunks: Buffer[] = [];
  calls = 0;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.calls++;
    this.chunks.push(chunk);
    callback();
  }
  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    this.calls++;
    for (const { chunk } of chunks) this.chunks.push(chunk);
    callback();
  }
}

function setUp() {
  const encoded: Buffer[] = [];
  const queue = new OutputQueue((message: ChatMessage) => {
    const bytes = Buffer.from(`${message.type === 'said' ? message.text : ''}\n`);
    encoded.push(bytes);
    return bytes;
  });
  const sockets = [new RecordingSocket(), new RecordingSocket()];
  sockets.forEach((socket, i) =>
    queue.add({ id: String(i), socket, end: () => socket.end(), hangUp: () => undefined }),
  );
  const say = (text: string) =>
    queue.handle({ kind: 'deliver', to: ['0', '1'], message: { type: 'said', name: 'x', text }, at: 0 });
  return { encoded, sockets, say };
}

describe('OutputQueue batches', () => {
  it('writes a batch of long lines to every socket as the very buffers encoded once', async () => {
    const { encoded, sockets, say } = setUp();
    say('warm-up'); // written through: the turn's first delivery
    await nextTurn();
    await nextTurn();
    say('a'.repeat(4000)); // written through
    say('b'.repeat(4000)); // b and c batched for the next flush
    say('c'.repeat(4000));
    await nextTurn();
    const [, a, b, c] = encoded;
    for (const socket of sockets) {
      const longOnes = socket.chunks.slice(-3);
      expect(longOnes[0]).toBe(a); // the same object: no copy
      expect(longOnes[1]).toBe(b);
      expect(longOnes[2]).toBe(c);
    }
  });

  it('copies short lines into one buffer per socket', async () => {
    const { sockets, say } = setUp();
    say('warm-up');
    await nextTurn();
    await nextTurn();
    const before = sockets.map((s) => s.calls);
    say('one');
    say('two');
    say('three');
    await nextTurn();
    sockets.forEach((socket, i) => {
      // 'one' written through, 'two' and 'three' batched into one buffer, one write.
      expect(socket.calls - before[i]!).toBe(2);
      expect(socket.chunks.at(-1)!.toString()).toBe('two\nthree\n');
    });
  });
});
