import { countLf, findQuitLine, isMuted, isQuitLine } from '../../src/transports/muted-input';

/** A reference count, one byte at a time. */
const naive = (buf: Uint8Array, start: number, end: number): number => {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i] === 0x0a) n++;
  return n;
};

describe('countLf', () => {
  it('counts every LF of any range, at any alignment, whatever the bytes around it', () => {
    // Every byte value, LFs dense and sparse, in a buffer that is not word-aligned in its slab.
    const slab = Buffer.alloc(4096 + 3);
    const buf = slab.subarray(3);
    for (let i = 0; i < buf.length; i++) buf[i] = i % 7 === 0 || (i > 2000 && i % 2 === 0) ? 0x0a : (i * 37) % 256;
    for (const [start, end] of [
      [0, buf.length],
      [1, buf.length - 1],
      [5, 70],
      [13, 13],
      [0, 63],
      [2001, 4093],
      [100, 101],
    ]) {
      expect(countLf(buf, start!, end!)).toBe(naive(buf, start!, end!));
    }
  });

  it('counts a chunk of nothing but LFs, and none in a chunk without', () => {
    expect(countLf(Buffer.alloc(65_536, '\n'), 0, 65_536)).toBe(65_536);
    expect(countLf(Buffer.alloc(65_536, 'x'), 0, 65_536)).toBe(0);
    // Bytes that differ from LF in one bit only must not count.
    expect(countLf(Buffer.alloc(1_000, 0x0b), 0, 1_000) + countLf(Buffer.alloc(1_000, 0x8a), 0, 1_000)).toBe(0);
  });
});

describe('/quit among raw bytes', () => {
  const buf = (text: string) => Buffer.from(text, 'latin1');

  it('isQuitLine reads a line as the rate limiter does: blanks, /quit in any case, then a blank or the end', () => {
    for (const line of ['/quit', '/QUIT', '  /Quit bye', '\t/quit\r', '/quit\treason']) {
      expect([line, isQuitLine(buf(line), 0, line.length)]).toEqual([line, true]);
    }
    for (const line of ['', '/qui', '/quitter', 'x /quit', '//quit', '/ quit', '/quiT?']) {
      expect([line, isQuitLine(buf(line), 0, line.length)]).toEqual([line, false]);
    }
  });

  it('findQuitLine finds where the first /quit line starts among complete lines, or -1', () => {
    const text = 'a/quit\n/quitx\n  /QUIT now\n/quit\n';
    expect(findQuitLine(buf(text), 0, text.length)).toBe(text.indexOf('  /QUIT'));
    expect(findQuitLine(buf(text), text.indexOf('/quit\n', 20), text.length)).toBe(text.lastIndexOf('/quit'));
    expect(findQuitLine(buf('/\n/\n//\n/qui\n'), 0, 12)).toBe(-1);
    // Only up to the region's end.
    expect(findQuitLine(buf('x\n/quit\n'), 0, 2)).toBe(-1);
  });
});

describe('isMuted', () => {
  it('is on before `until`, and turns itself off at it', () => {
    const mute = { until: 100 };
    expect(isMuted(mute, 99)).toBe(true);
    expect(isMuted(mute, 100)).toBe(false);
    expect(mute.until).toBe(0);
    expect(isMuted({ until: 0 }, -1)).toBe(false);
  });
});
