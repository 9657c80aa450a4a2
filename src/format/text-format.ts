import {
  type ChatMessage,
  type HistoryMessage,
  type Notice,
  type RoomsMessage,
  type WhoMessage,
  noticeLevel,
} from '../core/events';
import { DEFAULT_ROOM } from '../core/rooms';

/** A notice's words, without the `[!] `/`[*] ` prefix. */
export function formatNotice(notice: Notice): string {
  switch (notice.code) {
    case 'line-too-long':
      return `line too long (max ${notice.maxBytes} bytes)`;
    case 'invalid-name':
      return `invalid name: ${notice.name} (use 1-32 of A-Z a-z 0-9 . _ -)`;
    case 'same-name':
      return `you are already ${notice.name}`;
    case 'name-taken':
      return `name taken: ${notice.name}`;
    case 'no-such-user':
      return `no such user: ${notice.name}`;
    case 'usage':
      return `usage: ${notice.usage}`;
    case 'unknown-command':
      return `unknown command: /${notice.command} (try /help)`;
    case 'rate-limited':
      return 'rate limit exceeded, message dropped';
    case 'server-full':
      return 'server full';
    case 'too-many-connections':
      return `too many connections from your address (max ${notice.limit})`;
    case 'connecting-too-fast':
      return `connecting too fast from your address; try again in ${notice.retryAfterSeconds} s`;
    case 'idle-timeout':
      return 'idle timeout';
    case 'invalid-room':
      return `invalid room name: ${notice.room} (use # and 1-32 of A-Z a-z 0-9 . _ -)`;
    case 'too-many-rooms':
      return `too many rooms: you are in ${notice.limit}, the most allowed (/part one first)`;
    case 'server-rooms-full':
      return `too many rooms on the server (max ${notice.limit}): join one that exists (/rooms)`;
    case 'no-room':
      return `you are in no room (try /join ${notice.defaultRoom})`;
    case 'not-in-room':
      return `you are not in ${notice.room}`;
    case 'no-such-room':
      return `no such room: ${notice.room}`;
    case 'excess-flood':
      return 'excess flood';
    case 'cannot-resume':
      return `cannot resume: ${notice.reason === 'in-use' ? 'this connection holds that session already' : 'no such session (unknown, expired or ended)'}`;
    case 'session-taken':
      return 'your session was resumed by another connection';
    case 'no-sessions':
      return 'sessions are not available on this server';
    case 'text':
      return notice.text;
  }
}

/**
 * How each message reads on the TCP text protocol: one line, or several for /help (LF between
 * them, none at the end). Lines about a room other than `defaultRoom` start with `[#room] `; lines
 * about the default room read as they did before rooms.
 */
export function formatText(message: ChatMessage, defaultRoom: string = DEFAULT_ROOM, ids = false): string {
  if (ids && (message.type === 'said' || message.type === 'action') && message.id !== undefined) {
    return `@id=${message.id} ${formatText(message, defaultRoom)}`;
  }
  switch (message.type) {
    case 'welcome':
      return `[*] Welcome, ${message.name}! Type /help for commands.`;
    case 'joined':
      return `${message.name} joined the chat`;
    case 'entered':
      return `${roomPrefix(message.room, defaultRoom)}${message.name} joined`;
    case 'parted':
      return `${roomPrefix(message.room, defaultRoom)}[-] ${message.name} left${
        message.reason === undefined ? '' : ` (${message.reason})`
      }`;
    case 'rooms':
      return formatRooms(message);
    case 'said':
      return `${roomPrefix(message.room, defaultRoom)}${message.name}: ${message.text}`;
    case 'left':
      return message.reason === undefined
        ? `[-] ${message.name} left the chat.`
        : `[-] ${message.name} left the chat. (${message.reason})`;
    case 'renamed':
      return `${message.from} is now known as ${message.to}`;
    case 'action':
      return `${roomPrefix(message.room, defaultRoom)}* ${message.name} ${message.text}`;
    case 'private':
      return `[pm] ${message.from}: ${message.text}`;
    case 'who':
      return formatWho(
        message,
        message.room === undefined || message.room === defaultRoom ? '' : ` in ${message.room}`,
      );
    case 'notice':
      return `${noticeLevel(message.notice) === 'error' ? '[!]' : '[*]'} ${formatNotice(message.notice)}`;
    case 'help':
      return [
        '[*] commands (start a message with // to send a line that begins with /):',
        ...message.commands.map(({ usage, description }) => `[*] ${usage} - ${description}`),
      ].join('\n');
    case 'shutdown':
      return '[*] server shutting down';
    case 'joined-many':
      return `${roomPrefix(message.room, defaultRoom)}[+] ${message.count} joined: ${nameList(message.names, message.count)}`;
    case 'left-many':
      return `${roomPrefix(message.room, defaultRoom)}[-] ${message.count} left: ${nameList(message.names, message.count)}`;
    case 'history':
      return formatHistory(message, defaultRoom, ids);
    case 'session':
      return `[*] session ${message.token} (reconnect within ${message.windowSeconds} s and send /resume ${message.token} first)`;
    case 'resumed':
      return `[*] resumed as ${message.name} in ${message.rooms.length === 0 ? 'no room' : message.rooms.join(', ')}`;
  }
}

