import type { ChatDirectory } from '../../../src/transports/irc/chat-directory';
import {
  type IrcContext,
  IrcRegistration,
  type IrcSession,
  mapCommand,
  sayText,
} from '../../../src/transports/irc/irc-commands';
import { parseIrcLine, type IrcMessage } from '../../../src/transports/irc/irc-message';
import { type IrcServerInfo, messageLines } from '../../../src/transports/irc/irc-replies';
import { nameKey } from '../../../src/core/names';
import { roomKey } from '../../../src/core/rooms';

const info: IrcServerInfo = {
  serverName: 'irc.test',
  version: '1.0.0',
  createdAt: new Date(0),
  maxRoomsPerClient: 50,
  maxLineBytes: 4096,
};

/** A directory over fixed data: zoe (id z) in #lobby and #rust, current #rust; alice (id a) in #lobby. */
function directory(): ChatDirectory {
  const clients = new Map([
    ['z', { id: 'z', name: 'zoe', rooms: ['#lobby', '#rust'], current: '#rust' }],
    ['a', { id: 'a', name: 'alice', rooms: ['#lobby'], current: '#lobby' }],
  ]);
  const byName = (name: string) => [...clients.values()].find((c) => nameKey(c.name) === nameKey(name));
  const members = (room: string) =>
    [...clients.values()].filter((c) => c.rooms.some((r) => roomKey(r) === roomKey(room)));
  return {
    defaultRoom: '#lobby',
    nameTaken: (name) => byName(name) !== undefined,
    client: (name) => byName(name),
    roomsOf: (id) => clients.get(id)?.rooms ?? [],
    currentRoom: (id) => clients.get(id)?.current,
    isMember: (id, room) => clients.get(id)?.rooms.some((r) => roomKey(r) === roomKey(room)) ?? false,
    room: (name) => (members(name).length === 0 ? undefined : { name, members: members(name).map((c) => c.name) }),
    clientCount: () => clients.size,
    roomCount: () => 2,
  };
}

const context: IrcContext = { info, directory: directory() };
const parse = (line: string) => parseIrcLine(line) as IrcMessage;
const session = (): IrcSession => ({
  id: 'z',
  nick: 'zoe',
  capabilities: new Set(),
  current: undefined,
  away: undefined,
});

describe('IRC commands as chat lines', () => {
  it('says a PRIVMSG to the current room as a plain line, a leading / kept as text', () => {
    expect(mapCommand(parse('PRIVMSG #rust :hello'), session(), context)).toEqual([{ chat: 'hello' }]);
    expect(mapCommand(parse('PRIVMSG #rust :/nick bob'), session(), context)).toEqual([{ chat: '//nick bob' }]);
    expect(sayText('  /x')).toBe('//x');
  });

  it('makes another of its rooms current first, once', () => {
    const zoe = session();
    expect(mapCommand(parse('PRIVMSG #LOBBY :hi'), zoe, context)).toEqual([{ chat: '/join #LOBBY' }, { chat: 'hi' }]);
    expect(mapCommand(parse('PRIVMSG #lobby :again'), zoe, context)).toEqual([{ chat: 'again' }]);
    expect(mapCommand(parse('PRIVMSG #rust :back'), zoe, context)).toEqual([{ chat: '/join #rust' }, { chat: 'back' }]);
  });

  it('refuses a room it is not in with 404 (a NOTICE silently)', () => {
    expect(mapCommand(parse('PRIVMSG #go :hi'), session(), context)).toEqual([
      { reply: [':irc.test 404 zoe #go :Cannot send to channel'] },
    ]);
    expect(mapCommand(parse('NOTICE #go :hi'), session(), context)).toEqual([{ charge: true }]);
  });

  it('turns ACTION into /me and a PRIVMSG to a nick into /msg', () => {
    expect(mapCommand(parse('PRIVMSG #rust :\x01ACTION waves\x01'), session(), context)).toEqual([
      { chat: '/me waves' },
    ]);
    expect(mapCommand(parse('PRIVMSG alice :psst'), session(), context)).toEqual([{ chat: '/msg alice psst' }]);
    expect(mapCommand(parse('PRIVMSG alice :\x01VERSION\x01'), session(), context)).toEqual([{ charge: true }]);
  });

  it('maps JOIN, PART, NICK, QUIT and LIST to the chat commands', () => {
    expect(mapCommand(parse('JOIN #a,#b key'), session(), context)).toEqual([
      { chat: '/join #a' },
      { chat: '/join #b' },
    ]);
    expect(mapCommand(parse('PART #rust :see you'), session(), context)).toEqual([
      { chat: '/part #rust see you' },
      { part: '#rust', reason: 'see you' },
    ]);
    expect(mapCommand(parse('NICK zed'), session(), context)).toEqual([{ chat: '/nick zed' }]);
    expect(mapCommand(parse('QUIT :gone'), session(), context)).toEqual([{ chat: '/quit gone' }]);
    expect(mapCommand(parse('QUIT'), session(), context)).toEqual([{ chat: '/quit' }]);
    expect(mapCommand(parse('LIST #ru*'), session(), context)).toEqual([{ chat: '/rooms ru' }]);
  });

  it('refuses a PART of a channel the client is not in with 442 alone, and a PING without its token with 461', () => {
    expect(mapCommand(parse('PART #go'), session(), context)).toEqual([
      { reply: [":irc.test 442 zoe #go :You're not on that channel"] },
      { charge: true },
    ]);
    expect(mapCommand(parse('PING'), session(), context)).toEqual([
      { reply: [':irc.test 461 zoe PING :Not enough parameters'] },
      { charge: true },
    ]);
    expect(mapCommand(parse('PING :tok'), session(), context)).toEqual([
      { reply: [':irc.test PONG irc.test :tok'] },
      { charge: true },
    ]);
  });

  it('answers queries itself, each costing a line of the rate limit', () => {
    expect(mapCommand(parse('NAMES #rust'), session(), context)).toEqual([
      { reply: [':irc.test 353 zoe = #rust :zoe', ':irc.test 366 zoe #rust :End of /NAMES list.'] },
      { charge: true },
    ]);
    expect(mapCommand(parse('ISON alice bob'), session(), context)).toEqual([
      { reply: [':irc.test 303 zoe :alice'] },
      { charge: true },
    ]);
    expect(mapCommand(parse('FOO'), session(), context)).toEqual([
      { reply: [':irc.test 421 zoe FOO :Unknown command'] },
      { charge: true },
    ]);
  });
});

