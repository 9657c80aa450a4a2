import { LineSplitter } from '../../src/transports/line-splitter';

/** A splitter that records what it emits: lines as strings, overflows as the OVERFLOW marker. */
function splitter(maxLineBytes?: number) {
  const out: string[] = [];
  const s = new LineSplitter({ line: (text) => out.push(text), overflow: () => out.push(OVERFLOW) }, maxLineBytes);
  return { out, push: (...chunks: (string | Buffer | number[])[]) => chunks.forEach((c) => s.push(toBuffer(c))), end: () => s.end() };
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
    push(bytes.subarray(0, e + 1), bytes.subarray(e + 1, emoji + 1), bytes.subarray(emoji + 1, emoji + 3), bytes.subarray(emoji + 3));
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
