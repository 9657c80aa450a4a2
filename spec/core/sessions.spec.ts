/**
 * History and lossless reconnects (issue 16), through `commands()`, the edge's stamping (tokens
 * drawn and hashed there) and the real core, without a socket: message ids, scrollback, /history,
 * /session, detached sessions holding their names, /resume and what it replays, bad tokens,
 * snapshots. Each client's lines are read as the TCP transport would write them.
 */
import { Subject, filter } from 'rxjs';
import { type ChatState, chat, createChatState, snapshotChat } from '../../src/core/chat';
import type { ChatStateOptions } from '../../src/core/chat-state';
import type { ChatEvent, ChatMessage, ChatOutput, ChatSnapshot, ClientId, HistoryMessage } from '../../src/core/events';
import { isRecipient } from '../../src/core/events';
import type { StoreRecord } from '../../src/core/records';
import { formatText, historyTime } from '../../src/format/text-format';
import { commands } from '../../src/operators';
import { type PipelineEvent, isEdgeSignal } from '../../src/pipeline/edge-signals';
import { stampEvents, tokenHash } from '../../src/server/stamp-events';
import { joined, welcome } from '../support/chat-text';

/** 2026-12-05 23:10:00 UTC: where every chat's clock starts. */
const T0 = Date.UTC(2026, 11, 5, 23, 10, 0);
const STEP = 1_000;

/**
 * One chat: events go through `commands()`, `stampEvents` (tokens `tok1`, `tok2`, ... and the clock
 * below) and `chat()`, synchronously. Every client's lines and messages, every record and every
 * output are kept.
 */
class Chat {
  /** The next event's time; each event moves it on by a second. */
  now = T0;
  readonly state: ChatState;
  readonly outputs: ChatOutput[] = [];
  private readonly input = new Subject<PipelineEvent>();
  private readonly ids = new Set<ClientId>();
  private readonly received = new Map<ClientId, ChatMessage[]>();
  /** Tokens drawn so far. */
  drawn = 0;

  constructor(options: ChatStateOptions = {}, snapshot?: ChatSnapshot) {
    this.state = createChatState(snapshot, options);
    for (const client of snapshot?.clients ?? []) this.ids.add(client.id);
    this.input
      .pipe(
        commands(),
        filter((event): event is ChatEvent => !isEdgeSignal(event)),
        stampEvents({ names: () => 'guest', now: () => this.now, tokens: () => `tok${++this.drawn}` }),
        chat({ state: this.state }),
      )
      .subscribe((output) => this.take(output));
  }

  /** Sends an event; returns its outputs. */
  send(event: PipelineEvent): ChatOutput[] {
    const from = this.outputs.length;
    this.input.next(event);
    this.now += STEP;
    return this.outputs.slice(from);
  }

  connect(id: ClientId, ...names: string[]): ChatOutput[] {
    this.ids.add(id);
    return this.send({ type: 'connected', id, remote: { address: '127.0.0.1', port: 1 }, names });
  }

  /** A line from `id`: chat, or a command. */
  line(id: ClientId, text: string): ChatOutput[] {
    return this.send({ type: 'line', id, text });
  }

  /** Several lines from `id`. */
  lines(id: ClientId, ...texts: string[]): void {
    for (const text of texts) this.line(id, text);
  }

  /** The connection of `id` dropped (reset). */
  drop(id: ClientId): ChatOutput[] {
    return this.send({ type: 'disconnected', id, reason: 'error', error: 'ECONNRESET' });
  }

  /** Everything `id` received, as lines. */
  linesOf(id: ClientId): string[] {
    return this.messagesOf(id).flatMap((message) => formatText(message).split('\n'));
  }

  messagesOf(id: ClientId): ChatMessage[] {
    return this.received.get(id) ?? [];
  }

  /** The lines `id` received from `from` on (an index into `linesOf`). */
  linesSince(id: ClientId, from: number): string[] {
    return this.linesOf(id).slice(from);
  }

  records(): StoreRecord[] {
    return this.outputs.flatMap((output) => (output.kind === 'record' ? [output.record] : []));
  }

