import type { HistoryMessage } from '../../core/events';
import type { HistoryEntry } from '../../core/records';
import { roomKey } from '../../core/rooms';
import { formatText } from '../../format/text-format';
import { serialiseTags } from './irc-message';
import { type IrcServerInfo, actionLines, serverLine, textLines, userSource } from './irc-replies';

/**
 * What a client negotiated that changes how lines are written to it: the `time` tag on every line
 * (server-time or message-tags), other tags such as `msgid` (message-tags), and history as a
 * `chathistory` batch of the original PRIVMSGs (batch and server-time).
 */
export interface IrcFlavour {
  readonly time: boolean;
  readonly tags: boolean;
  readonly batch: boolean;
}

/** The flavour of a client with these capabilities. */
export function flavourOf(capabilities: ReadonlySet<string>): IrcFlavour {
  const tags = capabilities.has('message-tags');
  const time = tags || capabilities.has('server-time');
  return { time, tags, batch: capabilities.has('batch') && capabilities.has('server-time') };
}

/** A flavour as a short key (`000` for a plain client), one output table per key. */
export function flavourKey(flavour: IrcFlavour): string {
  return `${+flavour.time}${+flavour.tags}${+flavour.batch}`;
}

/**
 * A message's `msgid`: its room (as the chat compares rooms) and its id in the room's history,
 * `rust:42`. The same on every connection and every process, and after a restart with a store;
 * the pieces of a line cut to fit IRC's 512 bytes after the first get `.2`, `.3`, ...
 */
export function msgidOf(room: string, id: number, piece = 1): string {
  const base = `${roomKey(room).slice(1)}:${id}`;
  return piece === 1 ? base : `${base}.${piece}`;
}

/** The room key (`#rust`) and history id of a `msgid` this server gave, or undefined for any other. */
export function parseMsgid(msgid: string): { readonly room: string; readonly id: number } | undefined {
  const match = /^([^:\s]+):([0-9]{1,15})(?:\.[0-9]{1,4})?$/.exec(msgid);
  if (match === null) return undefined;
  return { room: `#${match[1]!}`, id: Number(match[2]) };
}

/** `2026-12-05T23:10:02.123Z`, as server-time writes a time. */
export function ircTime(at: number): string {
  return new Date(at).toISOString();
}

/** A server-time timestamp (`YYYY-MM-DDThh:mm:ss.sssZ`, the fraction optional) in ms, or undefined. */
export function parseIrcTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** A chat line or action as PRIVMSG lines from its sender (CTCP ACTION for `/me`). */
export function entryLines(room: string, entry: Pick<HistoryEntry, 'type' | 'name' | 'text'>): string[] {
  const source = userSource(entry.name);
  return entry.type === 'said' ? textLines(source, 'PRIVMSG', room, entry.text) : actionLines(source, room, entry.text);
}

/**
 * `lines` (the pieces of one message) with its tags in front: `time`, and with message-tags its
 * `msgid` (each piece its own) and any `extra` tags (the batch a line belongs to).
 */
export function withMessageTags(
  lines: readonly string[],
  flavour: IrcFlavour,
  at: number,
  room: string,
  id: number | undefined,
  extra: Readonly<Record<string, string>> = {},
): string[] {
  return lines.map((line, i) => {
    const tags: Record<string, string> = { ...extra };
    if (flavour.time) tags['time'] = ircTime(at);
    if (flavour.tags && id !== undefined) tags['msgid'] = msgidOf(room, id, i + 1);
    return serialiseTags(tags) + line;
  });
}

/**
 * History for a client that negotiated batch and server-time: a `chathistory` batch of the
 * original PRIVMSGs, each with the time it was said and its msgid, so that the client shows them
 * as history in its own way (after a NOTICE telling how many missed messages are no longer kept).
 * `ref` names the batch; it need only be unique on the connection while the batch is open, and
 * the whole batch is written at once.
 */
export function historyBatchLines(
  info: IrcServerInfo,
  message: Pick<HistoryMessage, 'room' | 'entries' | 'missed'>,
  flavour: IrcFlavour,
  ref: string,
): string[] {
  const { room } = message;
  const lines: string[] = [];
  if (message.missed !== undefined && message.missed > 0) {
    lines.push(
      serverLine(
        info,
        'NOTICE',
        room,
        formatText({ ...message, type: 'history', reason: 'replay', entries: [] }, room),
      ),
    );
  }
  lines.push(`BATCH +${ref} chathistory ${room}`);
  for (const entry of message.entries) {
    lines.push(...withMessageTags(entryLines(room, entry), flavour, entry.at, room, entry.id, { batch: ref }));
  }
  lines.push(`BATCH -${ref}`);
  return lines;
}
