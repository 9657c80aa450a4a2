import {
  type ChatHistoryQuery,
  RoomTimeIndex,
  keepPlanned,
  parseChatHistory,
  planChatHistory,
} from '../../../src/transports/irc/irc-chathistory';
import { parseIrcLine, type IrcMessage } from '../../../src/transports/irc/irc-message';
import type { IrcServerInfo } from '../../../src/transports/irc/irc-replies';

const info: IrcServerInfo = {
  serverName: 'irc.test',
  version: '1.0.0',
  createdAt: new Date(0),
  maxRoomsPerClient: 50,
  maxLineBytes: 4096,
};
const parse = (line: string) => parseIrcLine(line) as IrcMessage;
const query = (line: string): ChatHistoryQuery => {
  const parsed = parseChatHistory(parse(line), info);
  if (!('query' in parsed)) throw new Error(parsed.fail.join('\n'));
  return parsed.query;
};
const LATEST = Number.MAX_SAFE_INTEGER;

describe('CHATHISTORY', () => {
  it('reads LATEST, BEFORE and AFTER with * , msgid= and timestamp=', () => {
    expect(query('CHATHISTORY LATEST #rust * 50')).toEqual({
      subcommand: 'LATEST',
      target: '#rust',
      ref: { kind: 'none' },
      count: 50,
    });
    expect(query('CHATHISTORY before #rust msgid=rust:42 10').ref).toEqual({ kind: 'msgid', room: '#rust', id: 42 });
    expect(query('CHATHISTORY AFTER #rust timestamp=2026-12-05T23:10:02.000Z 10').ref).toEqual({
      kind: 'time',
      at: Date.UTC(2026, 11, 5, 23, 10, 2),
    });
    // A limit above what the server gives is lowered to it.
    expect(query('CHATHISTORY LATEST #rust * 5000').count).toBe(100);
  });

  it('answers what it cannot read with FAIL CHATHISTORY', () => {
    const fail = (line: string) => parseChatHistory(parse(line), info);
    expect(fail('CHATHISTORY')).toEqual({ fail: [':irc.test FAIL CHATHISTORY NEED_MORE_PARAMS :Missing parameters'] });
    expect(fail('CHATHISTORY LATEST #rust *')).toEqual({
      fail: [':irc.test FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :Missing parameters'],
    });
    expect(fail('CHATHISTORY AROUND #rust msgid=rust:1 10')).toEqual({
      fail: [':irc.test FAIL CHATHISTORY UNKNOWN_COMMAND AROUND :Unknown or unsupported subcommand'],
    });
    expect(fail('CHATHISTORY BEFORE #rust * 10')).toEqual({
      fail: [':irc.test FAIL CHATHISTORY INVALID_PARAMS BEFORE * :Invalid message reference'],
    });
    expect(fail('CHATHISTORY LATEST #rust * 0')).toEqual({
      fail: [':irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST 0 :Invalid limit'],
    });
    expect(fail('CHATHISTORY LATEST #rust timestamp=soon 10')).toEqual({
      fail: [':irc.test FAIL CHATHISTORY INVALID_PARAMS LATEST timestamp=soon :Invalid message reference'],
    });
  });

  it('plans each query as a page before an id, keeping what the query asks of the answer', () => {
    const index = new RoomTimeIndex();
    expect(planChatHistory(query('CHATHISTORY LATEST #rust * 5'), '#rust', index)).toEqual({
      before: LATEST,
      count: 5,
    });
    expect(planChatHistory(query('CHATHISTORY LATEST #rust msgid=rust:9 5'), '#rust', index)).toEqual({
      before: LATEST,
      count: 5,
      after: 9,
    });
    expect(planChatHistory(query('CHATHISTORY BEFORE #rust msgid=rust:9 5'), '#rust', index)).toEqual({
      before: 9,
      count: 5,
    });
    expect(planChatHistory(query('CHATHISTORY AFTER #rust msgid=rust:9 5'), '#rust', index)).toEqual({
      before: 15,
      count: 5,
      after: 9,
    });
    // A msgid of another room, or one this server never gave, matches nothing.
    expect(planChatHistory(query('CHATHISTORY BEFORE #rust msgid=go:9 5'), '#rust', index)).toBe('empty');
    expect(planChatHistory(query('CHATHISTORY BEFORE #rust msgid=abc 5'), '#rust', index)).toBe('empty');
  });

  it('finds a time in the index, and keeps only messages on the right side of it', () => {
    const index = new RoomTimeIndex();
    for (let id = 10; id <= 20; id++) index.add('#rust', id, id * 1000);
    index.addOlder('#rust', [
      { id: 5, at: 5000 },
      { id: 12, at: 12000 },
    ]);
    expect(index.firstAtOrAfter('#rust', 12000)).toBe(12);
    expect(index.firstAtOrAfter('#rust', 11500)).toBe(12);
    expect(index.firstAtOrAfter('#rust', 1000)).toBe(5);
    expect(index.firstAtOrAfter('#rust', 99_000)).toBeUndefined();
    const iso = (at: number) => new Date(at).toISOString();
    const before = planChatHistory(query(`CHATHISTORY BEFORE #rust timestamp=${iso(12000)} 3`), '#rust', index);
    expect(before).toEqual({ before: 12, count: 3, beforeAt: 12000 });
    const after = planChatHistory(query(`CHATHISTORY AFTER #rust timestamp=${iso(12000)} 3`), '#rust', index);
    expect(after).toEqual({ before: 16, count: 3, afterAt: 12000 });
    const entries = [11, 12, 13].map((id) => ({ id, at: id * 1000 }));
    expect(keepPlanned({ before: 13, count: 3, beforeAt: 12000 }, entries)).toEqual([{ id: 11, at: 11000 }]);
    expect(keepPlanned({ before: LATEST, count: 3, after: 11 }, entries).map((e) => e.id)).toEqual([12, 13]);
  });
});