  private take(output: ChatOutput): void {
    this.outputs.push(output);
    if (output.kind !== 'deliver') return;
    for (const id of this.ids) {
      if (!isRecipient(output, id)) continue;
      const list = this.received.get(id) ?? [];
      list.push(output.message);
      this.received.set(id, list);
    }
  }
}

/** A history line as a client reads it: `[history 2026-12-05 23:10:02 UTC] alice: hi`. */
const history = (at: number, line: string, room = ''): string =>
  `${room === '' ? '' : `[${room}] `}[history ${historyTime(at)}] ${line}`;

/** The texts of every chat line `messages` carry, live or from history, in the order received. */
function textsIn(messages: readonly ChatMessage[], room = '#lobby'): string[] {
  return messages.flatMap((message) => {
    if ((message.type === 'said' || message.type === 'action') && (message.room ?? '#lobby') === room)
      return [message.text];
    if (message.type === 'history' && message.room === room) return message.entries.map((entry) => entry.text);
    return [];
  });
}

const numbered = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

const RESET = '[-] alice left the chat.';

describe('message ids', () => {
  it('chat lines and actions get an id increasing by one within their room, and the time they were accepted', () => {
    const chat = new Chat();
    chat.connect('c1', 'carol');
    chat.connect('a1', 'alice');
    chat.connect('b1', 'bob');
    const saidAt = chat.now;
    chat.line('b1', 'hi');
    const actedAt = chat.now;
    chat.line('a1', '/me waves');
    chat.line('b1', 'again');
    chat.line('a1', '/join #rust');
    chat.line('a1', 'in rust');
    chat.line('a1', '/msg carol psst');
    const live = chat.messagesOf('c1').filter((m) => m.type === 'said' || m.type === 'action');
    expect(live).toEqual([
      { type: 'said', name: 'bob', text: 'hi', room: '#lobby', id: 1, at: saidAt },
      { type: 'action', name: 'alice', text: 'waves', room: '#lobby', id: 2, at: actedAt },
      { type: 'said', name: 'bob', text: 'again', room: '#lobby', id: 3, at: actedAt + STEP },
    ]);
    expect(chat.state.history.last('#rust', 5)).toEqual([
      { id: 1, at: actedAt + 3 * STEP, type: 'said', name: 'alice', text: 'in rust' },
    ]);
    // A private message is no room's: no id.
    expect(chat.messagesOf('c1').at(-1)).toEqual({ type: 'private', from: 'alice', text: 'psst' });
  });

  it('with history off (perRoom 0) lines carry no id and no time, and nobody gets scrollback', () => {
    const chat = new Chat({ perRoom: 0 });
    chat.connect('a1', 'alice');
    chat.connect('b1', 'bob');
    chat.line('a1', 'hi');
    chat.connect('c1', 'carol');
    expect(chat.messagesOf('b1')).toContainEqual({ type: 'said', name: 'alice', text: 'hi', room: '#lobby' });
    expect(chat.linesOf('c1')).toEqual([welcome('carol'), joined('carol')]);
  });
});

describe('scrollback', () => {
  it('on connect: the last messages of the default room, marked as history, after the welcome and before the join', () => {
    const chat = new Chat({ scrollback: 2 });
    chat.connect('a1', 'alice');
    chat.connect('c1', 'carol');
    chat.line('a1', 'one');
    const at2 = chat.now;
    chat.line('a1', 'two');
    chat.send({ type: 'disconnected', id: 'c1', reason: 'closed' });
    const at3 = chat.now;
    chat.line('a1', '/me three');
    chat.connect('b1', 'bob');
    chat.line('a1', 'live');
    // Joins and leaves are not replayed; the oldest line is past the scrollback.
    expect(chat.linesOf('b1')).toEqual([
      welcome('bob'),
      history(at2, 'alice: two'),
      history(at3, '* alice three'),
      joined('bob'),
      'alice: live',
    ]);
    expect(chat.messagesOf('b1')[1]).toMatchObject({ type: 'history', room: '#lobby', reason: 'scrollback' });
  });

  it('on /join: the room’s last messages after the member list, to the joiner alone', () => {
    const chat = new Chat();
    chat.connect('a1', 'alice');
    chat.connect('b1', 'bob');
    chat.line('a1', '/join #rust');
    const at = chat.now;
    chat.line('a1', 'rusty');
    chat.line('b1', 'lobby line');
    chat.line('b1', '/join #rust');
    expect(chat.linesOf('b1').slice(-3)).toEqual([
      '[#rust] bob joined',
      '[*] 2 online in #rust: alice, bob',
      history(at, 'alice: rusty', '#rust'),
    ]);
    expect(chat.linesOf('a1').slice(-1)).toEqual(['[#rust] bob joined']);
  });

  it('shows nothing with scrollback 0, and nothing for a room where nothing was said', () => {
    const chat = new Chat({ scrollback: 0 });
    chat.connect('a1', 'alice');
    chat.line('a1', 'hi');
    chat.connect('b1', 'bob');
    chat.line('b1', '/join #empty');
    expect(chat.linesOf('b1')).toEqual([
      welcome('bob'),
      joined('bob'),
      '[#empty] bob joined',
      '[*] 1 online in #empty: bob',
    ]);
  });
});

