import { HELP } from '../support/chat-text';
import { filter, firstValueFrom, from, toArray } from 'rxjs';
import { createChatState, reduceChat } from '../../src/core/chat';
import type { ChatEvent, ChatMessage, Command } from '../../src/core/events';
import { commands, parseCommand, stripControl } from '../../src/operators';
import { type ChatMarbles, chatMarbles, connect, hangUp } from '../../src/testing';
import { formatText } from '../../src/format/text-format';
import { type Helpers, joined, run, timeline, welcome } from '../support/marbles';

/**
 * alice connects at 0, bob at 5, carol at 10; each sends its lines at the frames given.
 * Every command goes through `commands()` (after `stripControl()`, as the server installs them) and the real core.
 */
function room(
  helpers: Helpers,
  lines: { alice?: Record<number, string>; bob?: Record<number, string>; carol?: Record<number, string> },
): ChatMarbles {
  const chat = chatMarbles(helpers, { names: ['alice', 'bob', 'carol'], operators: [stripControl(), commands()] });
  const client = (id: string, connectAt: number, own: Record<number, string> = {}) => {
    const letters: Record<number, string> = { [connectAt]: 'c' };
    const actions: Record<string, string | typeof connect | typeof hangUp> = { c: connect };
    Object.entries(own).forEach(([at, text], i) => {
      const letter = String.fromCharCode(0x61 + i); // a, b, ... ('c' is taken by connect)
      const key = letter === 'c' ? 'C' : letter;
      letters[Number(at)] = key;
      actions[key] = text === '<hangup>' ? hangUp : text;
    });
    chat.client(id, timeline(letters), actions);
  };
  client('alice', 0, lines.alice);
  client('bob', 5, lines.bob);
  client('carol', 10, lines.carol);
  return chat;
}

/** What each client sees of the joins (W welcome, J its own join, B bob's, C carol's); tests use lower-case letters. */
const JOINS = {
  alice: { 0: '(WJ)', 5: 'B', 10: 'C' },
  bob: { 5: '(WJ)', 10: 'C' },
  carol: { 10: '(WJ)' },
} as const;

const values = (name: string, extra: Record<string, string> = {}) => ({
  W: welcome(name),
  J: joined(name),
  B: joined('bob'),
  C: joined('carol'),
  ...extra,
});

describe('parseCommand', () => {
  it.each([
    ['/nick bob', { name: 'nick', newName: 'bob' }],
    ['/nick   bob  ', { name: 'nick', newName: 'bob' }],
    ['/NICK Bob', { name: 'nick', newName: 'Bob' }],
    ['/nick', { notice: { code: 'usage', usage: '/nick NEW' } }],
    ['/nick bob marley', { notice: { code: 'usage', usage: '/nick NEW' } }],
    ['/who', { name: 'who' }],
    ['/who   ', { name: 'who' }],
    ['/WHO al', { name: 'who', prefix: 'al' }],
    ['/who  Al_ ', { name: 'who', prefix: 'Al_' }],
    ['/who al bo', { notice: { code: 'usage', usage: '/who [PREFIX]' } }],
    ['/me waves hello', { name: 'me', action: 'waves hello' }],
    ['/me\tdances', { name: 'me', action: 'dances' }],
    ['/me', { notice: { code: 'usage', usage: '/me ACTION' } }],
    ['/me    ', { notice: { code: 'usage', usage: '/me ACTION' } }],
    ['/msg bob hi there', { name: 'msg', to: 'bob', text: 'hi there' }],
    ['/msg  bob    hi  there ', { name: 'msg', to: 'bob', text: 'hi  there' }],
    ['/msg bob', { notice: { code: 'usage', usage: '/msg NAME TEXT' } }],
    ['/msg bob   ', { notice: { code: 'usage', usage: '/msg NAME TEXT' } }],
    ['/msg', { notice: { code: 'usage', usage: '/msg NAME TEXT' } }],
    ['/quit', { name: 'quit' }],
    ['/quit gone fishing', { name: 'quit', reason: 'gone fishing' }],
    ['/help', { name: 'help' }],
    ['/Help', { name: 'help' }],
    ['/xyz', { notice: { code: 'unknown-command', command: 'xyz' } }],
    ['/xyz with args', { notice: { code: 'unknown-command', command: 'xyz' } }],
    ['/', { notice: { code: 'unknown-command', command: '' } }],
    ['//text', { say: '/text' }],
    ['///x y', { say: '//x y' }],
    ['//', { say: '/' }],
  ])('%j', (text, parsed) => {
    expect(parseCommand(text)).toStrictEqual(parsed);
  });
});

