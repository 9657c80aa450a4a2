/**
 * Rooms (issue 15), through `commands()` and the real core: who hears what when clients join, part,
 * talk, rename and leave. Each scenario lists every client's lines in order, so a line that goes to
 * one client too many (or too few) fails the spec.
 */
import { createChatState, reduceChat } from '../../src/core/chat';
import { coalesceStorms, commands, stripControl } from '../../src/operators';
import type { RoomLimits } from '../../src/core/rooms';
import { type ClientAction, chatMarbles, connect, hangUp } from '../../src/testing';
import { joined, left, run, timeline, welcome } from '../support/marbles';

type Script = Record<string, Record<number, ClientAction>>;

/**
 * Runs clients' timelines (frame → action; each connects where its script says) through the
 * commands parser and the core; returns every client's lines in order.
 */
function transcript(script: Script, rooms?: RoomLimits, storms = false): Record<string, string[]> {
  const ids = Object.keys(script);
  const seen: Record<string, string[]> = Object.fromEntries(ids.map((id) => [id, []]));
  run((helpers) => {
    const chat = chatMarbles(helpers, {
      names: ids,
      operators: [stripControl(), commands()],
      ...(storms ? { outputOperators: [coalesceStorms({ perSecond: 2, intervalMs: 100, listNames: 3 })] } : {}),
      ...(rooms === undefined ? {} : { rooms }),
    });
    for (const id of ids) {
      const letters: Record<number, string> = {};
      const actions: Record<string, ClientAction> = {};
      Object.entries(script[id]!).forEach(([at, action], i) => {
        const letter = String.fromCharCode(0x41 + i); // A, B, ...
        letters[Number(at)] = letter;
        actions[letter] = action;
      });
      chat.client(id, timeline(letters), actions);
    }
    // Subscribed once every client is declared: the first subscription starts the core.
    for (const id of ids) chat.linesOf(id).subscribe((line) => seen[id]!.push(line));
  });
  return seen;
}

