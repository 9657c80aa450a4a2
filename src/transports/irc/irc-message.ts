/**
 * The IRC message format (RFC 1459/2812 as the IRCv3 "message format" spec reads them): optional
 * tags, an optional source, a command and up to 15 parameters, the last one possibly a trailing
 * one after ` :`.
 */

/** One IRC message, parsed or to be serialised. */
export interface IrcMessage {
  /** IRCv3 message tags, unescaped (a tag without value has ''). */
  readonly tags?: Readonly<Record<string, string>>;
  /** `nick!user@host` or a server name. */
  readonly source?: string;
  /** The command word, upper case (numerics as three digits). */
  readonly command: string;
  readonly params: readonly string[];
}

/** A line's bytes without tags, CR LF included: IRC's own limit. */
export const IRC_LINE_BYTES = 512;
/** The tags of a line, `@` and the space after them included (IRCv3 message-tags). */
export const IRC_TAG_BYTES = 8191;
/** The most a client may send in one line, tags included, without its CR LF. */
export const IRC_MAX_INPUT_BYTES = IRC_TAG_BYTES + IRC_LINE_BYTES - 2;

/** Why a line was not a message. */
export type IrcParseError = 'empty' | 'too-long' | 'no-command';

const TAG_UNESCAPES: Readonly<Record<string, string>> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };
const TAG_ESCAPES: Readonly<Record<string, string>> = {
  ';': '\\:',
  ' ': '\\s',
  '\\': '\\\\',
  '\r': '\\r',
  '\n': '\\n',
};

function unescapeTagValue(value: string): string {
  // An unknown escape stands for the character itself; a lone trailing backslash is dropped.
  return value.replace(/\\(.?)/gs, (_, char: string) => TAG_UNESCAPES[char] ?? char);
}

function escapeTagValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (char) => TAG_ESCAPES[char]!);
}

function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of text.split(';')) {
    if (tag === '') continue;
    const equals = tag.indexOf('=');
    if (equals === -1) tags[tag] = '';
    else tags[tag.slice(0, equals)] = unescapeTagValue(tag.slice(equals + 1));
  }
  return tags;
}

/**
 * Parses one line (without CR LF). The part after the tags may hold at most 510 bytes (512 with
 * CR LF), the tags 8191; a longer line is `too-long`, as servers answer it with 417.
 */
export function parseIrcLine(line: string): IrcMessage | IrcParseError {
  let rest = line;
  let tags: Record<string, string> | undefined;
  if (rest.startsWith('@')) {
    const space = rest.indexOf(' ');
    if (space === -1) return 'no-command';
    if (Buffer.byteLength(rest.slice(0, space + 1)) > IRC_TAG_BYTES) return 'too-long';
    tags = parseTags(rest.slice(1, space));
    rest = rest.slice(space + 1);
  }
  rest = rest.replace(/^ +/, '');
  if (Buffer.byteLength(rest) > IRC_LINE_BYTES - 2) return 'too-long';
  if (rest === '') return tags === undefined ? 'empty' : 'no-command';
  let source: string | undefined;
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    if (space === -1) return 'no-command';
    source = rest.slice(1, space);
    rest = rest.slice(space + 1).replace(/^ +/, '');
  }
  const params: string[] = [];
  const trailingAt = rest.indexOf(' :');
  const middle = trailingAt === -1 ? rest : rest.slice(0, trailingAt);
  const words = middle.split(' ').filter((word) => word !== '');
  const command = words.shift();
  if (command === undefined || command.startsWith(':')) return 'no-command';
  params.push(...words);
  if (trailingAt !== -1) params.push(rest.slice(trailingAt + 2));
  return {
    ...(tags === undefined ? {} : { tags }),
    ...(source === undefined ? {} : { source }),
    command: command.toUpperCase(),
    params,
  };
}

/** Whether a parameter must be sent as a trailing one (after ` :`). */
function needsTrailing(param: string): boolean {
  return param === '' || param.startsWith(':') || param.includes(' ');
}

/** The tags part of a line, `@a=b;c ` (with its space), or '' for none. */
export function serialiseTags(tags: Readonly<Record<string, string>> | undefined): string {
  if (tags === undefined) return '';
  const parts = Object.entries(tags).map(([key, value]) => (value === '' ? key : `${key}=${escapeTagValue(value)}`));
  return parts.length === 0 ? '' : `@${parts.join(';')} `;
}

/**
 * A message as a line, without CR LF. The last parameter goes after ` :` when it must (empty, with
 * a space, starting with `:`) or when `trailing` says so (the text of PRIVMSG and numerics, as
 * servers write them). Parameters other than the last must not contain spaces or start with `:`.
 */
export function serialiseIrcMessage(message: IrcMessage, trailing = false): string {
  const { params } = message;
  let line = serialiseTags(message.tags);
  if (message.source !== undefined) line += `:${message.source} `;
  line += message.command;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const last = i === params.length - 1;
    line += last && (trailing || needsTrailing(param)) ? ` :${param}` : ` ${param}`;
  }
  return line;
}

/**
 * Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes each, at a space when there is one in
 * the second half of a piece, never inside a character: what a long chat line becomes on IRC,
 * where a line holds 512 bytes.
 */
export function splitText(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest) > maxBytes) {
    // The longest prefix that fits, in whole code points.
    let end = 0;
    let bytes = 0;
    for (const char of rest) {
      const size = Buffer.byteLength(char);
      if (bytes + size > maxBytes) break;
      bytes += size;
      end += char.length;
    }
    const space = rest.lastIndexOf(' ', end);
    const cut = space > end / 2 ? space : Math.max(end, 1);
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, '');
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}
