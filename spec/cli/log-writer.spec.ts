import { Writable } from 'node:stream';
import { createLogWriter } from '../../src/cli/log-writer';

/** A stdout stand-in whose reader takes writes only when told to. */
class SlowReader extends Writable {
  readonly received: string[] = [];
  private pending: (() => void)[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.received.push(chunk.toString());
    this.pending.push(callback);
  }

  /** The reader catches up. */
  drain(): void {
    for (const callback of this.pending.splice(0)) callback();
  }
}

describe('the server log writer', () => {
  it('writes each line with an LF', () => {
    const out = new SlowReader();
    const print = createLogWriter(out);
    print('[+] alice connected');
    out.drain();
    print('alice: hi');
    out.drain();
    expect(out.received.join('')).toBe('[+] alice connected\nalice: hi\n');
  });

  it('drops lines while the reader is more than the cap behind, then says how many', () => {
    const out = new SlowReader();
    const print = createLogWriter(out, 10);
    print('0123456789'); // 11 bytes: now over the cap
    print('dropped 1');
    print('dropped 2');
    expect(out.writableLength).toBe(11);
    out.drain();
    print('back');
    out.drain();
    expect(out.received.join('')).toBe('0123456789\n[!] log behind: 2 lines dropped\nback\n');
  });

  it('reports dropped lines in the format it is given (a JSON log stays JSON)', () => {
    const out = new SlowReader();
    const print = createLogWriter(out, 10, (dropped) => `{"event":"log-behind","dropped":${dropped}}`);
    print('0123456789');
    print('dropped');
    out.drain();
    print('back');
    out.drain();
    expect(out.received.join('')).toBe('0123456789\n{"event":"log-behind","dropped":1}\nback\n');
  });

  it('stops logging, without throwing, once the stream fails (a closed pipe)', async () => {
    let writes = 0;
    const out = new Writable({
      write: (_chunk, _encoding, callback) => {
        writes++;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const attempts = jest.spyOn(out, 'write');
    const print = createLogWriter(out);
    print('first');
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => print('after the pipe closed')).not.toThrow();
    print('and again');
    expect(writes).toBe(1);
    expect(attempts).toHaveBeenCalledTimes(1);
  });
});
