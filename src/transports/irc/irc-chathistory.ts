import { parseIrcTime, parseMsgid } from './irc-history';
import type { IrcMessage } from './irc-message';
import { type IrcServerInfo, serverLine } from './irc-replies';

/** The most messages one CHATHISTORY request gives (ISUPPORT `CHATHISTORY`): the chat's page limit. */
export const CHATHISTORY_MAX = 100;

/** Where a CHATHISTORY request starts or ends: `*`, a message (`msgid=`) or a time (`timestamp=`). */
export type ChatHistoryRef =
  | { readonly kind: 'none' }
  | { readonly kind: 'msgid'; readonly room: string; readonly id: number }
  | { readonly kind: 'time'; readonly at: number };

/**
 * A CHATHISTORY request, checked: the subcommands the chat's history can answer, LATEST, BEFORE
 * and AFTER, each mapped (by the transport) onto the core's `history` command, a page before an id.
 */
export interface ChatHistoryQuery {
  readonly subcommand: 'LATEST' | 'BEFORE' | 'AFTER';
  /** The target as written. */
  readonly target: string;
  readonly ref: ChatHistoryRef;
  /** 1 to `CHATHISTORY_MAX`. */
  readonly count: number;
}

/** What a CHATHISTORY command comes to: a query, or FAIL lines (IRCv3 standard replies). */
export type ChatHistoryParse = { readonly query: ChatHistoryQuery } | { readonly fail: readonly string[] };

function fail(info: IrcServerInfo, code: string, ...params: string[]): ChatHistoryParse {
  return { fail: [serverLine(info, 'FAIL', 'CHATHISTORY', code, ...params)] };
}

function parseRef(text: string, allowStar: boolean): ChatHistoryRef | undefined {
  if (text === '*') return allowStar ? { kind: 'none' } : undefined;
  const equals = text.indexOf('=');
  if (equals === -1) return undefined;
  const type = text.slice(0, equals);
  const value = text.slice(equals + 1);
  if (type === 'msgid') {
    const msgid = parseMsgid(value);
    // A msgid this server never gave points at nothing: an empty answer, as for a forgotten one.
    return msgid === undefined ? { kind: 'msgid', room: '', id: 0 } : { kind: 'msgid', ...msgid };
  }
  if (type === 'timestamp') {
    const at = parseIrcTime(value);
    return at === undefined ? undefined : { kind: 'time', at };
  }
  return undefined;
}

/**
 * Reads `CHATHISTORY LATEST <target> <* | msgid=ID | timestamp=T> <limit>`, `BEFORE` and `AFTER`
 * (`<target> <msgid=ID | timestamp=T> <limit>`). AROUND, BETWEEN and TARGETS get
 * `FAIL CHATHISTORY UNKNOWN_COMMAND`; a limit above `CHATHISTORY_MAX` is lowered to it.
 */
export function parseChatHistory(command: IrcMessage, info: IrcServerInfo): ChatHistoryParse {
  const [word = '', target = '', refText = '', limitText = ''] = command.params;
  const subcommand = word.toUpperCase();
  if (subcommand === '') return fail(info, 'NEED_MORE_PARAMS', 'Missing parameters');
  if (subcommand !== 'LATEST' && subcommand !== 'BEFORE' && subcommand !== 'AFTER') {
    return fail(info, 'UNKNOWN_COMMAND', subcommand, 'Unknown or unsupported subcommand');
  }
  if (command.params.length < 4) return fail(info, 'NEED_MORE_PARAMS', subcommand, 'Missing parameters');
  const ref = parseRef(refText, subcommand === 'LATEST');
  if (ref === undefined) return fail(info, 'INVALID_PARAMS', subcommand, refText, 'Invalid message reference');
  if (!/^[0-9]{1,9}$/.test(limitText) || Number(limitText) === 0) {
    return fail(info, 'INVALID_PARAMS', subcommand, limitText, 'Invalid limit');
  }
  return { query: { subcommand, target, ref, count: Math.min(CHATHISTORY_MAX, Number(limitText)) } };
}

/** FAIL for a target the client may not read: a channel it is not in. */
export function invalidTargetLines(info: IrcServerInfo, query: ChatHistoryQuery): string[] {
  return [
    serverLine(
      info,
      'FAIL',
      'CHATHISTORY',
      'INVALID_TARGET',
      query.subcommand,
      query.target,
      'Messages could not be retrieved',
    ),
  ];
}

/** The largest id, for "the latest messages": the core pages back from before it. */
const LATEST = Number.MAX_SAFE_INTEGER;