describe('/history', () => {
  /** alice said m1..m30 in the lobby; bob connected after, shown m26..m30 (scrollback 5). */
  function thirty(options: ChatStateOptions = {}): Chat {
    const chat = new Chat({ scrollback: 5, ...options });
    chat.connect('a1', 'alice');
    chat.lines('a1', ...numbered('m', 1, 30));
    chat.connect('b1', 'bob');
    return chat;
  }
  const pageOf = (chat: Chat, id: ClientId): HistoryMessage => chat.messagesOf(id).at(-1) as HistoryMessage;

  it('pages back from what the connection was shown, further back at each call, and says when there is no more', () => {
    const chat = thirty();
    chat.line('b1', '/history 10');
    expect(pageOf(chat, 'b1')).toMatchObject({ type: 'history', reason: 'page', more: true });
    expect(textsIn([pageOf(chat, 'b1')])).toEqual(numbered('m', 16, 25));
    chat.line('b1', '/history');
    expect(textsIn([pageOf(chat, 'b1')])).toEqual(numbered('m', 1, 15));
    expect(pageOf(chat, 'b1').more).toBe(false);
    expect(chat.linesOf('b1').at(-1)).toBe('[*] no earlier messages');
    chat.line('b1', '/history');
    expect(pageOf(chat, 'b1')).toMatchObject({ entries: [], more: false });
  });

  it('gives at most 100 messages a request', () => {
    const chat = new Chat({ scrollback: 0 });
    chat.connect('a1', 'alice');
    chat.lines('a1', ...numbered('m', 1, 150));
    chat.connect('b1', 'bob');
    chat.line('b1', '/history 500');
    const page = pageOf(chat, 'b1');
    expect(page.entries).toHaveLength(100);
    expect(page.entries[0]!.id).toBe(51);
    expect(page.more).toBe(true);
  });

  it('pages a room one is in by name, and refuses one it is not in', () => {
    const chat = thirty();
    chat.connect('c1', 'carol');
    chat.line('a1', '/join #rust');
    chat.lines('a1', ...numbered('r', 1, 8));
    chat.line('b1', '/join #rust');
    chat.line('b1', '/join #lobby');
    chat.line('b1', '/history #rust');
    expect(pageOf(chat, 'b1')).toMatchObject({ room: '#rust', more: false });
    expect(textsIn([pageOf(chat, 'b1')], '#rust')).toEqual(['r1', 'r2', 'r3']);
    chat.line('c1', '/history #rust 5');
    expect(chat.linesOf('c1').at(-1)).toBe('[!] you are not in #rust');
    chat.line('c1', '/history #nowhere');
    expect(chat.linesOf('c1').at(-1)).toBe('[!] you are not in #nowhere');
  });

  it('pages past a gap in the ids (a store that lost some) to the oldest kept', () => {
    const entry = (id: number) => ({ id, at: T0 + id, type: 'said' as const, name: 'alice', text: `m${id}` });
    const snapshot: ChatSnapshot = {
      clients: [],
      closing: false,
      stoppedNodes: [],
      history: [{ name: '#lobby', entries: [1, 2, 3, 50, 51, 52].map(entry) }],
    };
    const chat = new Chat({ scrollback: 2 }, snapshot);
    chat.connect('b1', 'bob');
    expect(textsIn(chat.messagesOf('b1'))).toEqual(['m51', 'm52']);
    chat.line('b1', '/history 2');
    expect(textsIn([pageOf(chat, 'b1')])).toEqual(['m3', 'm50']);
    chat.line('b1', '/history 5');
    expect(pageOf(chat, 'b1')).toMatchObject({ entries: [{ id: 1 }, { id: 2 }], more: false });
  });

  it('pages back from the scrollback, not from live lines: a connection there all along has nothing earlier', () => {
    const chat = new Chat({ scrollback: 0 });
    chat.connect('a1', 'alice');
    chat.lines('a1', 'one', 'two');
    chat.line('a1', '/history');
    expect(pageOf(chat, 'a1')).toMatchObject({ entries: [], more: false });
  });
});

