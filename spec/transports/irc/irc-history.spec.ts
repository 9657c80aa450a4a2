import {
  flavourKey,
  flavourOf,
  historyBatchLines,
  ircTime,
  msgidOf,
  parseIrcTime,
  parseMsgid,
  withMessageTags,
} from '../../../src/transports/irc/irc-history';
import { parseIrcLine } from '../../../src/transports/irc/irc-message';
import { type IrcServerInfo, historyNoticeLines } from '../../../src/transports/irc/irc-replies';

const info: IrcServerInfo = {
  serverName: 'irc.test',
  version: '1.0.0',
  createdAt: new Date(0),
  maxRoomsPerClient: 50,
  maxLineBytes: 4096,
};
const AT = Date.UTC(2026, 11, 5, 23, 10, 2, 123);
const full = flavourOf(new Set(['batch', 'server-time', 'message-tags']));

describe('IRC history and message tags', () => {
  it('gives each flavour of client its table: plain, time, tags, batch', () => {
    expect(flavourKey(flavourOf(new Set()))).toBe('000');
    expect(flavourKey(flavourOf(new Set(['server-time'])))).toBe('100');
    expect(flavourKey(flavourOf(new Set(['message-tags'])))).toBe('110');
    // A batch of history is sent only with the time of each message.
    expect(flavourKey(flavourOf(new Set(['batch'])))).toBe('000');
    expect(flavourKey(full)).toBe('111');
  });

  it('names a message by its room (as the chat compares rooms) and id, and reads that name back', () => {
    expect(msgidOf('#Rust', 42)).toBe('rust:42');
    expect(msgidOf('#rust', 42, 2)).toBe('rust:42.2');
    expect(parseMsgid('rust:42')).toEqual({ room: '#rust', id: 42 });
    expect(parseMsgid('rust:42.2')).toEqual({ room: '#rust', id: 42 });
    expect(parseMsgid('42')).toBeUndefined();
    expect(parseMsgid('rust:x')).toBeUndefined();
  });

  it('writes and reads server-time timestamps', () => {
    expect(ircTime(AT)).toBe('2026-12-05T23:10:02.123Z');
    expect(parseIrcTime('2026-12-05T23:10:02.123Z')).toBe(AT);
    expect(parseIrcTime('2026-12-05T23:10:02Z')).toBe(AT - 123);
    expect(parseIrcTime('yesterday')).toBeUndefined();
    expect(parseIrcTime('2026-13-45T23:10:02Z')).toBeUndefined();
  });

  it('tags a message with its own time and, for a client that takes tags, its msgid on each piece', () => {
    const lines = withMessageTags(
      [':a!a@rxchat PRIVMSG #rust :one', ':a!a@rxchat PRIVMSG #rust :two'],
      full,
      AT,
      '#rust',
      7,
    );
    expect(lines).toEqual([
      '@time=2026-12-05T23:10:02.123Z;msgid=rust:7 :a!a@rxchat PRIVMSG #rust :one',
      '@time=2026-12-05T23:10:02.123Z;msgid=rust:7.2 :a!a@rxchat PRIVMSG #rust :two',
    ]);
    const timeOnly = flavourOf(new Set(['server-time']));
    expect(withMessageTags([':a!a@rxchat PRIVMSG #rust :one'], timeOnly, AT, '#rust', 7)).toEqual([
      '@time=2026-12-05T23:10:02.123Z :a!a@rxchat PRIVMSG #rust :one',
    ]);
  });

  it('sends history to a batch-taking client as a chathistory batch of the original PRIVMSGs', () => {
    const entries = [
      { id: 3, at: AT, type: 'said' as const, name: 'alice', text: 'hi' },
      { id: 4, at: AT + 1000, type: 'action' as const, name: 'bob', text: 'waves' },
    ];
    const lines = historyBatchLines(info, { room: '#rust', entries, missed: 2 }, full, 'h1');
    expect(lines).toEqual([
      ':irc.test NOTICE #rust :[!] 2 missed messages are no longer kept',
      'BATCH +h1 chathistory #rust',
      '@batch=h1;time=2026-12-05T23:10:02.123Z;msgid=rust:3 :alice!alice@rxchat PRIVMSG #rust :hi',
      '@batch=h1;time=2026-12-05T23:10:03.123Z;msgid=rust:4 :bob!bob@rxchat PRIVMSG #rust :\x01ACTION waves\x01',
      'BATCH -h1',
    ]);
    for (const line of lines) expect(parseIrcLine(line)).not.toEqual(expect.any(String));
    expect(historyBatchLines(info, { room: '#rust', entries: [] }, full, 'h2')).toEqual([
      'BATCH +h2 chathistory #rust',
      'BATCH -h2',
    ]);
  });

  it('sends history to any other client as NOTICEs marked as history, never as PRIVMSGs', () => {
    const entries = [{ id: 3, at: AT, type: 'said' as const, name: 'alice', text: 'hi' }];
    expect(historyNoticeLines(info, { type: 'history', room: '#rust', reason: 'scrollback', entries })).toEqual([
      ':irc.test NOTICE #rust :[history 2026-12-05 23:10:02 UTC] alice: hi',
    ]);
    expect(historyNoticeLines(info, { type: 'history', room: '#rust', reason: 'scrollback', entries: [] })).toEqual([]);
  });
});
