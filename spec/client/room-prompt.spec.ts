import { nameColour, roomColour, roomTag, styleLine } from '../../src/client/line-style';
import { roomPrompt } from '../../src/client/room-prompt';
import { DEFAULT, INITIAL_ROOM_STATE } from '../../src/client/room-tracker';

const ESC = '\x1b';
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const inRoom = (current: string | undefined) => ({ ...INITIAL_ROOM_STATE, current });

describe('roomPrompt', () => {
  it('keeps the bare prompt in the default room, whose lines are unprefixed too', () => {
    expect(roomPrompt(INITIAL_ROOM_STATE, false)).toBe('> ');
    expect(roomPrompt(inRoom(DEFAULT), true)).toBe('> ');
  });

  it('names any other room, in its colour when colour is on', () => {
    expect(roomPrompt(inRoom('#rust'), false)).toBe('[#rust] > ');
    expect(roomPrompt(inRoom('#rust'), true)).toBe(`${roomColour('#rust')}[#rust]${ESC}[0m > `);
    expect(roomPrompt(inRoom('#rust'), false, '$ ')).toBe('[#rust] $ ');
  });

  it('says when you are in no room', () => {
    expect(roomPrompt(inRoom(undefined), false)).toBe('(no room) > ');
    expect(plain(roomPrompt(inRoom(undefined), true))).toBe('(no room) > ');
  });
});

describe('room prefixes', () => {
  it('are coloured, a room the same colour wherever and however it is written', () => {
    const colour = roomColour('#rust');
    expect(roomColour('#RUST')).toBe(colour);
    expect(roomColour('#ru5t')).toBe(colour);
    for (const line of ['[#rust] bob: hi', '[#rust] * bob waves', '[#rust] bob joined', '[#rust] [-] bob left (bye)']) {
      expect(styleLine(line, true).startsWith(`${colour}[#rust]${ESC}[0m `)).toBe(true);
    }
    expect(styleLine('[#Rust] bob: hi', true)).toContain(`${colour}[#Rust]`);
    expect(roomTag('#rust', true)).toBe(`${colour}[#rust]${ESC}[0m`);
  });

  it('spread rooms over several colours, never red, and apart from names (bold)', () => {
    const colours = new Set(['#a', '#rust', '#go', '#lobby', '#help', '#ops', '#dev', '#random'].map(roomColour));
    expect(colours.size).toBeGreaterThan(3);
    for (const colour of colours) expect(colour).toMatch(/^\x1b\[1;(3[2-6]|9[2-6])m$/);
  });

  it('leave the rest of the line styled as for the default room', () => {
    const rest = (line: string) => styleLine(line, true).slice(roomTag('#rust', true).length + 1);
    expect(rest('[#rust] bob: hi')).toBe(styleLine('bob: hi', true));
    expect(rest('[#rust] * bob waves')).toBe(styleLine('* bob waves', true));
    expect(rest('[#rust] [-] bob left')).toBe(styleLine('[-] bob left', true));
    // A join to a room: the name coloured as elsewhere, the verb dimmed.
    expect(rest('[#rust] bob joined')).toBe(`${nameColour('bob')}bob${ESC}[0m ${ESC}[2mjoined${ESC}[0m`);
    expect(styleLine('bob joined', true)).toBe(rest('[#rust] bob joined'));
  });

  it('are left alone without colour, and a said line that looks like one is not coloured as one', () => {
    for (const line of ['[#rust] bob: hi', '[#rust] [+] 40 joined: a, b', '[*] 2 online in #rust: alice, bob']) {
      expect(styleLine(line, false)).toBe(line);
    }
    expect(styleLine('bob: [#rust] alice: fake', true)).not.toContain(roomColour('#rust'));
  });
});
