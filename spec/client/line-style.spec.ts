import { colourEnabled, nameColour, styleLine } from '../../src/client/line-style';

const ESC = '\x1b';
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('styleLine', () => {
  it('leaves lines alone without colour', () => {
    for (const line of ['alice: hi', '[!] no such user: bob', '* alice waves', 'x is now known as y']) {
      expect(styleLine(line, false)).toBe(line);
    }
  });

  it('gives a name the same colour wherever it appears, whatever its case', () => {
    const colour = nameColour('alice');
    expect(nameColour('ALICE')).toBe(colour);
    for (const line of ['alice: hi', '* alice waves', '[pm] alice: psst', 'alice joined the chat']) {
      expect(styleLine(line, true)).toContain(`${colour}alice${ESC}[0m`);
    }
    expect(styleLine('bob is now known as Alice', true)).toContain(`${colour}Alice${ESC}[0m`);
  });

  it('spreads names over several colours, never red', () => {
    const names = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'grace', 'heidi'];
    const colours = new Set(names.map(nameColour));
    expect(colours.size).toBeGreaterThan(3);
    expect([...colours]).not.toContain(`${ESC}[31m`);
  });

  it('styles errors and notices apart from chat lines', () => {
    expect(styleLine('[!] line too long', true)).toBe(`${ESC}[1;31m[!] line too long${ESC}[0m`);
    expect(styleLine('[*] server shutting down', true)).toBe(`${ESC}[2m[*] server shutting down${ESC}[0m`);
    expect(styleLine('[-] bob left the chat.', true)).toBe(`${ESC}[2m[-] bob left the chat.${ESC}[0m`);
  });

  it('dims history lines whole, mark and message, so that they do not pass for live ones', () => {
    const line = '[#rust] [history 2026-12-05 23:10:02 UTC] alice: hi';
    const styled = styleLine(line, true);
    expect(plain(styled)).toBe(line);
    expect(styled).toContain(`${ESC}[2m[history 2026-12-05 23:10:02 UTC]${ESC}[0m ${ESC}[2m`);
    expect(styled).toContain(`${nameColour('alice')}alice`);
    expect(styleLine('alice: [history 2026-12-05 23:10:02 UTC] hi', true)).not.toContain(`${ESC}[2m`);
  });

  it('changes only colours, never the text', () => {
    const line = '[pm] alice: meet at 5: ok?';
    expect(plain(styleLine(line, true))).toBe(line);
  });

  it('shows control characters from the wire as text instead of sending them to the terminal', () => {
    expect(styleLine(`bob: ${ESC}[2Jgotcha\x07`, false)).toBe('bob: \\x1b[2Jgotcha\\x07');
    expect(styleLine('bob: tab\there', false)).toBe('bob: tab\there');
  });
});

describe('colourEnabled', () => {
  it('is on for a terminal only, and off when NO_COLOR is set', () => {
    expect(colourEnabled({}, { isTTY: true })).toBe(true);
    expect(colourEnabled({}, { isTTY: false })).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ NO_COLOR: '1' }, { isTTY: true })).toBe(false);
    // https://no-color.org: an empty NO_COLOR does not count.
    expect(colourEnabled({ NO_COLOR: '' }, { isTTY: true })).toBe(true);
  });
});