describe('/session', () => {
  it('gives the client a token; the core keeps only its hash, and emits records only when asked', () => {
    const plain = new Chat();
    plain.connect('a1', 'alice');
    plain.line('a1', '/session');
    expect(plain.linesOf('a1').at(-1)).toBe('[*] session tok1 (reconnect within 120 s and send /resume tok1 first)');
    expect(plain.records()).toEqual([]);
    expect(JSON.stringify(snapshotChat(plain.state))).not.toContain('tok1');

    const recorded = new Chat({ records: true, resumeWindowMs: 30_000 });
    recorded.connect('a1', 'alice');
    recorded.line('a1', '/session');
    expect(recorded.linesOf('a1').at(-1)).toContain('within 30 s');
    expect(recorded.records()).toEqual([
      {
        type: 'session',
        session: { hash: tokenHash('tok1'), name: 'alice', rooms: ['#lobby'], current: '#lobby', seen: {} },
      },
    ]);
    // A second /session replaces the first.
    recorded.line('a1', '/session');
    expect(recorded.records().slice(1)).toEqual([
      { type: 'session-ended', hash: tokenHash('tok1') },
      expect.objectContaining({ type: 'session', session: expect.objectContaining({ hash: tokenHash('tok2') }) }),
    ]);
  });
});

describe('a dropped session', () => {
  /** alice (a1) opens a session at T0+1s and drops at T0+2s; bob is online. Window: 10 s. */
  function dropped(options: ChatStateOptions = {}): Chat {
    const chat = new Chat({ resumeWindowMs: 10_000, ...options });
    chat.connect('b1', 'bob');
    chat.connect('a1', 'alice');
    chat.line('a1', '/session');
    chat.drop('a1');
    return chat;
  }

  it('leaves as today: the others see the leave', () => {
    const chat = dropped();
    expect(chat.linesOf('b1').at(-1)).toBe(RESET);
  });

  it('holds its name for the window: a newcomer offered it gets another, and /nick to it is refused', () => {
    const chat = dropped();
    chat.connect('c1', 'alice', 'carol');
    expect(chat.linesOf('c1')[0]).toBe(welcome('carol'));
    chat.connect('d1', 'ALICE');
    expect(chat.linesOf('d1')[0]).toBe(welcome('ALICE2'));
    chat.line('b1', '/nick Alice');
    expect(chat.linesOf('b1').at(-1)).toBe('[!] name taken: Alice');
  });

  it('frees the name once the window closed (and ends the session, with a record)', () => {
    const chat = dropped({ records: true });
    const detached = chat.records().at(-1);
    expect(detached).toEqual({
      type: 'session',
      session: {
        hash: tokenHash('tok1'),
        name: 'alice',
        rooms: ['#lobby'],
        current: '#lobby',
        seen: { '#lobby': 0 },
        until: T0 + 3 * STEP + 10_000,
      },
    });
    chat.now = T0 + 3 * STEP + 10_000; // the last moment it holds
    chat.connect('c1', 'alice', 'carol');
    expect(chat.linesOf('c1')[0]).toBe(welcome('carol'));
    const before = chat.records().length;
    chat.line('b1', '/nick alice');
    expect(chat.linesOf('b1').at(-1)).toBe('bob is now known as alice');
    expect(chat.records().slice(before)).toEqual([{ type: 'session-ended', hash: tokenHash('tok1') }]);
  });
});

