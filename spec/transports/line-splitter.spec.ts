import { LineSplitter } from '../../src/transports/line-splitter';

/** A splitter that records what it emits: lines as strings, overflows as the OVERFLOW marker. */
function splitter(maxLineBytes?: number) {
  const out: string[] = [];
  const s = new LineSplitter({ line: (text) => out.push(text), overflow: () => out.push(OVERFLOW) }, maxLineBytes);
  return {
    out,
    push: (...chunks: (string | Buffer | number[])[]) => chunks.forEach((c) => s.push(toBuffer(c))),
    end: () => s.end(),
  };
}
const OVERFLOW = '<overflow>';
const toBuffer = (chunk: string | Buffer | number[]) =>
  Buffer.isBuffer(chunk) ? chunk : Array.isArray(chunk) ? Buffer.from(chunk) : Buffer.from(chunk, 'utf8');

describe('LineSplitter', () => {
  it('emits one line per LF, without the LF', () => {
    const { out, push } = splitter();
    push('hello\n');
    expect(out).toEqual(['hello']);
  });

  it('holds an unfinished line until its LF arrives', () => {
    const { out, push } = splitter();
    push('hel');
    expect(out).toEqual([]);
    push('lo wor', 'ld\n');
    expect(out).toEqual(['hello world']);
  });

  it('splits many lines arriving in one chunk, in order', () => {
    const { out, push } = splitter();
    push('one\ntwo\nthree\nfou');
    expect(out).toEqual(['one', 'two', 'three']);
    push('r\n');
    expect(out).toEqual(['one', 'two', 'three', 'four']);
  });

  it('delivers a line fed one byte at a time', () => {
    const { out, push } = splitter();
    for (const byte of Buffer.from('byte by byte\r\n')) push([byte]);
    expect(out).toEqual(['byte by byte']);
  });

  it('drops the CR of a CRLF', () => {
    const { out, push } = splitter();
    push('windows\r\n');
    expect(out).toEqual(['windows']);
  });

  it('drops the CR even when the CR and the LF arrive in different chunks', () => {
    const { out, push } = splitter();
    push('split\r', '\n');
    expect(out).toEqual(['split']);
  });

  it('keeps a CR that is not right before the LF', () => {
    const { out, push } = splitter();
    push('a\rb\n', '\r\r\n');
    expect(out).toEqual(['a\rb', '\r']);
  });

  it('emits empty lines and leaves the text untrimmed (the core trims and ignores them)', () => {
    const { out, push } = splitter();
    push('\n  padded  \n\r\n');
    expect(out).toEqual(['', '  padded  ', '']);
  });

  it('decodes a multi-byte character split between chunks intact', () => {
    const { out, push } = splitter();
    const bytes = Buffer.from('café 🙂\n');
    // Cut inside é (2 bytes) and inside the emoji (4 bytes).
    const e = bytes.indexOf(0xc3);
    const emoji = bytes.indexOf(0xf0);
    push(
      bytes.subarray(0, e + 1),
      bytes.subarray(e + 1, emoji + 1),
      bytes.subarray(emoji + 1, emoji + 3),
      bytes.subarray(emoji + 3),
    );
    expect(out).toEqual(['café 🙂']);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    const { out, push } = splitter();
    push([0x6f, 0x6b, 0xff, 0xfe, 0x21, 0x0a], [0xc3, 0x0a]);
    expect(out).toEqual(['ok\uFFFD\uFFFD!', '\uFFFD']);
  });

  it('emits a last line without LF when the stream ends, and nothing for an empty tail', () => {
    const a = splitter();
    a.push('done\nlast');
    a.end();
    expect(a.out).toEqual(['done', 'last']);

    const b = splitter();
    b.push('done\n');
    b.end();
    expect(b.out).toEqual(['done']);
  });

  it('does not keep a copy of a chunk the caller reuses', () => {
    const { out, push } = splitter();
    const buffer = Buffer.from('abc');
    push(buffer);
    buffer.write('XYZ');
    push('\n');
    expect(out).toEqual(['abc']);
  });

  describe('with a line limit', () => {
    it('passes lines up to the limit (the LF does not count)', () => {
      const { out, push } = splitter(5);
      push('12345\n', '123', '45\n');
      expect(out).toEqual(['12345', '12345']);
    });

    it('does not count the CR of a CRLF line against the limit, wherever the segments split it', () => {
      const { out, push } = splitter(5);
      push('12345\r\n', '12345\r', '\n', '12345', '\r\n', '123456\r\n');
      expect(out).toEqual(['12345', '12345', '12345', OVERFLOW]);
    });

    it('drops a longer line arriving whole, reports it once, and goes on with the next line', () => {
      const { out, push } = splitter(5);
      push('123456\nok\n');
      expect(out).toEqual([OVERFLOW, 'ok']);
    });

    it('drops a longer line arriving in pieces without buffering it, up to its LF', () => {
      const { out, push } = splitter(5);
      push('1234', '5678', '9'.repeat(1000), 'tail\nnext\n');
      expect(out).toEqual([OVERFLOW, 'next']);
    });

    it('emits nothing at the end for an unfinished line that overflowed', () => {
      const { out, push, end } = splitter(5);
      push('123456789');
      end();
      expect(out).toEqual([OVERFLOW]);
    });
  });
});

