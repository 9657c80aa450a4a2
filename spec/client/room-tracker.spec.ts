import {
  DEFAULT,
  INITIAL_ROOM_STATE,
  type RoomState,
  currentRoomName,
  trackReceived,
  trackSent,
} from '../../src/client/room-tracker';

/** Replays a session: `> line` was sent, `< line` received (the server's answers, as in spec/core/rooms.spec.ts). */
function replay(...steps: string[]): RoomState {
  return steps.reduce((state, step) => {
    const line = step.slice(2);
    if (step.startsWith('> ')) return trackSent(state, line);
    if (step.startsWith('< ')) return trackReceived(state, line);
    throw new Error(`a step starts with "> " or "< ": ${step}`);
  }, INITIAL_ROOM_STATE);
}

const WELCOME = '< [*] Welcome, alice! Type /help for commands.';

describe('room tracker', () => {
  it('starts in the default room', () => {
    const state = replay(WELCOME, '< alice joined the chat');
    expect(state.rooms).toEqual([DEFAULT]);
    expect(state.current).toBe(DEFAULT);
    expect(currentRoomName(state)).toBe('#lobby');
  });

  it('makes a joined room current once the server confirms it, by the spelling the server uses', () => {
    const sent = replay(WELCOME, '> /join #rust');
    expect(sent.current).toBe(DEFAULT);
    const state = replay(WELCOME, '> /join #rust', '< [#Rust] alice joined', '< [*] 1 online in #Rust: alice');
    expect(state.rooms).toEqual([DEFAULT, '#Rust']);
    expect(state.current).toBe('#Rust');
  });

  it("ignores another client's join, and a join it did not see answered", () => {
    expect(replay(WELCOME, '< [#rust] bob joined').current).toBe(DEFAULT);
    expect(replay(WELCOME, '< bob joined').rooms).toEqual([DEFAULT]);
    const refused = replay(
      WELCOME,
      '> /join #rust',
      '< [!] too many rooms: you are in 1, the most allowed (/part one first)',
    );
    expect(refused.current).toBe(DEFAULT);
    expect(refused.pending).toEqual([]);
  });

  it('switches on send to a room it is in, since the server says nothing then (any spelling)', () => {
    const state = replay(WELCOME, '> /join #rust', '< [#rust] alice joined', '> /join #lobby');
    expect(state.current).toBe(DEFAULT);
    expect(trackSent(state, '/JOIN #RU5T').current).toBe('#rust');
  });

  it('falls back on /part, as the server does, to the room joined most recently among those left', () => {
    const inAB = [WELCOME, '> /join #a', '< [#a] alice joined', '> /join #b', '< [#b] alice joined'];
    expect(replay(...inAB, '> /part bye now').current).toBe('#a');
    // Back to #a then parting #b: #a stays current; then parting #a falls back to the lobby, not #b.
    const state = replay(...inAB, '> /join #a', '> /part #b', '> /part');
    expect(state.rooms).toEqual([DEFAULT]);
    expect(state.current).toBe(DEFAULT);
    // Rejoining a room does not move it in the join order.
    expect(replay(...inAB, '> /join #a', '> /join #lobby', '> /part').current).toBe('#b');
  });

  it('parts the default room too, and then is in no room until it joins one', () => {
    const none = replay(WELCOME, '> /part');
    expect(none.rooms).toEqual([]);
    expect(none.current).toBeUndefined();
    expect(currentRoomName(none)).toBeUndefined();
    expect(trackSent(none, '/part').current).toBeUndefined();
    const back = replay(WELCOME, '> /part', '> /join #lobby', '< alice joined', '< [*] 2 online: bob, alice');
    expect(back.current).toBe(DEFAULT);
  });

  it('ignores a /part of a room it is not in, and lines that are not room commands', () => {
    const state = replay(WELCOME, '> /part #nowhere', '> //part', '> /join rust', '> /join #a b', '> hi');
    expect(state).toEqual(replay(WELCOME));
  });

  it('keeps tracking through a rename, whether or not the server told it', () => {
    const renamed = replay(WELCOME, '> /nick ally', '< alice is now known as ally', '> /join #x', '< [#x] ally joined');
    expect(renamed.current).toBe('#x');
    expect(renamed.me).toBe('ally');
    // The rename the server announced counts, not the last name asked for (that one may be refused).
    const refused = replay(
      WELCOME,
      '> /nick ally',
      '< alice is now known as ally',
      '> /nick bob',
      '< [!] name taken: bob',
      '> /join #x',
      '< [#x] ally joined',
    );
    expect(refused.current).toBe('#x');
    // In no room, the renamer hears nothing of its own rename: its next join is still known for its own.
    const silent = replay(WELCOME, '> /part', '> /nick ally', '> /join #x', '< [#x] ally joined');
    expect(silent.current).toBe('#x');
    // Another client's rename changes nothing.
    const others = replay(WELCOME, '< bob is now known as bobby', '< [#x] bobby joined');
    expect(others.me).toBe('alice');
    expect(others.current).toBe(DEFAULT);
  });

  it("learns the default room's name from the server, whatever --default-room is", () => {
    // #lobby prefixed: an ordinary room here.
    const general = replay(WELCOME, '> /join #lobby', '< [#lobby] alice joined', '> /part', '> /part');
    expect(general.defaultRoom).toBeUndefined();
    const told = trackReceived(general, '[!] you are in no room (try /join #general)');
    expect(told.defaultRoom).toBe('#general');
    const back = replay(WELCOME, '> /part', '> /join #general', '< alice joined');
    expect(back.defaultRoom).toBe('#general');
    const inX = replay(WELCOME, '> /part', '> /join #general', '< alice joined', '> /join #x', '< [#x] alice joined');
    expect(trackSent(inX, '/join #GENERAL').current).toBe(DEFAULT);
  });

  it('believes the server over itself: a refused part or a plain line with no room', () => {
    const healed = replay(WELCOME, '> /join #a', '< [#a] alice joined', '< [!] you are not in #a');
    expect(healed.rooms).toEqual([DEFAULT]);
    expect(healed.current).toBe(DEFAULT);
    const none = replay(WELCOME, '< [!] you are in no room (try /join #lobby)');
    expect(none.rooms).toEqual([]);
    expect(none.current).toBeUndefined();
  });

  it('starts afresh on a new welcome (a reconnect)', () => {
    const state = replay(
      WELCOME,
      '> /join #a',
      '< [#a] alice joined',
      '< [*] Welcome, alice2! Type /help for commands.',
    );
    expect(state).toEqual({ ...INITIAL_ROOM_STATE, me: 'alice2' });
  });

  it('takes back the rooms a resumed session lists, and the current room it had before the drop', () => {
    const beforeDrop = replay(
      WELCOME,
      '> /join #a',
      '< [#a] alice joined',
      '> /join #b',
      '< [#B] alice joined',
      '> /join #a',
    );
    expect(currentRoomName(beforeDrop)).toBe('#a');
    // The new connection: another name, then the resume's renames and joins, then its summary.
    const after = [
      '[*] Welcome, eve! Type /help for commands.',
      'eve is now known as alice',
      '[#a] alice joined',
      '[#B] alice joined',
      '[*] resumed as alice in #lobby, #a, #B',
    ].reduce((state, line) => trackReceived(state, line, beforeDrop), INITIAL_ROOM_STATE);
    expect(after.me).toBe('alice');
    expect(after.rooms).toEqual([DEFAULT, '#a', '#B']);
    expect(after.current).toBe('#a');
    // Without a room it had: the one joined last.
    const gone = trackReceived(INITIAL_ROOM_STATE, '[*] resumed as alice in #lobby', beforeDrop);
    expect(gone.rooms).toEqual([DEFAULT]);
    expect(gone.current).toBe(DEFAULT);
    expect(trackReceived(INITIAL_ROOM_STATE, '[*] resumed as alice in no room', beforeDrop)).toMatchObject({
      rooms: [],
      current: undefined,
    });
  });
});