describe('commands()', () => {
  const through = (events: ChatEvent[]) => firstValueFrom(from(events).pipe(commands(), toArray()));

  it('turns /command lines into command events and errors into notices for the sender', async () => {
    expect(
      await through([
        { type: 'line', id: '1', text: '/nick zed' },
        { type: 'line', id: '1', text: '  /who  ' },
        { type: 'line', id: '2', text: '/nope' },
        { type: 'line', id: '2', text: '//slash' },
      ]),
    ).toStrictEqual([
      { type: 'command', id: '1', command: { name: 'nick', newName: 'zed' } },
      { type: 'command', id: '1', command: { name: 'who' } },
      { type: 'notice', id: '2', notice: { code: 'unknown-command', command: 'nope' } },
      { type: 'line', id: '2', text: '/slash' },
    ]);
  });

  it('passes other lines and events through untouched', async () => {
    const events: ChatEvent[] = [
      { type: 'connected', id: '1', remote: { address: '127.0.0.1', port: 1 } },
      { type: 'line', id: '1', text: 'hello /who' },
      { type: 'line-too-long', id: '1', maxBytes: 4096 },
      { type: 'disconnected', id: '1', reason: 'closed' },
    ];
    const out = await through(events);
    expect(out).toHaveLength(events.length);
    out.forEach((event, i) => expect(event).toBe(events[i]));
  });
});

