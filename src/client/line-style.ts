import { NAME_PATTERN_SOURCE, foldName } from '../core/names';
import { ROOM_PATTERN_SOURCE, roomKey } from '../core/rooms';

/** Names as the server allows them; anything else is not parsed as a name. */
const NAME = NAME_PATTERN_SOURCE;
const SAID = new RegExp(`^(${NAME}): `);
const ACTION = new RegExp(`^\\* (${NAME}) `);
const PRIVATE = new RegExp(`^\\[pm\\] (${NAME}): `);
const JOINED = new RegExp(`^(${NAME}) joined the chat$`);
const RENAMED = new RegExp(`^(${NAME}) is now known as (${NAME})$`);
/** `[#rust] ` before a line about a room other than the default room. */
const ROOM_PREFIX = new RegExp(`^\\[(${ROOM_PATTERN_SOURCE})\\] `);
/** `bob joined`: a join to a room (the prefix taken off), not to the chat. */
const ENTERED = new RegExp(`^(${NAME}) joined$`);
/** `[history 2026-12-05 23:10:02 UTC] `: a line from a room's history, not a live one. */
const HISTORY = /^\[history [0-9: -]+ UTC\] /;

const RESET = '\x1b[0m';
const BOLD_RED = '\x1b[1;31m';
const DIM = '\x1b[2m';
const MAGENTA = '\x1b[35m';
/** Colours for names and rooms: red is left out, it means errors. */
const COLOUR_CODES = ['32', '33', '34', '35', '36', '92', '93', '94', '95', '96'];
const NAME_COLOURS = COLOUR_CODES.map((code) => `\x1b[${code}m`);
/** Room colours: the same hues in bold, so that a room tag does not read as a name. */
const ROOM_COLOURS = COLOUR_CODES.map((code) => `\x1b[1;${code}m`);

/**
 * C0 controls and DEL except tab, plus C1: a peer must not be able to move the cursor, clear
 * the screen or recolour the terminal by sending escape sequences in a message.
 */
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** The same name always gets the same colour, whatever its case (names are case-insensitive). */
export function nameColour(name: string): string {
  return NAME_COLOURS[hash(foldName(name)) % NAME_COLOURS.length]!;
}

/** The same room always gets the same colour, however it is spelt (`#Rust`, `#rust` and `#ru5t` are one room). */
export function roomColour(room: string): string {
  return ROOM_COLOURS[hash(roomKey(room)) % ROOM_COLOURS.length]!;
}

/** `[#rust]`, in the room's colour when `colour`. */
export function roomTag(room: string, colour: boolean): string {
  return colour ? `${roomColour(room)}[${room}]${RESET}` : `[${room}]`;
}

/** FNV-1a: cheap, and spreads similar keys apart. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** How a server line is shown on a terminal: control characters made visible, styled when `colour`. */
export function styleLine(line: string, colour: boolean): string {
  const text = line.replace(CONTROL_CHARS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (!colour) return text;
  const room = ROOM_PREFIX.exec(text);
  // The rest of a room's line reads as the same line about the default room would.
  return room ? `${roomTag(room[1]!, true)} ${styleText(text.slice(room[0].length))}` : styleText(text);
}

/** Colours a line (control characters already made visible) by what it says. */
function styleText(text: string): string {
  const paint = (code: string, s: string) => `${code}${s}${RESET}`;
  const name = (s: string) => paint(nameColour(s), s);

  if (text.startsWith('[!] ')) return paint(BOLD_RED, text);
  let m = HISTORY.exec(text);
  // History reads dimmed, so that it does not pass for what is being said now.
  if (m)
    return `${paint(DIM, m[0].trimEnd())} ${paint(DIM, styleText(text.slice(m[0].length)).replaceAll(RESET, `${RESET}${DIM}`))}`;
  if (text.startsWith('[*] ') || text.startsWith('[-] ')) return paint(DIM, text);
  m = PRIVATE.exec(text);
  if (m) return `${paint(MAGENTA, '[pm]')} ${name(m[1]!)}: ${text.slice(m[0].length)}`;
  m = ACTION.exec(text);
  if (m) return `* ${name(m[1]!)} ${text.slice(m[0].length)}`;
  m = SAID.exec(text);
  if (m) return `${name(m[1]!)}: ${text.slice(m[0].length)}`;
  m = RENAMED.exec(text);
  if (m) return `${name(m[1]!)} ${paint(DIM, 'is now known as')} ${name(m[2]!)}`;
  m = JOINED.exec(text);
  if (m) return `${name(m[1]!)} ${paint(DIM, 'joined the chat')}`;
  m = ENTERED.exec(text);
  if (m) return `${name(m[1]!)} ${paint(DIM, 'joined')}`;
  return text;
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourEnabled(env: NodeJS.ProcessEnv, output: { readonly isTTY?: boolean }): boolean {
  const noColour = env['NO_COLOR'];
  return output.isTTY === true && (noColour === undefined || noColour === '');
}
