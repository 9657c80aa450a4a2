/**
 * Deterministic replay (issue 9): every process runs the core over the same events and must derive
 * the same outputs and the same registry; a process that starts late restores a snapshot instead
 * of replaying everything, and must then go on exactly as the others do.
 */
import { Subject, firstValueFrom, from, toArray } from 'rxjs';
import { chat, createChatState, reduceChat, snapshotChat } from '../../src/core/chat';
import type { ChatEvent, ChatOutput, ChatSnapshot } from '../../src/core/events';

const remote = (port: number) => ({ address: '127.0.0.1', port });

/** A bit of everything: joins on several processes, names taken and look-alikes, a stop, a death, a rejoin. */
const SCRIPT: readonly ChatEvent[] = [
  { type: 'connected', id: 'a1', remote: remote(1), node: 'A', names: ['alice', 'bob'], at: 1 },
  { type: 'connected', id: 'b1', remote: remote(2), node: 'B', names: ['Alice', 'bob'], at: 2 },
  { type: 'connected', id: 'c1', remote: remote(3), names: ["Carol O'Neil"], at: 3 },
  { type: 'line', id: 'a1', text: 'hi', at: 4 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#Rust' }, at: 4 },
  { type: 'command', id: 'b1', command: { name: 'join', room: '#rust' }, at: 4 },
  { type: 'command', id: 'b1', command: { name: 'nick', newName: 'bobby' }, at: 5 },
  { type: 'connected', id: 'a2', remote: remote(4), node: 'A', names: ['a1ice', 'xena'], at: 6 },
  { type: 'command', id: 'c1', command: { name: 'who' }, at: 7 },
  { type: 'node-stopping', node: 'B', at: 8 },
  { type: 'connected', id: 'b2', remote: remote(5), node: 'B', names: ['bert'], at: 9 },
  { type: 'rejoined', id: 'r1', name: 'ALICE', remote: remote(6), node: 'C', at: 10 },
  { type: 'line', id: 'a2', text: 'yo', at: 11 },
  { type: 'command', id: 'c1', command: { name: 'part', room: '#lobby', reason: 'rust only' }, at: 11 },
  { type: 'line', id: 'c1', text: 'in rust', at: 11 },
  { type: 'disconnected', id: 'a1', reason: 'closed', at: 12 },
  { type: 'node-gone', node: 'A', at: 13 },
  { type: 'node-gone', node: 'A', at: 13 },
  { type: 'connected', id: 'd1', remote: remote(7), node: 'C', names: ['dave'], at: 14 },
  { type: 'command', id: 'd1', command: { name: 'msg', to: 'carolONeil', text: 'psst' }, at: 15 },
  { type: 'command', id: 'd1', command: { name: 'who', prefix: 'A' }, at: 16 },
  { type: 'kick', id: 'c1', reason: { code: 'idle-timeout' }, at: 17 },
  { type: 'line', id: 'd1', text: 'bye', at: 18 },
];

function apply(events: readonly ChatEvent[], state = createChatState()): ChatOutput[] {
  return events.flatMap((event) => reduceChat(state, event).outputs);
}

/** What a snapshot becomes after a trip through Redis: JSON text and back. */
const throughJson = (snapshot: ChatSnapshot): ChatSnapshot => JSON.parse(JSON.stringify(snapshot)) as ChatSnapshot;

describe('the core, replayed', () => {
  it('gives the same outputs and the same registry, in the same join order, wherever the same events are applied', async () => {
    const run = async () => {
      const state = createChatState();
      const outputs = await firstValueFrom(from(SCRIPT).pipe(chat({ state }), toArray()));
      return { outputs, snapshot: snapshotChat(state) };
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.snapshot.clients.map((client) => client.name)).toEqual(['ALICE2', 'dave']);
  });

  it('stamps each output with the `at` of its event, and 0 without one', () => {
    const [stamped] = apply([SCRIPT[0]!]);
    expect(stamped).toMatchObject({ at: 1 });
    const [unstamped] = apply([{ type: 'connected', id: 'x', remote: remote(1) }]);
    expect(unstamped).toMatchObject({ at: 0 });
  });
});

function client(id: string, name: string, port: number, node?: string) {
  return node === undefined ? { id, name, remote: remote(port) } : { id, name, remote: remote(port), node };
}

describe('snapshotChat', () => {
  it('is plain data: clients in join order with their process, the shutdown flag and stopped processes', () => {
    const state = createChatState();
    apply(SCRIPT.slice(0, 12), state);
    const snapshot = snapshotChat(state);
    expect(snapshot).toStrictEqual({
      clients: [
        { ...client('a1', 'alice', 1, 'A'), rooms: ['#lobby'], current: '#lobby', sentFrom: { '#lobby': 1 } },
        {
          ...client('c1', 'CarolONeil', 3),
          rooms: ['#lobby', '#Rust'],
          current: '#Rust',
          sentFrom: { '#lobby': 1, '#Rust': 1 },
        },
        { ...client('a2', 'xena', 4, 'A'), rooms: ['#lobby'], current: '#lobby', sentFrom: { '#lobby': 1 } },
        // Rejoined after a reset: connected all along, nothing to replay into it.
        { ...client('r1', 'ALICE2', 6, 'C'), rooms: ['#lobby'], current: '#lobby', sentFrom: { '#lobby': 2 } },
      ],
      closing: false,
      stoppedNodes: ['B'],
      rooms: [
        { name: '#lobby', members: ['a1', 'c1', 'a2', 'r1'] },
        { name: '#Rust', members: ['c1'] },
      ],
      history: [{ name: '#lobby', entries: [{ id: 1, at: 4, type: 'said', name: 'alice', text: 'hi' }] }],
    });
    expect(throughJson(snapshot)).toStrictEqual(snapshot);
  });

  it('of a fresh state is empty', () => {
    expect(snapshotChat(createChatState())).toStrictEqual({
      clients: [],
      closing: false,
      stoppedNodes: [],
      rooms: [{ name: '#lobby', members: [] }],
    });
  });

  it('does not change when the state changes later', () => {
    const state = createChatState();
    apply(SCRIPT.slice(0, 3), state);
    const snapshot = snapshotChat(state);
    const copy = throughJson(snapshot);
    apply(SCRIPT.slice(3), state);
    expect(snapshot).toStrictEqual(copy);
  });

  it.each(SCRIPT.map((_, k) => k))(
    'restored after %i events, then given the rest, gives the same outputs as without it',
    (k) => {
      const whole = createChatState();
      apply(SCRIPT.slice(0, k), whole);
      const snapshot = throughJson(snapshotChat(whole));
      const expected = apply(SCRIPT.slice(k), whole);

      const restored = createChatState(snapshot);
      expect(apply(SCRIPT.slice(k), restored)).toEqual(expected);
      expect(snapshotChat(restored)).toEqual(snapshotChat(whole));
    },
  );

  it.each(SCRIPT.map((_, k) => k))(
    'applied as a reset after %i events, then given the rest, gives the same outputs',
    (k) => {
      const whole = createChatState();
      apply(SCRIPT.slice(0, k), whole);
      const snapshot = throughJson(snapshotChat(whole));
      const expected = apply(SCRIPT.slice(k), whole);

      // A process that saw other things before the reset point (here: the whole script) ends up the same.
      const other = createChatState();
      apply(SCRIPT, other);
      expect(apply([{ type: 'reset', snapshot }], other)).toEqual([]);
      expect(apply(SCRIPT.slice(k), other)).toEqual(expected);
    },
  );

  it('restores a shutdown: newcomers are turned away', () => {
    const state = createChatState();
    apply([SCRIPT[0]!, { type: 'shutdown' }], state);
    const restored = createChatState(throughJson(snapshotChat(state)));
    expect(restored.closing).toBe(true);
    expect(apply([SCRIPT[1]!], restored)).toEqual([{ kind: 'close', id: 'b1' }]);
  });
});

describe('chat({ state })', () => {
  it('applies the events to the given state, in place, so its holder sees the live registry', () => {
    const state = createChatState();
    const events = new Subject<ChatEvent>();
    const subscription = events.pipe(chat({ state })).subscribe();
    events.next(SCRIPT[0]!);
    expect(state.registry.names()).toEqual(['alice']);
    events.next(SCRIPT[1]!);
    expect(state.registry.names()).toEqual(['alice', 'bob']);
    events.next({ type: 'reset', snapshot: { clients: [], closing: false, stoppedNodes: [] } });
    expect(state.registry.size).toBe(0);
    subscription.unsubscribe();
  });

  it('starts from a restored state', async () => {
    const state = createChatState({
      clients: [{ id: 'z', name: 'zed', remote: remote(9) }],
      closing: false,
      stoppedNodes: [],
    });
    const outputs = await firstValueFrom(from([SCRIPT[0]!]).pipe(chat({ state }), toArray()));
    expect(outputs).toContainEqual({
      kind: 'deliver',
      to: ['z', 'a1'],
      everyone: true,
      message: { type: 'joined', name: 'alice', room: '#lobby' },
      at: 1,
    });
  });
});

/**
 * Rooms in every shape a snapshot must carry: several rooms per client in join order (the fallback
 * of the current room), a client in no room, the default room parted and rejoined, a room emptied
 * and made again under another spelling, re-announcements with rooms, deaths of clients in rooms.
 */
const ROOM_SCRIPT: readonly ChatEvent[] = [
  { type: 'connected', id: 'a1', remote: remote(1), node: 'A', names: ['alice'], at: 1 },
  { type: 'connected', id: 'b1', remote: remote(2), node: 'B', names: ['bob'], at: 2 },
  { type: 'connected', id: 'c1', remote: remote(3), names: ['carol'], at: 3 },
  { type: 'command', id: 'a1', command: { name: 'join', room: '#Rust' }, at: 4 },
  { type: 'command', id: 'b1', command: { name: 'join', room: '#rust' }, at: 4 },
  { type: 'command', id: 'a1', command: { name: 'join', room: '#go' }, at: 5 },
  { type: 'line', id: 'a1', text: 'in go', at: 5 },
  { type: 'command', id: 'a1', command: { name: 'me', action: 'waves' }, at: 5 },
  { type: 'command', id: 'b1', command: { name: 'join', room: '#GO' }, at: 6 },
  { type: 'command', id: 'a1', command: { name: 'join', room: '#rust' }, at: 6 },
  { type: 'line', id: 'a1', text: 'back in rust', at: 6 },
  { type: 'command', id: 'a1', command: { name: 'who', room: '#go' }, at: 7 },
  { type: 'command', id: 'a1', command: { name: 'who', prefix: 'b' }, at: 7 },
  { type: 'command', id: 'c1', command: { name: 'rooms' }, at: 7 },
  { type: 'command', id: 'c1', command: { name: 'rooms', prefix: '#r' }, at: 7 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#third' }, at: 7 },
  { type: 'command', id: 'a1', command: { name: 'part', reason: 'later' }, at: 8 },
  { type: 'line', id: 'a1', text: 'where am I', at: 8 },
  { type: 'command', id: 'b1', command: { name: 'part', room: '#lobby' }, at: 9 },
  { type: 'command', id: 'c1', command: { name: 'part', room: '#lobby' }, at: 9 },
  { type: 'command', id: 'c1', command: { name: 'part' }, at: 9 },
  { type: 'line', id: 'c1', text: 'nowhere', at: 10 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#lobby' }, at: 10 },
  { type: 'command', id: 'b1', command: { name: 'nick', newName: 'bobby' }, at: 11 },
  { type: 'command', id: 'a1', command: { name: 'part', room: '#go' }, at: 12 },
  { type: 'command', id: 'b1', command: { name: 'part', room: '#go' }, at: 12 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#Go' }, at: 13 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#full' }, at: 13 },
  { type: 'command', id: 'c1', command: { name: 'who', room: '#go' }, at: 13 },
  { type: 'command', id: 'a1', command: { name: 'rooms' }, at: 13 },
  {
    type: 'rejoined',
    id: 'r1',
    name: 'dan',
    remote: remote(6),
    node: 'C',
    rooms: ['#lobby', '#GO', '#rust'],
    current: '#GO',
    at: 14,
  },
  { type: 'line', id: 'r1', text: 'dan in go', at: 14 },
  { type: 'command', id: 'r1', command: { name: 'part', room: '#GO' }, at: 15 },
  { type: 'line', id: 'r1', text: 'dan falls back', at: 15 },
  { type: 'disconnected', id: 'b1', reason: 'closed', at: 16 },
  { type: 'node-gone', node: 'A', at: 17 },
  { type: 'command', id: 'c1', command: { name: 'who', room: '#rust' }, at: 18 },
  { type: 'command', id: 'c1', command: { name: 'join', room: '#rust' }, at: 18 },
  { type: 'command', id: 'r1', command: { name: 'rooms' }, at: 19 },
  { type: 'line', id: 'r1', text: 'last', at: 20 },
  // dan shares two rooms with carol (in the default limits): one leave line.
  { type: 'node-gone', node: 'C', at: 21 },
  { type: 'command', id: 'c1', command: { name: 'rooms' }, at: 22 },
];

describe('snapshotChat with rooms', () => {
  // Tight limits too: the counts they check (rooms on the server, rooms per client) survive a restore.
  const LIMITS = [{}, { maxRooms: 4, maxRoomsPerClient: 3 }];

  it('the script touches every room rule it means to (and the tight limits refuse something)', () => {
    const lines = (limits: object) => JSON.stringify(apply(ROOM_SCRIPT, createChatState(undefined, limits)));
    expect(lines({})).toContain('no-room');
    const tight = lines(LIMITS[1]!);
    expect(tight).toMatch(/too-many-rooms/);
  });

  describe.each(LIMITS)('with limits %j', (limits) => {
    it.each(ROOM_SCRIPT.map((_, k) => k))(
      'restored after %i events, then given the rest, gives the same outputs and rooms as without it',
      (k) => {
        const whole = createChatState(undefined, limits);
        apply(ROOM_SCRIPT.slice(0, k), whole);
        const snapshot = throughJson(snapshotChat(whole));
        const expected = apply(ROOM_SCRIPT.slice(k), whole);

        const restored = createChatState(snapshot, limits);
        expect(apply(ROOM_SCRIPT.slice(k), restored)).toEqual(expected);
        expect(snapshotChat(restored)).toEqual(snapshotChat(whole));
      },
    );

    it.each(ROOM_SCRIPT.map((_, k) => k))(
      'applied as a reset after %i events, then given the rest, gives the same outputs and rooms',
      (k) => {
        const whole = createChatState(undefined, limits);
        apply(ROOM_SCRIPT.slice(0, k), whole);
        const snapshot = throughJson(snapshotChat(whole));
        const expected = apply(ROOM_SCRIPT.slice(k), whole);

        const other = createChatState(undefined, limits);
        apply(ROOM_SCRIPT, other);
        expect(apply([{ type: 'reset', snapshot }], other)).toEqual([]);
        expect(apply(ROOM_SCRIPT.slice(k), other)).toEqual(expected);
        expect(snapshotChat(other)).toEqual(snapshotChat(whole));
      },
    );
  });
});