/**
 * History as lines that no live line can look like: `[history 2026-12-05 23:10:02 UTC] alice: hi`
 * (after the room's prefix), then what a replay could not give or a page's end.
 */
function formatHistory(message: HistoryMessage, defaultRoom: string, ids: boolean): string {
  const prefix = roomPrefix(message.room, defaultRoom);
  const lines: string[] = [];
  if (message.missed !== undefined && message.missed > 0) {
    lines.push(`${prefix}[!] ${message.missed} missed message${message.missed === 1 ? ' is' : 's are'} no longer kept`);
  }
  for (const entry of message.entries) {
    const mark = `${ids ? `@id=${entry.id} ` : ''}${prefix}[history ${historyTime(entry.at)}] `;
    lines.push(entry.type === 'said' ? `${mark}${entry.name}: ${entry.text}` : `${mark}* ${entry.name} ${entry.text}`);
  }
  if (message.reason === 'page' && message.more === false) lines.push(`${prefix}[*] no earlier messages`);
  return lines.join('\n');
}

/** `2026-12-05 23:10:02 UTC`: the time a message was accepted, in UTC, to the second. */
export function historyTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `[#rust] ` for a line about #rust; nothing for the default room (or none). */
function roomPrefix(room: string | undefined, defaultRoom: string): string {
  return room === undefined || room === defaultRoom ? '' : `[${room}] `;
}

/** `[*] 3 rooms: #lobby (12), #rust (3), #go (1)`, bounded like /who. */
function formatRooms({ rooms, count, prefix }: RoomsMessage): string {
  const bounded = count > rooms.length;
  const names = rooms.map((room) => `${room.name} (${room.size})`).join(', ');
  const list = rooms.length === 0 ? '' : `: ${names}${bounded ? ', ...' : ''}`;
  const noun = count === 1 ? 'room' : 'rooms';
  if (prefix === undefined) {
    return `[*] ${count} ${noun}${list}${bounded ? ` (first ${rooms.length}; /rooms PREFIX to search)` : ''}`;
  }
  return `[*] ${count} ${noun} matching "${prefix}"${list}${bounded ? ` (first ${rooms.length} of ${count})` : ''}`;
}

/**
 * `[*] 3 online: a, b, c`; past the bound, the first names and how to search; with a prefix,
 * `[*] 2 online matching "al": alice, alan`.
 */
function formatWho({ names, count, prefix }: WhoMessage, where: string): string {
  const bounded = count > names.length;
  const list = names.length === 0 ? '' : `: ${names.join(', ')}${bounded ? ', ...' : ''}`;
  if (prefix === undefined) {
    return `[*] ${count} online${where}${list}${bounded ? ` (first ${names.length}; /who PREFIX to search)` : ''}`;
  }
  return `[*] ${count} online${where} matching "${prefix}"${list}${bounded ? ` (first ${names.length} of ${count})` : ''}`;
}

/** `a, b, c` or, when there were more than named, `a, b, c, ... and 237 more`. */
function nameList(names: readonly string[], count: number): string {
  const more = count - names.length;
  return more > 0 ? `${names.join(', ')}, ... and ${more} more` : names.join(', ');
}

/** The bytes of one protocol line: the message's text and LF, encoded once for all recipients. */
export function encodeLine(message: ChatMessage, defaultRoom: string = DEFAULT_ROOM, ids = false): Buffer {
  return Buffer.from(`${formatText(message, defaultRoom, ids)}\n`, 'utf8');
}