describe('rooms', () => {
  it('a client that never uses rooms sees exactly the one-room protocol', () => {
    const lines = transcript({
      alice: { 0: connect, 10: 'hi', 20: '/me waves', 30: '/who' },
      bob: { 5: connect, 40: '/nick bobby', 50: hangUp },
    });
    expect(lines.alice).toEqual([
      welcome('alice'),
      joined('alice'),
      joined('bob'),
      '[*] 2 online: alice, bob',
      'bob is now known as bobby',
      left('bobby'),
    ]);
    expect(lines.bob).toEqual([
      welcome('bob'),
      joined('bob'),
      'alice: hi',
      '* alice waves',
      'bob is now known as bobby',
    ]);
  });

  describe('/join', () => {
    it('tells every member, the joiner included, and gives the joiner the member list; plain lines go to the current room', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/join #rust', 30: 'in rust', 40: '/me codes' },
        bob: { 3: connect, 20: '/join #Rust', 50: 'back to rust' },
        carol: { 6: connect },
      });
      expect(lines.alice).toEqual([
        welcome('alice'),
        joined('alice'),
        joined('bob'),
        joined('carol'),
        '[#rust] alice joined',
        '[*] 1 online in #rust: alice',
        '[#rust] bob joined',
        '[#rust] bob: back to rust',
      ]);
      expect(lines.bob).toEqual([
        welcome('bob'),
        joined('bob'),
        joined('carol'),
        '[#rust] bob joined',
        '[*] 2 online in #rust: alice, bob',
        '[#rust] alice: in rust',
        '[#rust] * alice codes',
      ]);
      // carol shares only the lobby: she hears nothing of #rust.
      expect(lines.carol).toEqual([welcome('carol'), joined('carol')]);
    });

    it('of a room one is in only makes it current, telling nobody', () => {
      const lines = transcript({
        alice: {
          0: connect,
          10: '/join #rust',
          20: '/join #lobby',
          30: 'in the lobby',
          40: '/join #RUST',
          50: 'in rust',
        },
        bob: { 5: connect, 15: '/join #rust' },
      });
      expect(lines.bob).toEqual([
        welcome('bob'),
        joined('bob'),
        '[#rust] bob joined',
        '[*] 2 online in #rust: alice, bob',
        'alice: in the lobby',
        '[#rust] alice: in rust',
      ]);
    });

    it('refuses invalid, too long and non-ASCII room names, and look-alikes meet in one room', () => {
      const lines = transcript({
        alice: {
          0: connect,
          10: '/join rust',
          20: `/join #${'x'.repeat(33)}`,
          30: '/join #ruѕt',
          40: '/join #a b',
          50: '/join #Ru5t',
        },
        bob: { 5: connect, 60: '/join #rust', 70: '/rooms' },
      });
      expect(lines.alice.slice(3)).toEqual([
        '[!] invalid room name: rust (use # and 1-32 of A-Z a-z 0-9 . _ -)',
        `[!] invalid room name: #${'x'.repeat(33)} (use # and 1-32 of A-Z a-z 0-9 . _ -)`,
        '[!] invalid room name: #ruѕt (use # and 1-32 of A-Z a-z 0-9 . _ -)',
        '[!] usage: /join #ROOM',
        '[#Ru5t] alice joined',
        '[*] 1 online in #Ru5t: alice',
        '[#Ru5t] bob joined',
      ]);
      expect(lines.bob.slice(2)).toEqual([
        '[#Ru5t] bob joined',
        '[*] 2 online in #Ru5t: alice, bob',
        '[*] 2 rooms: #lobby (2), #Ru5t (2)', // ties by name, ignoring case
      ]);
    });

    it('refuses past the rooms a client may be in, and past the rooms the server may hold', () => {
      const lines = transcript(
        {
          alice: { 0: connect, 10: '/join #a', 20: '/join #b', 30: '/join #c' },
          bob: { 5: connect, 40: '/join #d', 50: '/join #a' },
        },
        { maxRoomsPerClient: 3, maxRooms: 3 },
      );
      expect(lines.alice).toContain('[!] too many rooms: you are in 3, the most allowed (/part one first)');
      expect(lines.alice).not.toContain('[#c] alice joined');
      expect(lines.bob).toContain('[!] too many rooms on the server (max 3): join one that exists (/rooms)');
      expect(lines.bob).toContain('[#a] bob joined');
    });
  });

  describe('/part', () => {
    it('tells the members remaining, with the reason; the current room falls back to the one joined last', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/join #a', 20: '/join #b', 30: '/part bye now', 40: 'where am I' },
        bob: { 5: connect, 12: '/join #a', 22: '/join #b' },
      });
      expect(lines.bob.slice(-2)).toEqual(['[#b] [-] alice left (bye now)', '[#a] alice: where am I']);
    });

    it('of the default room is allowed; with no room left, a plain line is refused', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/part', 20: 'anyone?', 30: '/me sighs', 40: '/who', 50: '/join #lobby', 60: 'back' },
        bob: { 5: connect },
      });
      expect(lines.alice.slice(3)).toEqual([
        '[!] you are in no room (try /join #lobby)',
        '[!] you are in no room (try /join #lobby)',
        '[!] you are in no room (try /join #lobby)',
        'alice joined',
        '[*] 2 online: bob, alice',
      ]);
      expect(lines.bob).toEqual([welcome('bob'), joined('bob'), '[-] alice left', 'alice joined', 'alice: back']);
    });

    it('of a room one is not in says so; an empty room is gone', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/part #nowhere', 20: '/join #tmp', 30: '/part #tmp', 40: '/who #tmp', 50: '/rooms' },
      });
      expect(lines.alice.slice(2)).toEqual([
        '[!] you are not in #nowhere',
        '[#tmp] alice joined',
        '[*] 1 online in #tmp: alice',
        '[!] no such room: #tmp',
        '[*] 1 room: #lobby (1)',
      ]);
    });
  });

  describe('renames and leaves', () => {
    it('reach each client who shares at least one room, once, and nobody else', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/join #a', 11: '/join #b', 30: '/nick ally', 40: hangUp },
        bob: { 3: connect, 12: '/join #a', 13: '/join #b', 14: '/part #lobby' },
        carol: { 6: connect, 15: '/part #lobby', 16: '/join #c' },
      });
      expect(lines.bob.filter((line) => line.includes('ally'))).toEqual([
        'alice is now known as ally',
        '[-] ally left the chat.',
      ]);
      expect(lines.carol.filter((line) => line.includes('ally') || line.includes('alice'))).toEqual([]);
    });
  });

  describe('/who and /rooms', () => {
    it('/who lists the current room, /who #room any room, /who PREFIX searches the current room', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/join #x', 20: '/who', 30: '/who #lobby', 40: '/who b', 50: '/who #none' },
        bob: { 3: connect, 12: '/join #x' },
        carol: { 6: connect },
      });
      expect(lines.alice.filter((line) => line.startsWith('[*] ') || line.startsWith('[!] ')).slice(1)).toEqual([
        '[*] 1 online in #x: alice',
        '[*] 2 online in #x: alice, bob',
        '[*] 3 online: alice, bob, carol',
        '[*] 1 online in #x matching "b": bob',
        '[!] no such room: #none',
      ]);
    });

    it('/rooms lists the rooms biggest first, ties by name, and searches by prefix', () => {
      const lines = transcript({
        alice: { 0: connect, 10: '/join #zed', 11: '/join #big', 40: '/rooms', 50: '/rooms #b', 60: '/rooms Z' },
        bob: { 3: connect, 12: '/join #big', 13: '/join #abc' },
        carol: { 6: connect, 14: '/join #big' },
      });
      expect(lines.alice.slice(-3)).toEqual([
        '[*] 4 rooms: #big (3), #lobby (3), #abc (1), #zed (1)',
        '[*] 1 room matching "#b": #big (3)',
        '[*] 1 room matching "Z": #zed (1)',
      ]);
    });
  });

  describe('the default room', () => {
    it('is set by the server: its lines are unprefixed, #lobby is an ordinary room', () => {
      const lines = transcript(
        {
          alice: { 0: connect, 10: '/join #lobby', 20: 'hi', 30: '/part #lobby', 40: 'in general' },
          bob: { 5: connect, 12: '/join #lobby' },
        },
        { defaultRoom: '#general' },
      );
      expect(lines.bob).toEqual([
        welcome('bob'),
        joined('bob'),
        '[#lobby] bob joined',
        '[*] 2 online in #lobby: alice, bob',
        '[#lobby] alice: hi',
        '[#lobby] [-] alice left',
        'alice: in general',
      ]);
    });
  });

  describe('storms', () => {
    it('are summed up per room, with the room named', () => {
      // Storms at 2 a second, summaries every 100 frames: 5 joins to #big in a row storm it, the lobby stays calm.
      const script: Script = { host: { 0: connect, 10: '/join #big' } };
      for (let i = 0; i < 5; i++) script[`g${i}`] = { [20 + i]: connect, [30 + i]: '/join #big' };
      const lines = transcript(script, undefined, true);
      // The host's own join and g0's took the 2 tokens of each room: the 4 others are summed up, per room.
      expect(lines.host).toContain('[+] 4 joined: g1, g2, g3, ... and 1 more');
      expect(lines.host).toContain('[#big] [+] 4 joined: g1, g2, g3, ... and 1 more');
      expect(lines.host).toContain('[#big] g0 joined');
      expect(lines.host).not.toContain('[#big] g2 joined');
      // Each newcomer still sees its own join at once.
      expect(lines.g4).toContain('[#big] g4 joined');
    });
  });
});

describe('rooms across a reset', () => {
  it('a client re-announced after a reset (`rejoined`) is back in its rooms, silently, with its current room', () => {
    const state = createChatState();
    const remote = { address: '127.0.0.1', port: 1 };
    reduceChat(state, { type: 'connected', id: 'b', remote, names: ['bob'] });
    const outputs = reduceChat(state, {
      type: 'rejoined',
      id: 'a',
      name: 'alice',
      remote,
      rooms: ['#lobby', '#rust', '#go'],
      current: '#rust',
    }).outputs;
    expect(outputs).toEqual([]);
    expect(state.rooms.roomsOf('a').map((room) => room.name)).toEqual(['#lobby', '#rust', '#go']);
    expect(state.rooms.currentOf('a')?.name).toBe('#rust');
    // Without rooms (a re-announcement from before rooms): the default room.
    reduceChat(state, { type: 'rejoined', id: 'c', name: 'carol', remote });
    expect(state.rooms.roomsOf('c').map((room) => room.name)).toEqual(['#lobby']);
  });
});