/**
 * A query as the core's `history` command asks it (up to `count` messages before id `before`) and
 * what the transport keeps of the answer: ids above `after`, times after `afterAt` and before
 * `beforeAt`. `empty`: nothing can match (a msgid of another room, or none this server gave).
 */
export type ChatHistoryPlan =
  | {
      readonly before: number;
      readonly count: number;
      readonly after?: number;
      readonly afterAt?: number;
      readonly beforeAt?: number;
    }
  | 'empty';

/**
 * Plans a query on `room` (its key, as `roomKey` gives it). Ids increase by one within a room, so
 * AFTER id X is the page before X + count + 1, ids above X kept. A time is found in `index`
 * (the ids and times of the room's messages this transport has seen); the answer is filtered by
 * the time as well, so that an index that does not reach back far enough gives fewer messages,
 * never wrong ones.
 */
export function planChatHistory(query: ChatHistoryQuery, room: string, index: RoomTimeIndex): ChatHistoryPlan {
  const { ref, count } = query;
  if (ref.kind === 'msgid' && ref.room !== room) return 'empty';
  switch (query.subcommand) {
    case 'LATEST':
      if (ref.kind === 'msgid') return { before: LATEST, count, after: ref.id };
      if (ref.kind === 'time') return { before: LATEST, count, afterAt: ref.at };
      return { before: LATEST, count };
    case 'BEFORE':
      if (ref.kind === 'msgid') return { before: ref.id, count };
      if (ref.kind === 'time') return { before: index.firstAtOrAfter(room, ref.at) ?? LATEST, count, beforeAt: ref.at };
      return 'empty';
    case 'AFTER': {
      if (ref.kind === 'msgid') return { before: ref.id + count + 1, count, after: ref.id };
      if (ref.kind !== 'time') return 'empty';
      const first = index.firstAtOrAfter(room, ref.at + 1);
      return first === undefined
        ? { before: LATEST, count, afterAt: ref.at }
        : { before: first + count, count, afterAt: ref.at };
    }
  }
}

/** What a plan keeps of a page the core answered. */
export function keepPlanned<E extends { readonly id: number; readonly at: number }>(
  plan: Exclude<ChatHistoryPlan, 'empty'>,
  entries: readonly E[],
): readonly E[] {
  const { after, afterAt, beforeAt } = plan;
  if (after === undefined && afterAt === undefined && beforeAt === undefined) return entries;
  return entries.filter(
    (entry) =>
      (after === undefined || entry.id > after) &&
      (afterAt === undefined || entry.at > afterAt) &&
      (beforeAt === undefined || entry.at < beforeAt),
  );
}

/**
 * The ids and times of the last messages of each room, as the transport delivered them (live
 * lines, and history older than what it holds), to find a message by its time: the core pages by
 * id only. Bounded per room.
 */
export class RoomTimeIndex {
  private readonly rooms = new Map<string, { ids: number[]; ats: number[] }>();

  constructor(private readonly perRoom = 1024) {}

  /** A message newer than every one held (others are ignored). */
  add(room: string, id: number, at: number): void {
    let held = this.rooms.get(room);
    if (held === undefined) this.rooms.set(room, (held = { ids: [], ats: [] }));
    if (held.ids.length > 0 && id <= held.ids[held.ids.length - 1]!) return;
    held.ids.push(id);
    held.ats.push(at);
    if (held.ids.length > 2 * this.perRoom) {
      held.ids = held.ids.slice(-this.perRoom);
      held.ats = held.ats.slice(-this.perRoom);
    }
  }

  /** Messages of a page or scrollback, oldest first: those older than every one held go in front. */
  addOlder(room: string, entries: readonly { readonly id: number; readonly at: number }[]): void {
    const held = this.rooms.get(room);
    if (held === undefined || held.ids.length === 0) {
      for (const entry of entries) this.add(room, entry.id, entry.at);
      return;
    }
    const older = entries.filter((entry) => entry.id < held.ids[0]!).slice(-this.perRoom);
    if (older.length === 0) return;
    held.ids = [...older.map((entry) => entry.id), ...held.ids];
    held.ats = [...older.map((entry) => entry.at), ...held.ats];
  }

  /** The id of the first message held said at `at` or later, or undefined when there is none. */
  firstAtOrAfter(room: string, at: number): number | undefined {
    const held = this.rooms.get(room);
    if (held === undefined) return undefined;
    let low = 0;
    let high = held.ats.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (held.ats[mid]! < at) low = mid + 1;
      else high = mid;
    }
    return low < held.ids.length ? held.ids[low] : undefined;
  }

  /** Forgets a room (it is gone). */
  delete(room: string): void {
    this.rooms.delete(room);
  }
}
