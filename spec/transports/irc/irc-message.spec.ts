import { IRC_LINE_BYTES, parseIrcLine, serialiseIrcMessage, splitText } from '../../../src/transports/irc/irc-message';

describe('the IRC message codec', () => {
  it('parses a command, its parameters and a trailing one', () => {
    expect(parseIrcLine('privmsg #rust :hello there')).toEqual({
      command: 'PRIVMSG',
      params: ['#rust', 'hello there'],
    });
    expect(parseIrcLine('USER zoe 0 * :Zoe Z')).toEqual({ command: 'USER', params: ['zoe', '0', '*', 'Zoe Z'] });
    expect(parseIrcLine('PRIVMSG #rust ::-)')).toEqual({ command: 'PRIVMSG', params: ['#rust', ':-)'] });
    expect(parseIrcLine('JOIN   #a,#b   ')).toEqual({ command: 'JOIN', params: ['#a,#b'] });
  });

  it('parses a source and tags, unescaping tag values', () => {
    expect(parseIrcLine('@time=2024-01-01T00:00:00Z;+x=a\\sb\\:c;flag :nick!u@h NOTICE me :hi')).toEqual({
      tags: { time: '2024-01-01T00:00:00Z', '+x': 'a b;c', flag: '' },
      source: 'nick!u@h',
      command: 'NOTICE',
      params: ['me', 'hi'],
    });
  });

  it('refuses what is not a message', () => {
    expect(parseIrcLine('')).toBe('empty');
    expect(parseIrcLine('   ')).toBe('empty');
    expect(parseIrcLine(':source-only')).toBe('no-command');
    expect(parseIrcLine('@tags-only')).toBe('no-command');
  });

  it('holds a line to 512 bytes with its CR LF, tags not counted', () => {
    const fits = `PRIVMSG #a :${'x'.repeat(IRC_LINE_BYTES - 2 - 'PRIVMSG #a :'.length)}`;
    expect(parseIrcLine(fits)).toMatchObject({ command: 'PRIVMSG' });
    expect(parseIrcLine(`${fits}x`)).toBe('too-long');
    expect(parseIrcLine(`@a=${'t'.repeat(4000)} ${fits}`)).toMatchObject({ command: 'PRIVMSG' });
    expect(parseIrcLine(`@a=${'t'.repeat(9000)} PING x`)).toBe('too-long');
  });

  it('serialises, with a trailing parameter when it must or when asked', () => {
    expect(serialiseIrcMessage({ command: 'JOIN', params: ['#rust'] })).toBe('JOIN #rust');
    expect(serialiseIrcMessage({ source: 's', command: 'PRIVMSG', params: ['#a', 'hi there'] })).toBe(
      ':s PRIVMSG #a :hi there',
    );
    expect(serialiseIrcMessage({ command: 'TOPIC', params: ['#a', ''] })).toBe('TOPIC #a :');
    expect(serialiseIrcMessage({ command: 'X', params: ['a', ':b'] })).toBe('X a ::b');
    expect(serialiseIrcMessage({ command: '001', params: ['zoe', 'Welcome'] }, true)).toBe('001 zoe :Welcome');
    expect(serialiseIrcMessage({ tags: { time: 'now', k: 'a b' }, command: 'PING', params: ['x'] })).toBe(
      '@time=now;k=a\\sb PING x',
    );
  });

  it('reads back what it writes', () => {
    const message = { tags: { msgid: 'a;b c\\d' }, source: 'n!u@h', command: 'PRIVMSG', params: ['#a', 'x y :z'] };
    expect(parseIrcLine(serialiseIrcMessage(message))).toEqual(message);
  });

  it('cuts long text at spaces, within the byte limit, never inside a character', () => {
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    const pieces = splitText('é'.repeat(9), 5);
    expect(pieces).toEqual(['éé', 'éé', 'éé', 'éé', 'é']);
    for (const piece of splitText('日本語のテキスト '.repeat(100), 100))
      expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(100);
  });
});