describe('IRC registration', () => {
  it('registers once NICK and USER are in and capability negotiation has ended', () => {
    const registration = new IrcRegistration(context);
    expect(registration.handle(parse('CAP LS 302')).reply).toEqual([
      ':irc.test CAP * LS :message-tags server-time echo-message batch draft/chathistory',
    ]);
    expect(registration.handle(parse('NICK bob'))).toEqual({ reply: [] });
    expect(registration.handle(parse('USER bob 0 * :Bob'))).toEqual({ reply: [] });
    expect(registration.handle(parse('CAP REQ :server-time'))).toEqual({
      reply: [':irc.test CAP bob ACK :server-time'],
    });
    expect(registration.handle(parse('CAP END'))).toEqual({ reply: [], register: 'bob' });
    expect(registration.capabilities).toEqual(new Set(['server-time']));
  });

  it('refuses a taken nick (look-alikes too) with 433 and an invalid one with 432', () => {
    const registration = new IrcRegistration(context);
    expect(registration.handle(parse('NICK a1ice')).reply).toEqual([
      ':irc.test 433 * a1ice :Nickname is already in use',
    ]);
    expect(registration.handle(parse('NICK b@d')).reply).toEqual([':irc.test 432 * b@d :Erroneous nickname']);
    expect(registration.handle(parse('USER u 0 * :U'))).toEqual({ reply: [] });
    expect(registration.handle(parse('NICK fine'))).toEqual({ reply: [], register: 'fine' });
  });

  it('answers 451 to anything else before registration, and NAKs unknown capabilities', () => {
    const registration = new IrcRegistration(context);
    expect(registration.handle(parse('JOIN #a')).reply).toEqual([':irc.test 451 * :You have not registered']);
    expect(registration.handle(parse('CAP REQ :sasl')).reply).toEqual([':irc.test CAP * NAK :sasl']);
  });
});

describe('deliveries as IRC lines', () => {
  it('words messages from users with their nick!user@host', () => {
    const lines = (message: Parameters<typeof messageLines>[1]) =>
      messageLines(info, message, { nick: 'zoe' }, undefined, '#lobby');
    expect(lines({ type: 'said', name: 'alice', text: 'hi', room: '#rust' })).toEqual([
      ':alice!alice@rxchat PRIVMSG #rust :hi',
    ]);
    expect(lines({ type: 'action', name: 'alice', text: 'waves' })).toEqual([
      ':alice!alice@rxchat PRIVMSG #lobby :\x01ACTION waves\x01',
    ]);
    expect(lines({ type: 'private', from: 'alice', text: 'psst' })).toEqual([':alice!alice@rxchat PRIVMSG zoe :psst']);
    expect(lines({ type: 'left', name: 'alice', reason: 'bye' })).toEqual([':alice!alice@rxchat QUIT :Quit: bye']);
    expect(lines({ type: 'renamed', from: 'alice', to: 'al' })).toEqual([':alice!alice@rxchat NICK :al']);
    expect(lines({ type: 'parted', name: 'alice', room: '#rust' })).toEqual([':alice!alice@rxchat PART #rust']);
    expect(lines({ type: 'notice', notice: { code: 'name-taken', name: 'bob' } })).toEqual([
      ':irc.test 433 zoe bob :Nickname is already in use',
    ]);
    expect(lines({ type: 'notice', notice: { code: 'excess-flood' } })).toEqual(['ERROR :Excess Flood']);
    expect(lines({ type: 'notice', notice: { code: 'rate-limited' } })).toEqual([
      ':irc.test NOTICE zoe :rate limit exceeded, message dropped',
    ]);
  });

  it('cuts a 4096-byte chat line into IRC lines of at most 512 bytes', () => {
    const text = 'word '.repeat(819).trim();
    const lines = messageLines(
      info,
      { type: 'said', name: 'alice', text, room: '#rust' },
      undefined,
      undefined,
      '#lobby',
    );
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) {
      expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(512);
      expect(line.startsWith(':alice!alice@rxchat PRIVMSG #rust :')).toBe(true);
    }
    expect(lines.map((line) => line.slice(':alice!alice@rxchat PRIVMSG #rust :'.length)).join(' ')).toBe(text);
  });
});