describe('/resume', () => {
  /**
   * alice (a1) in #lobby and #rust (current), with a session; bob and carol talk. alice's
   * connection drops; bob says 8 lines in the lobby and 2 in #rust meanwhile; alice reconnects as
   * a2 (offered "alice": taken, so alice2) and gets the welcome and the lobby's scrollback (3)
   * before her /resume.
   */
  function reconnected(options: ChatStateOptions = {}): Chat {
    const chat = new Chat({ scrollback: 3, ...options });
    chat.connect('b1', 'bob');
    chat.connect('a1', 'alice');
    chat.line('b1', '/join #rust');
    chat.line('a1', '/join #rust');
    chat.lines('b1', 'seen1', 'seen2');
    chat.line('a1', '/session');
    chat.drop('a1');
    chat.lines('b1', '/join #lobby', ...numbered('lobby', 1, 8), '/join #rust', 'rust1', 'rust2');
    chat.connect('a2', 'alice');
    return chat;
  }

  it('gives back the name (told to the others), the rooms, then each missed message once: the scrollback is not repeated', () => {
    const chat = reconnected();
    expect(chat.linesOf('a2')).toEqual([
      welcome('alice2'),
      expect.stringMatching(/\[history .*\] bob: lobby6$/),
      expect.stringMatching(/\[history .*\] bob: lobby7$/),
      expect.stringMatching(/\[history .*\] bob: lobby8$/),
      joined('alice2'),
    ]);
    const bobSaw = chat.linesOf('b1').length;
    chat.line('a2', '/resume tok1');
    chat.line('b1', 'live');
    expect(chat.linesSince('a2', 5)).toEqual([
      'alice2 is now known as alice',
      '[#rust] alice joined',
      '[*] 2 online in #rust: bob, alice',
      '[*] resumed as alice in #lobby, #rust',
      expect.stringMatching(/^\[history .*\] bob: lobby1$/),
      ...numbered('lobby', 2, 5).map((text) => expect.stringMatching(new RegExp(`^\\[history .*\\] bob: ${text}$`))),
      expect.stringMatching(/^\[#rust\] \[history .*\] bob: rust1$/),
      expect.stringMatching(/^\[#rust\] \[history .*\] bob: rust2$/),
      '[#rust] bob: live',
    ]);
    expect(chat.linesSince('b1', bobSaw)).toEqual(['alice2 is now known as alice', '[#rust] alice joined']);
    // Exactly once per room, the scrollback included.
    expect(textsIn(chat.messagesOf('a2')).sort()).toEqual(numbered('lobby', 1, 8).sort());
    expect(textsIn(chat.messagesOf('a2'), '#rust')).toEqual(['rust1', 'rust2', 'live']);
    // The replay itself is in order, and the session is held again.
    const replay = chat
      .messagesOf('a2')
      .filter((m): m is HistoryMessage => m.type === 'history' && m.reason === 'replay');
    expect(replay.map((m) => [m.room, m.entries.map((e) => e.id)])).toEqual([
      ['#lobby', [1, 2, 3, 4, 5]],
      ['#rust', [3, 4]],
    ]);
    expect(chat.state.sessions.heldBy('a2')).toMatchObject({ name: 'alice', rooms: ['#lobby', '#rust'] });
    chat.line('a2', 'back');
    expect(chat.linesOf('b1').at(-1)).toBe('[#rust] alice: back');
  });

  it('replays nothing twice when the scrollback covered all that was missed, and lines said meanwhile were live', () => {
    const chat = reconnected({ scrollback: 20 });
    chat.line('b1', '/join #lobby');
    chat.line('b1', 'between');
    chat.line('a2', '/resume tok1');
    expect(textsIn(chat.messagesOf('a2'))).toEqual([...numbered('lobby', 1, 8), 'between']);
    expect(
      chat.messagesOf('a2').some((m) => m.type === 'history' && m.reason === 'replay' && m.room === '#lobby'),
    ).toBe(false);
  });

  it('takes the last ids the client says it got (`/resume TOKEN #room=ID`)', () => {
    const chat = reconnected({ scrollback: 0 });
    chat.line('a2', '/resume tok1 #lobby=6 #RUST=0');
    const replay = chat.messagesOf('a2').filter((m): m is HistoryMessage => m.type === 'history');
    expect(replay.map((m) => [m.room, m.entries.map((e) => e.text)])).toEqual([
      ['#lobby', ['lobby7', 'lobby8']],
      ['#rust', ['seen1', 'seen2', 'rust1', 'rust2']],
    ]);
  });

  it('an id past the last given replays nothing; one the client never got from this room is the session’s', () => {
    const chat = reconnected({ scrollback: 0 });
    chat.line('a2', '/resume tok1 #lobby=99 #elsewhere=1');
    const replay = chat.messagesOf('a2').filter((m): m is HistoryMessage => m.type === 'history');
    expect(replay.map((m) => m.room)).toEqual(['#rust']);
  });

  it('says how many missed messages are no longer kept, and gives the rest', () => {
    const chat = reconnected({ scrollback: 0, perRoom: 4 });
    chat.line('a2', '/resume tok1');
    const replay = chat.messagesOf('a2').filter((m): m is HistoryMessage => m.type === 'history');
    expect(replay[0]).toMatchObject({ room: '#lobby', missed: 4 });
    expect(textsIn(replay)).toEqual(numbered('lobby', 5, 8));
    expect(replay[1]).toMatchObject({ room: '#rust' });
    expect(replay[1]!.missed).toBeUndefined();
    expect(chat.linesOf('a2')).toContain('[!] 4 missed messages are no longer kept');
  });

  it('a resumed session drops and resumes again: only what was missed the second time', () => {
    const chat = reconnected({ scrollback: 0 });
    chat.line('a2', '/resume tok1');
    chat.drop('a2');
    chat.line('b1', 'rust3');
    chat.connect('a3', 'x');
    chat.line('a3', '/resume tok1');
    const replay = chat.messagesOf('a3').filter((m): m is HistoryMessage => m.type === 'history');
    expect(textsIn(replay, '#rust')).toEqual(['rust3']);
    expect(textsIn(replay)).toEqual([]);
  });

  describe('refused', () => {
    /** Resumes with `text` and checks that the only output is a cannot-resume notice to a2. */
    function refused(chat: Chat, text: string, reason: string): void {
      const name = chat.state.registry.get('a2')!.name;
      const rooms = chat.state.rooms.membershipOf('a2');
      const outputs = chat.line('a2', text);
      expect(outputs).toEqual([
        {
          kind: 'deliver',
          to: ['a2'],
          message: { type: 'notice', notice: { code: 'cannot-resume', reason } },
          at: expect.any(Number),
        },
      ]);
      expect(formatText((outputs[0] as { message: ChatMessage }).message)).toMatch(/^\[!\] cannot resume: /);
      expect(chat.state.registry.get('a2')!.name).toBe(name);
      expect(chat.state.rooms.membershipOf('a2')).toEqual(rooms);
    }

    it('a forged token', () => {
      refused(reconnected(), '/resume AAAAAAAAAAAAAAAAAAAAAAAA', 'unknown');
    });

    it('a token whose window closed', () => {
      const chat = reconnected();
      chat.now += 120_000;
      refused(chat, '/resume tok1', 'unknown');
    });

    it('a token whose session ended with /quit, and the name is free at once', () => {
      const chat = new Chat();
      chat.connect('a1', 'alice');
      chat.line('a1', '/session');
      chat.line('a1', '/quit bye');
      chat.connect('a2', 'alice');
      expect(chat.linesOf('a2')[0]).toBe(welcome('alice'));
      refused(chat, '/resume tok1', 'unknown');
    });

    it('a token this connection holds already', () => {
      const chat = reconnected();
      chat.line('a2', '/resume tok1');
      refused(chat, '/resume tok1', 'in-use');
    });
  });

  describe('a session held by another connection (half-open, or another device)', () => {
    it('two resumes of one session: one wins, the connection holding it is let go', () => {
      const chat = reconnected();
      chat.connect('a3', 'alice');
      chat.line('a2', '/resume tok1');
      expect(chat.linesOf('a2')).toContain('[*] resumed as alice in #lobby, #rust');
      const outputs = chat.line('a3', '/resume tok1');
      // The holder is told, closed, and its leave announced; the newcomer takes the name and rooms.
      expect(outputs).toContainEqual(expect.objectContaining({ kind: 'close', id: 'a2' }));
      expect(formatText({ type: 'notice', notice: { code: 'session-taken' } })).toBe(
        '[!] your session was resumed by another connection',
      );
      expect(chat.state.registry.get('a2')).toBeUndefined();
      expect(chat.state.registry.get('a3')!.name).toBe('alice');
      expect(chat.state.rooms.membershipOf('a3').rooms).toEqual(['#lobby', '#rust']);
      expect(chat.linesOf('a3')).toContain('[*] resumed as alice in #lobby, #rust');
      // Only one holds it: the one let go cannot take it back from a new connection without the token.
      expect(chat.state.sessions.holderOf(tokenHash('tok1'))).toBe('a3');
    });

    it('someone else’s token while its holder is online: the token is the proof, the holder gives way', () => {
      const chat = reconnected();
      chat.line('b1', '/session');
      chat.line('a2', '/resume tok2');
      expect(chat.state.registry.get('b1')).toBeUndefined();
      expect(chat.state.registry.get('a2')!.name).toBe('bob');
    });
  });
});

describe('a shutdown', () => {
  it('detaches every session (with its window) before telling everyone', () => {
    const chat = new Chat({ records: true, resumeWindowMs: 10_000 });
    chat.connect('a1', 'alice');
    chat.connect('b1', 'bob');
    chat.line('a1', '/session');
    chat.line('a1', 'hi');
    const at = chat.now;
    const outputs = chat.send({ type: 'shutdown' });
    expect(outputs[0]).toEqual({
      kind: 'record',
      record: {
        type: 'session',
        session: {
          hash: tokenHash('tok1'),
          name: 'alice',
          rooms: ['#lobby'],
          current: '#lobby',
          seen: { '#lobby': 1 },
          until: at + 10_000,
        },
      },
    });
    expect(outputs.filter((o) => o.kind === 'record')).toHaveLength(1);
    expect(chat.state.sessions.check(tokenHash('tok1'), at + 10_000)).toMatchObject({ name: 'alice' });
  });
});

describe('snapshots', () => {
  /** The same events on the original and on a state restored from its snapshot, through JSON. */
  it('carry history and sessions: a restored state resumes, pages and names exactly as the original', () => {
    const options: ChatStateOptions = { scrollback: 2, resumeWindowMs: 60_000, records: true };
    const original = new Chat(options);
    original.connect('b1', 'bob');
    original.connect('a1', 'alice');
    original.line('a1', '/join #rust');
    original.line('b1', '/join #rust');
    original.lines('b1', 'r1', 'r2');
    original.line('a1', '/session');
    original.drop('a1');
    original.lines('b1', 'r3', 'r4', 'r5');
    original.connect('c1', 'alice', 'carol');
    const snapshot = JSON.parse(JSON.stringify(snapshotChat(original.state))) as ChatSnapshot;
    expect(snapshot.history).toEqual([
      expect.objectContaining({ name: '#rust', entries: expect.any(Array) as unknown }),
    ]);
    expect(snapshot.sessions).toEqual([expect.objectContaining({ hash: tokenHash('tok1'), name: 'alice' })]);

    const restored = new Chat(options, snapshot);
    restored.now = original.now;
    restored.drawn = original.drawn;
    const rest = (chat: Chat): ChatOutput[] => [
      ...chat.connect('a2', 'alice'),
      ...chat.line('a2', '/resume tok1'),
      ...chat.line('c1', '/nick alice2'),
      ...chat.line('b1', 'r6'),
      ...chat.line('c1', '/join #rust'),
      ...chat.line('c1', '/history 2'),
      ...chat.line('c1', '/session'),
      ...chat.drop('c1'),
    ];
    const expected = rest(original);
    expect(rest(restored)).toEqual(expected);
    expect(snapshotChat(restored.state)).toEqual(snapshotChat(original.state));
    // And what it replayed was what was missed.
    expect(
      textsIn(
        restored.messagesOf('a2').filter((m) => m.type === 'history'),
        '#rust',
      ),
    ).toEqual(['r3', 'r4', 'r5']);
  });
});
