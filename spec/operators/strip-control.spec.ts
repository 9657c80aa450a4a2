import type { ChatEvent } from '../../src/core/events';
import { commands, stripControl, stripUnsafe } from '../../src/operators';
import { chatMarbles, connect } from '../../src/testing';
import { run, timeline } from '../support/marbles';

const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Every character the rules say must go: C0 but TAB, DEL, C1, bidi overrides/isolates, zero-width,
 * BOM; and the rest of Unicode's format characters and separators: LRM/RLM/ALM, word joiners,
 * soft hyphen, U+2028/U+2029 (which break lines in many clients).
 */
const UNSAFE = [
  0xad,
  0x061c,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  ...range(0x2060, 0x2064),
  ...range(0x206a, 0x206f),
  ...range(0x00, 0x08),
  ...range(0x0a, 0x1f),
  0x7f,
  ...range(0x80, 0x9f),
  ...range(0x202a, 0x202e),
  ...range(0x2066, 0x2069),
  ...range(0x200b, 0x200d),
  0xfeff,
];

/** Neighbours of those ranges, and ordinary text, that must be kept. */
const SAFE = [0x09, 0x20, 0x7e, 0xa0, 0xe9, 0x200a, 0x202f, 0x2065, 0xfe0f, 0xfefe, 0xff01, 0x1f1e6, 0x1f600];

describe('stripUnsafe', () => {
  it.each(UNSAFE.map((code) => [hex(code), code]))('removes %s', (_, code) => {
    const char = String.fromCodePoint(code);
    expect(stripUnsafe(`a${char}b${char}`)).toBe('ab');
  });

  it.each(SAFE.map((code) => [hex(code), code]))('keeps %s', (_, code) => {
    const char = String.fromCodePoint(code);
    expect(stripUnsafe(`a${char}b`)).toBe(`a${char}b`);
  });

  it('takes the ESC (and CSI) out of terminal escape sequences, so none can act', () => {
    expect(stripUnsafe('\x1b[2J\x1b[31mred\x1b[0m \x9b31mcsi\x1b]0;title\x07')).toBe('[2J[31mred[0m 31mcsi]0;title');
  });

  it('cannot be used to fake a line from someone else or reverse text', () => {
    expect(stripUnsafe('hi\r\nbob: give me your password')).toBe('hibob: give me your password');
    expect(stripUnsafe('\u202Egnp.exe\u202C \u2066x\u2069')).toBe('gnp.exe x');
    expect(stripUnsafe('ad\u200Bm\u200Ci\u200Dn\uFEFF')).toBe('admin');
  });

  it('keeps tabs and non-ASCII text', () => {
    expect(stripUnsafe('caf\u00e9\t日本語 😀')).toBe('caf\u00e9\t日本語 😀');
  });
});

describe('stripControl()', () => {
  it('cleans line events and passes every other event as it is', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, ChatEvent> = {
        c: { type: 'connected', id: '1', remote: { address: '127.0.0.1', port: 1 } },
        l: { type: 'line', id: '1', text: 'h\x1b[1mi\u202E!' },
        n: { type: 'notice', id: '1', notice: { code: 'text', level: 'info', text: 'kept\x07' } },
        d: { type: 'disconnected', id: '1', reason: 'error', error: 'x\x00' },
      };
      expectObservable(hot('c-l-n-d', events).pipe(stripControl())).toBe('c-l-n-d', {
        ...events,
        l: { type: 'line', id: '1', text: 'h[1mi!' },
      });
    });
  });
});

describe('stripped before anything is sent or logged', () => {
  it('delivers and logs the cleaned text; a line of nothing but control characters is sent to no one', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: [stripControl(), commands()] });
      chat.client('alice', timeline({ 0: 'c', 10: 'e', 20: 'z', 30: 'm', 40: 'p' }), {
        c: connect,
        e: '\x1b[2J\x1b[Hhi\x07 \u202Ethere\u202C',
        z: '\u200B\x1b\x7f\u0085\uFEFF',
        m: '/me \x1b[5mblinks',
        p: '/msg bob \u2067secret\u2069',
      });
      chat.client('bob', timeline({ 5: 'c' }), { c: connect });
      helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ 5: '(WJ)', 10: 'e', 30: 'm', 40: 'p' }), {
        W: '[*] Welcome, bob! Type /help for commands.',
        J: 'bob joined the chat',
        e: 'alice: [2J[Hhi there',
        m: '* alice [5mblinks',
        p: '[pm] alice: secret',
      });
      helpers.expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'e' }), {
        a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
        b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
        e: { type: 'said', name: 'alice', text: '[2J[Hhi there' },
      });
    });
  });
});