describe('commands through the core', () => {
  describe('/nick', () => {
    it('renames the sender for everyone, and later lines carry the new name', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/nick Al.ice_-9', 30: 'hi' } });
        const r = 'alice is now known as Al.ice_-9';
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: 'r' }), values('alice', { r }));
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'r', 30: 's' }), values('bob', { r, s: 'Al.ice_-9: hi' }));
        helpers
          .expectObservable(chat.linesOf('carol'))
          .toBe(timeline({ ...JOINS.carol, 20: 'r', 30: 's' }), values('carol', { r, s: 'Al.ice_-9: hi' }));
        helpers.expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'c', 20: 'r', 30: 's' }), {
          a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
          b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
          c: { type: 'connected', name: 'carol', remote: { address: '127.0.0.1', port: 40002 } },
          r: { type: 'renamed', from: 'alice', to: 'Al.ice_-9' },
          s: { type: 'said', name: 'Al.ice_-9', text: 'hi' },
        });
      });
    });

    it('accepts 1 and 32 characters, and frees the old name', () => {
      const long = 'A'.repeat(32);
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/nick x', 30: `/nick ${long}` }, bob: { 40: '/nick ALICE' } });
        helpers.expectObservable(chat.linesOf('carol')).toBe(timeline({ ...JOINS.carol, 20: 'x', 30: 'l', 40: 'b' }), {
          ...values('carol'),
          x: 'alice is now known as x',
          l: `x is now known as ${long}`,
          b: 'bob is now known as ALICE',
        });
      });
    });

    it('tells only the sender why a name is refused: invalid, taken (case-insensitively), usage, unchanged', () => {
      run((helpers) => {
        const chat = room(helpers, {
          alice: {
            20: '/nick bad!name',
            25: `/nick ${'a'.repeat(33)}`,
            30: '/nick BOB',
            35: '/nick',
            40: '/nick two words',
            45: '/nick alice',
            50: '/nick é',
          },
        });
        const invalid = (name: string) => `[!] invalid name: ${name} (use 1-32 of A-Z a-z 0-9 . _ -)`;
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: 'i', 25: 'l', 30: 't', 35: 'u', 40: 'u', 45: 'a', 50: 'e' }), {
            ...values('alice'),
            i: invalid('bad!name'),
            l: invalid('a'.repeat(33)),
            t: '[!] name taken: BOB',
            u: '[!] usage: /nick NEW',
            a: '[!] you are already alice',
            e: invalid('é'),
          });
        helpers.expectObservable(chat.linesOf('bob')).toBe(timeline(JOINS.bob), values('bob'));
        helpers.expectObservable(chat.linesOf('carol')).toBe(timeline(JOINS.carol), values('carol'));
      });
    });

    it('refuses a name that only looks like one online (aIice, a1ice, al1ce while alice is online)', () => {
      run((helpers) => {
        const chat = room(helpers, {
          bob: { 20: '/nick aIice', 25: '/nick a1ice', 30: '/nick al1ce', 35: '/nick ALlCE', 40: '/nick alice_' },
        });
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'i', 25: 'o', 30: 'e', 35: 'c', 40: 'r' }), {
            ...values('bob'),
            i: '[!] name taken: aIice',
            o: '[!] name taken: a1ice',
            e: '[!] name taken: al1ce',
            c: '[!] name taken: ALlCE',
            r: 'bob is now known as alice_',
          });
        helpers
          .expectObservable(chat.linesOf('carol'))
          .toBe(timeline({ ...JOINS.carol, 40: 'r' }), values('carol', { r: 'bob is now known as alice_' }));
      });
    });

    it('lets a client take a look-alike of its own name', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/nick A1ice' } });
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'r' }), values('bob', { r: 'alice is now known as A1ice' }));
      });
    });
  });

  describe('/who', () => {
    it('tells the sender alone who is online, in join order, with current names', () => {
      run((helpers) => {
        const chat = room(helpers, {
          alice: { 30: '/nick zed' },
          bob: { 20: '/who', 40: '/WHO', 60: '/who' },
          carol: { 50: '<hangup>' },
        });
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'a', 30: 'r', 40: 'b', 50: 'l', 60: 'c' }), {
            ...values('bob'),
            a: '[*] 3 online: alice, bob, carol',
            r: 'alice is now known as zed',
            b: '[*] 3 online: zed, bob, carol',
            l: '[-] carol left the chat.',
            c: '[*] 2 online: zed, bob',
          });
        helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ ...JOINS.alice, 30: 'r', 50: 'l' }), {
          ...values('alice'),
          r: 'alice is now known as zed',
          l: '[-] carol left the chat.',
        });
      });
    });

    it('with a PREFIX, lists those whose name starts with it, ignoring case, in join order', () => {
      run((helpers) => {
        const chat = room(helpers, {
          carol: { 20: '/nick Al_x' },
          bob: { 15: '/who a', 25: '/who AL', 30: '/who z', 35: '/who a b' },
        });
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 15: 'a', 20: 'r', 25: 'b', 30: 'z', 35: 'u' }), {
            ...values('bob'),
            a: '[*] 1 online matching "a": alice',
            r: 'carol is now known as Al_x',
            b: '[*] 2 online matching "AL": alice, Al_x',
            z: '[*] 0 online matching "z"',
            u: '[!] usage: /who [PREFIX]',
          });
        helpers
          .expectObservable(chat.messagesOf('bob').pipe(filter((message) => message.type === 'who')))
          .toBe(timeline({ 15: 'a', 25: 'b', 30: 'z' }), {
            a: { type: 'who', names: ['alice'], count: 1, prefix: 'a', room: '#lobby' },
            b: { type: 'who', names: ['alice', 'Al_x'], count: 2, prefix: 'AL', room: '#lobby' },
            z: { type: 'who', names: [], count: 0, prefix: 'z', room: '#lobby' },
          });
      });
    });

    describe('in a big room', () => {
      /** The reply to `command` from the first of `size` clients named user1, user2, ... */
      function whoIn(size: number, command: Command): ChatMessage {
        const state = createChatState();
        for (let i = 1; i <= size; i++) {
          reduceChat(state, {
            type: 'connected',
            id: `c${i}`,
            remote: { address: '127.0.0.1', port: i },
            names: [`user${i}`],
          });
        }
        const [reply, ...more] = reduceChat(state, { type: 'command', id: 'c1', command }).outputs;
        expect(more).toEqual([]);
        expect(reply).toMatchObject({ kind: 'deliver', to: ['c1'] });
        return (reply as { message: ChatMessage }).message;
      }
      const users = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `user${from + i}`);

      it('lists everyone, as in a small room, up to 100 people', () => {
        const message = whoIn(100, { name: 'who' });
        expect(message).toEqual({ type: 'who', names: users(1, 100), count: 100, room: '#lobby' });
        expect(formatText(message)).toBe(`[*] 100 online: ${users(1, 100).join(', ')}`);
      });

      it('past 100, lists the first 100 in join order, gives the count and says how to search', () => {
        const message = whoIn(2000, { name: 'who' });
        expect(message).toEqual({ type: 'who', names: users(1, 100), count: 2000, room: '#lobby' });
        expect(formatText(message)).toBe(
          `[*] 2000 online: ${users(1, 100).join(', ')}, ... (first 100; /who PREFIX to search)`,
        );
      });

      it('bounds a search the same way, saying how many match', () => {
        const message = whoIn(300, { name: 'who', prefix: 'USER1' });
        // user1, user10-19, user100-199: 111 match.
        const matching = ['user1', ...users(10, 19), ...users(100, 188)];
        expect(message).toEqual({ type: 'who', names: matching, count: 111, prefix: 'USER1', room: '#lobby' });
        expect(formatText(message)).toBe(
          `[*] 111 online matching "USER1": ${matching.join(', ')}, ... (first 100 of 111)`,
        );
      });

      it('lists every match, without a bound note, when at most 100 match', () => {
        // user20, user200-209, user2000.
        const matching = ['user20', ...users(200, 209), 'user2000'];
        const message = whoIn(2000, { name: 'who', prefix: 'user20' });
        expect(message).toEqual({ type: 'who', names: matching, count: 12, prefix: 'user20', room: '#lobby' });
        expect(formatText(message)).toBe(`[*] 12 online matching "user20": ${matching.join(', ')}`);
      });
    });
  });

  describe('/me', () => {
    it('shows the action to everyone except the sender', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/me waves   at everyone ', 30: '/me' } });
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 30: 'u' }), values('alice', { u: '[!] usage: /me ACTION' }));
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'm' }), values('bob', { m: '* alice waves   at everyone' }));
        helpers
          .expectObservable(chat.linesOf('carol'))
          .toBe(timeline({ ...JOINS.carol, 20: 'm' }), values('carol', { m: '* alice waves   at everyone' }));
      });
    });
  });

  describe('/msg', () => {
    it('delivers to the named user alone (case-insensitive name); unknown names and usage go back to the sender', () => {
      run((helpers) => {
        const chat = room(helpers, {
          alice: { 20: '/msg BoB hi  there', 30: '/msg dave hello', 40: '/msg bob' },
          carol: { 50: '/msg alice psst' },
        });
        helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ ...JOINS.alice, 30: 'n', 40: 'u', 50: 'p' }), {
          ...values('alice'),
          n: '[!] no such user: dave',
          u: '[!] usage: /msg NAME TEXT',
          p: '[pm] carol: psst',
        });
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'p' }), values('bob', { p: '[pm] alice: hi  there' }));
        helpers.expectObservable(chat.linesOf('carol')).toBe(timeline(JOINS.carol), values('carol'));
      });
    });

    it('finds the user by a look-alike of its name when no name matches exactly', () => {
      run((helpers) => {
        const chat = room(helpers, { bob: { 20: '/msg A1ICE psst', 25: '/msg ca-rol hi' } });
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: 'p' }), values('alice', { p: '[pm] bob: psst' }));
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 25: 'n' }), values('bob', { n: '[!] no such user: ca-rol' }));
      });
    });

    it('does not log private messages as public ones', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/msg bob secret' } });
        helpers.expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'c' }), {
          a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
          b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
          c: { type: 'connected', name: 'carol', remote: { address: '127.0.0.1', port: 40002 } },
        });
      });
    });
  });

  describe('/quit', () => {
    it('announces the leave and closes the connection', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/quit' } });
        helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ ...JOINS.alice, 20: '|' }), values('alice'));
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 20: 'l' }), values('bob', { l: '[-] alice left the chat.' }));
        helpers
          .expectObservable(chat.outputs().pipe(filter((output) => output.kind === 'close')))
          .toBe(timeline({ 20: 'x' }), { x: { kind: 'close', id: 'alice' } });
      });
    });

    it('appends the reason when given, and logs it', () => {
      run((helpers) => {
        const chat = room(helpers, { bob: { 20: '/quit   gone  fishing ' } });
        helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ ...JOINS.bob, 20: '|' }), values('bob'));
        const l = '[-] bob left the chat. (gone  fishing)';
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: 'l' }), values('alice', { l }));
        helpers
          .expectObservable(chat.linesOf('carol'))
          .toBe(timeline({ ...JOINS.carol, 20: 'l' }), values('carol', { l }));
        helpers.expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'c', 20: 'q' }), {
          a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
          b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
          c: { type: 'connected', name: 'carol', remote: { address: '127.0.0.1', port: 40002 } },
          q: { type: 'disconnected', name: 'bob', reason: { kind: 'quit', text: 'gone  fishing' } },
        });
      });
    });
  });

  describe('/help', () => {
    it('lists every command with its usage, to the sender alone', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/help' } });
        const letters = HELP.map((_, i) => String.fromCharCode(0x61 + i)); // a, b, ...
        const help = Object.fromEntries(HELP.map((line, i) => [letters[i]!, line]));
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: `(${letters.join('')})` }), values('alice', help));
        helpers.expectObservable(chat.linesOf('bob')).toBe(timeline(JOINS.bob), values('bob'));
      });
    });

    it('names every command with its usage', () => {
      const text = HELP.join('\n');
      for (const usage of [
        '/nick NEW',
        '/who [#ROOM | PREFIX]',
        '/join #ROOM',
        '/part [#ROOM] [REASON]',
        '/rooms [PREFIX]',
        '/me ACTION',
        '/msg NAME TEXT',
        '/quit [REASON]',
        '/help',
      ]) {
        expect(HELP.filter((line) => line.startsWith(`[*] ${usage} `))).toHaveLength(1);
      }
      expect(text).toContain('//');
    });
  });

  describe('unknown commands and //', () => {
    it('answers an unknown command to the sender alone, and sends //text as the message /text', () => {
      run((helpers) => {
        const chat = room(helpers, { alice: { 20: '/xyz foo', 30: '//text', 40: '  //who' } });
        helpers
          .expectObservable(chat.linesOf('alice'))
          .toBe(timeline({ ...JOINS.alice, 20: 'u' }), values('alice', { u: '[!] unknown command: /xyz (try /help)' }));
        helpers
          .expectObservable(chat.linesOf('bob'))
          .toBe(timeline({ ...JOINS.bob, 30: 't', 40: 'w' }), values('bob', { t: 'alice: /text', w: 'alice: /who' }));
      });
    });
  });
});
