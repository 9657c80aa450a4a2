import { NAME_PATTERN_SOURCE, foldName } from '../core/names';

/** Names as the server allows them; anything else is not parsed as a name. */
const NAME = NAME_PATTERN_SOURCE;
const SAID = new RegExp(`^(${NAME}): `);
const ACTION = new RegExp(`^\\* (${NAME}) `);
const PRIVATE = new RegExp(`^\\[pm\\] (${NAME}): `);
const JOINED = new RegExp(`^(${NAME}) joined the chat$`);
const RENAMED = new RegExp(`^(${NAME}) is now known as (${NAME})$`);

const RESET = '\x1b[0m';
const BOLD_RED = '\x1b[1;31m';
const DIM = '\x1b[2m';
const MAGENTA = '\x1b[35m';
/** Name colours: red is left out, it means errors. */
const NAME_COLOURS = ['32', '33', '34', '35', '36', '92', '93', '94', '95', '96'].map((code) => `\x1b[${code}m`);

/**
 * C0 controls and DEL except tab, plus C1: a peer must not be able to move the cursor, clear
 * the screen or recolour the terminal by sending escape sequences in a message.
 */
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** The same name always gets the same colour, whatever its case (names are case-insensitive). */
export function nameColour(name: string): string {
  // FNV-1a: cheap, and spreads similar names apart.
  let hash = 0x811c9dc5;
  const key = foldName(name);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return NAME_COLOURS[(hash >>> 0) % NAME_COLOURS.length]!;
}

/** How a server line is shown on a terminal: control characters made visible, styled when `colour`. */
export function styleLine(line: string, colour: boolean): string {
  const text = line.replace(CONTROL_CHARS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (!colour) return text;
  const paint = (code: string, s: string) => `${code}${s}${RESET}`;
  const name = (s: string) => paint(nameColour(s), s);

  if (text.startsWith('[!] ')) return paint(BOLD_RED, text);
  if (text.startsWith('[*] ') || text.startsWith('[-] ')) return paint(DIM, text);
  let m = PRIVATE.exec(text);
  if (m) return `${paint(MAGENTA, '[pm]')} ${name(m[1]!)}: ${text.slice(m[0].length)}`;
  m = ACTION.exec(text);
  if (m) return `* ${name(m[1]!)} ${text.slice(m[0].length)}`;
  m = SAID.exec(text);
  if (m) return `${name(m[1]!)}: ${text.slice(m[0].length)}`;
  m = RENAMED.exec(text);
  if (m) return `${name(m[1]!)} ${paint(DIM, 'is now known as')} ${name(m[2]!)}`;
  m = JOINED.exec(text);
  if (m) return `${name(m[1]!)} ${paint(DIM, 'joined the chat')}`;
  return text;
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourEnabled(env: NodeJS.ProcessEnv, output: { readonly isTTY?: boolean }): boolean {
  const noColour = env['NO_COLOR'];
  return output.isTTY === true && (noColour === undefined || noColour === '');
}