describe('LineSplitter, muted', () => {
  /** A splitter on a clock the test moves, recording lines, overflows and discarded counts (`<n discarded>`). */
  function muted(maxLineBytes?: number) {
    const out: string[] = [];
    const clock = { now: 0 };
    const s = new LineSplitter(
      {
        line: (text) => out.push(text),
        overflow: () => out.push(OVERFLOW),
        discarded: (lines) => out.push(`<${lines} discarded>`),
      },
      maxLineBytes,
      { until: 0 },
      () => clock.now,
    );
    return { out, clock, s, push: (...chunks: string[]) => chunks.forEach((c) => s.push(Buffer.from(c, 'utf8'))) };
  }

  it('counts the complete lines of a chunk instead of decoding them, once a chunk, until the mute ends', () => {
    const { out, clock, s, push } = muted();
    s.mute.until = 100;
    push('a\n\n\nb\n', 'c\nd\n');
    clock.now = 100;
    push('e\n');
    expect(out).toEqual(['<4 discarded>', '<2 discarded>', 'e']);
    expect(s.mute.until).toBe(0); // off once expired: the clock is not read per line
  });

  it('applies a mute set while a chunk is being split, from the next line on', () => {
    const out: string[] = [];
    const s: LineSplitter = new LineSplitter({
      line: (text) => {
        out.push(text);
        if (text === 'b') s.mute.until = Number.MAX_SAFE_INTEGER; // the limiter mutes on "b"
      },
      overflow: () => out.push(OVERFLOW),
      discarded: (lines) => out.push(`<${lines} discarded>`),
    });
    s.push(Buffer.from('a\nb\nc\nd\ne'));
    expect(out).toEqual(['a', 'b', '<2 discarded>']);
  });

  it('passes /quit lines (any case, after blanks, with or without a reason), reporting the discarded before each', () => {
    const { out, s, push } = muted();
    s.mute.until = 100;
    push('x\ny\n  /QUIT bye\r\nz\n/quit\n/quitter\nno /quit\n\t/Quit\t\n');
    expect(out).toEqual(['<2 discarded>', '  /QUIT bye', '<1 discarded>', '/quit', '<2 discarded>', '\t/Quit\t']);
  });

  it('finds a /quit split across chunks, the held part deciding', () => {
    const { out, s, push } = muted();
    s.mute.until = 100;
    push('spam\n/qu', 'it now\nspam\n');
    push(' /q', 'uiz\n');
    expect(out).toEqual(['<1 discarded>', '/quit now', '<1 discarded>', '<1 discarded>']);
  });

  it('holds the unfinished line across the mute: discarded if it ends muted, decoded if it ends after', () => {
    const { out, clock, s, push } = muted();
    s.mute.until = 100;
    push('a\npar');
    push('tial\nhel');
    clock.now = 100;
    push('lo\n');
    expect(out).toEqual(['<1 discarded>', '<1 discarded>', 'hello']);
  });

  it('counts over-long lines as one line each, with no overflow report, however they arrive', () => {
    const { out, clock, s, push } = muted(4);
    s.mute.until = 100;
    push('123456\nok\n12'); // complete over-long, ok, held
    push('3456'); // the held line overflows while muted
    push('78\nnext\n'); // its end is not a line
    clock.now = 100;
    push('toolong\n');
    expect(out).toEqual(['<2 discarded>', '<1 discarded>', '<1 discarded>', OVERFLOW]);
  });

  it('discards a last line without LF at the end of the stream, unless it is /quit', () => {
    const one = muted();
    one.s.mute.until = 100;
    one.push('last words');
    one.s.end();
    const two = muted();
    two.s.mute.until = 100;
    two.push('/quit');
    two.s.end();
    expect([one.out, two.out]).toEqual([['<1 discarded>'], ['/quit']]);
  });
});
