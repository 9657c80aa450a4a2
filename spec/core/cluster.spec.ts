/**
 * The events a relay between processes adds (issue 9): a process dying (`node-gone`), one process
 * stopping while the chat goes on (`node-stopping`), a common restart point (`reset`) and the
 * clients re-announced after it (`rejoined`). Every process applies the same events in the same
 * order, and two survivors may report the same death, so applying any of them twice is harmless.
 */
import { type ChatMarbles, type ClientAction, chatMarbles, connect } from '../../src/testing';
import { createChatState, reduceChat } from '../../src/core/chat';
import type { ChatEvent, ChatSnapshot, ConnectedEvent, LogEntry } from '../../src/core/events';
import { commands } from '../../src/operators';
import { type Helpers, joined, left, run, timeline, welcome } from '../support/marbles';

const SHUTDOWN = '[*] server shutting down';
const REMOTE = { address: '127.0.0.1', port: 1 } as const;

/** Client `id` connecting through process `node` (offered `names` when given). */
const connectOn = (id: string, node: string, ...names: string[]): ConnectedEvent =>
  names.length === 0
    ? { type: 'connected', id, remote: REMOTE, node }
    : { type: 'connected', id, remote: REMOTE, node, names };
const rejoined = (id: string, name: string, node?: string): ChatEvent =>
  node === undefined
    ? { type: 'rejoined', id, name, remote: REMOTE }
    : { type: 'rejoined', id, name, remote: REMOTE, node };

function runChat(names: readonly string[], body: (chat: ChatMarbles, helpers: Helpers) => void): void {
  run((helpers) => body(chatMarbles(helpers, { names, operators: [commands()] }), helpers));
}

/** Connects `id` at `frame` (through `node` when given) and sends `lines` at their frames. */
function client(chat: ChatMarbles, id: string, frame: number, node?: string, lines: Record<number, string> = {}): void {
  const letters: Record<number, string> = { [frame]: 'c' };
  const actions: Record<string, ClientAction> = { c: node === undefined ? connect : connectOn(id, node) };
  Object.entries(lines).forEach(([at, text], i) => {
    letters[Number(at)] = String(i);
    actions[String(i)] = text;
  });
  chat.client(id, timeline(letters), actions);
}

describe('the cluster events', () => {
  describe('node-gone: a process died', () => {
    it('makes each of its clients leave, announced once to everyone remaining, even when reported twice', () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0, 'A');
        client(chat, 'b1', 5, 'B');
        client(chat, 'a2', 10, 'A');
        client(chat, 'b2', 30, 'B');
        chat.server(timeline({ 20: 'g', 25: 'g' }), { g: { type: 'node-gone', node: 'A' } });

        expectObservable(chat.linesOf('b1')).toBe(timeline({ 5: '(wj)', 10: 'c', 20: '(xy)', 30: 'n' }), {
          w: welcome('bob'),
          j: joined('bob'),
          c: joined('carol'),
          x: left('alice'),
          y: left('carol'),
          // The dead process's names are free again.
          n: joined('alice'),
        });
        expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'c', 20: '(xy)', 30: 'n' }), {
          a: expect.objectContaining({ type: 'connected' }),
          b: expect.objectContaining({ type: 'connected' }),
          c: expect.objectContaining({ type: 'connected' }),
          x: { type: 'disconnected', name: 'alice' } satisfies LogEntry,
          y: { type: 'disconnected', name: 'carol' } satisfies LogEntry,
          n: expect.objectContaining({ type: 'connected', name: 'alice' }),
        });
      });
    });

    it('asks to close its clients (a process wrongly declared dead drops them rather than keep them outside the registry)', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0, 'A');
        client(chat, 'b1', 5, 'B');
        chat.server(timeline({ 20: 'g' }), { g: { type: 'node-gone', node: 'A' } });

        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 5: 'b', 20: '|' }), {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
        });
      });
    });

    it('does nothing for a process without clients, or already reported', () => {
      const state = createChatState();
      reduceChat(state, connectOn('a1', 'A', 'alice'));
      reduceChat(state, connectOn('b1', 'B', 'bob'));
      expect(reduceChat(state, { type: 'node-gone', node: 'C' }).outputs).toEqual([]);
      expect(reduceChat(state, { type: 'node-gone', node: 'A', at: 7 }).outputs).toEqual([
        { kind: 'close', id: 'a1' },
        { kind: 'log', entry: { type: 'disconnected', name: 'alice' }, at: 7 },
        {
          kind: 'deliver',
          to: ['b1'],
          everyone: true,
          message: { type: 'left', name: 'alice' },
          at: 7,
          rooms: [{ room: '#lobby', members: ['b1'] }],
        },
      ]);
      expect(reduceChat(state, { type: 'node-gone', node: 'A' }).outputs).toEqual([]);
      expect(state.registry.names()).toEqual(['bob']);
    });

    it('announces nothing after a shutdown', () => {
      const state = createChatState();
      reduceChat(state, connectOn('a1', 'A', 'alice'));
      reduceChat(state, connectOn('b1', 'B', 'bob'));
      reduceChat(state, { type: 'shutdown' });
      expect(reduceChat(state, { type: 'node-gone', node: 'A' }).outputs).toEqual([]);
    });
  });

  describe('node-stopping: one process stops while the chat goes on', () => {
    it('says goodbye to its own clients and closes them; everyone else sees them leave; it takes no newcomers', () => {
      runChat(['alice', 'bob', 'carol', 'dave', 'erin'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0, 'A');
        client(chat, 'b1', 5, 'B');
        client(chat, 'a2', 10, 'A');
        client(chat, 'a3', 30, 'A');
        client(chat, 'b2', 35, 'B');
        chat.server(timeline({ 20: 's', 25: 's' }), { s: { type: 'node-stopping', node: 'A' } });

        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 5: 'b', 10: 'c', 20: '(s|)' }), {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
          c: joined('carol'),
          s: SHUTDOWN,
        });
        expectObservable(chat.linesOf('a2')).toBe(timeline({ 10: '(wj)', 20: '(s|)' }), {
          w: welcome('carol'),
          j: joined('carol'),
          s: SHUTDOWN,
        });
        expectObservable(chat.linesOf('b1')).toBe(timeline({ 5: '(wj)', 10: 'c', 20: '(xy)', 35: 'e' }), {
          w: welcome('bob'),
          j: joined('bob'),
          c: joined('carol'),
          x: left('alice'),
          y: left('carol'),
          e: joined('erin'),
        });
        // Turned away as during a shutdown: closed, no welcome, never announced.
        expectObservable(chat.linesOf('a3')).toBe(timeline({ 30: '|' }));
        expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 10: 'c', 20: '(xy)', 35: 'e' }), {
          a: expect.objectContaining({ type: 'connected' }),
          b: expect.objectContaining({ type: 'connected' }),
          c: expect.objectContaining({ type: 'connected' }),
          x: { type: 'disconnected', name: 'alice' } satisfies LogEntry,
          y: { type: 'disconnected', name: 'carol' } satisfies LogEntry,
          e: expect.objectContaining({ type: 'connected', name: 'erin' }),
        });
      });
    });

    it('does nothing the second time', () => {
      const state = createChatState();
      reduceChat(state, connectOn('a1', 'A', 'alice'));
      reduceChat(state, connectOn('b1', 'B', 'bob'));
      expect(reduceChat(state, { type: 'node-stopping', node: 'A', at: 3 }).outputs).toEqual([
        { kind: 'deliver', to: ['a1'], message: { type: 'shutdown' }, at: 3 },
        { kind: 'close', id: 'a1' },
        { kind: 'log', entry: { type: 'disconnected', name: 'alice' }, at: 3 },
        {
          kind: 'deliver',
          to: ['b1'],
          everyone: true,
          message: { type: 'left', name: 'alice' },
          at: 3,
          rooms: [{ room: '#lobby', members: ['b1'] }],
        },
      ]);
      expect(reduceChat(state, { type: 'node-stopping', node: 'A' }).outputs).toEqual([]);
      expect(state.registry.names()).toEqual(['bob']);
    });

    it.each<[string, ChatEvent]>([
      ['shutdown', { type: 'shutdown' }],
      ['node-stopping', { type: 'node-stopping', node: 'A' }],
    ])('with a single process, gives its clients the same lines as a %s', (_name, stop) => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0, 'A');
        client(chat, 'a2', 5, 'A');
        chat.server(timeline({ 10: 's' }), { s: stop });

        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 5: 'b', 10: '(s|)' }), {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
          s: SHUTDOWN,
        });
        expectObservable(chat.linesOf('a2')).toBe(timeline({ 5: '(wb)', 10: '(s|)' }), {
          w: welcome('bob'),
          b: joined('bob'),
          s: SHUTDOWN,
        });
      });
    });

    it('leaves the whole-chat shutdown to `shutdown`: the other processes go on', () => {
      const state = createChatState();
      reduceChat(state, { type: 'node-stopping', node: 'A' });
      expect(state.closing).toBe(false);
      expect(reduceChat(state, connectOn('b1', 'B', 'bob')).outputs).toHaveLength(3);
      expect(reduceChat(state, connectOn('a1', 'A', 'alice')).outputs).toEqual([{ kind: 'close', id: 'a1' }]);
    });
  });

  describe('reset: every process restarts from one state', () => {
    const snapshot: ChatSnapshot = {
      clients: [
        { id: 'b1', name: 'bob', remote: REMOTE },
        { id: 'z1', name: 'zed', remote: REMOTE, node: 'B' },
      ],
      closing: false,
      stoppedNodes: [],
    };

    it('replaces who is online, silently, however many times it is applied', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0, undefined, { 30: 'hi' });
        client(chat, 'b1', 5, undefined, { 35: '/who' });
        client(chat, 'z1', 40, undefined, { 45: 'yo' });
        chat.server(timeline({ 20: 'r', 25: 'r' }), { r: { type: 'reset', snapshot } });

        // Nothing at the resets; alice is no longer known, so her line goes nowhere; zed already is,
        // so his second "connected" is ignored and his line goes out.
        expectObservable(chat.linesOf('b1')).toBe(timeline({ 5: '(wj)', 35: 'v', 45: 'z' }), {
          w: welcome('bob'),
          j: joined('bob'),
          v: '[*] 2 online: bob, zed',
          z: 'zed: yo',
        });
        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 5: 'b' }), {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
        });
      });
    });

    it('outputs nothing, even while closing, and can lift a shutdown', () => {
      const state = createChatState();
      reduceChat(state, connectOn('a1', 'A', 'alice'));
      reduceChat(state, { type: 'shutdown' });
      expect(reduceChat(state, { type: 'reset', snapshot }).outputs).toEqual([]);
      expect(state.closing).toBe(false);
      expect(state.registry.names()).toEqual(['bob', 'zed']);
      expect(state.registry.clientsOf('B').map((c) => c.id)).toEqual(['z1']);
    });

    it('restores stopped processes: their newcomers are still turned away', () => {
      const state = createChatState();
      reduceChat(state, { type: 'reset', snapshot: { ...snapshot, stoppedNodes: ['A'] } });
      expect(reduceChat(state, connectOn('a1', 'A', 'alice')).outputs).toEqual([{ kind: 'close', id: 'a1' }]);
    });
  });

  describe('rejoined: a client re-announced after a reset', () => {
    it('joins silently under its name when it is free, and is ignored when already online', () => {
      runChat(['alice'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0);
        chat.client('b1', timeline({ 10: 'r', 15: 'r', 20: 'h' }), { r: rejoined('b1', 'bob'), h: 'hi' });

        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 20: 'h' }), {
          w: welcome('alice'),
          j: joined('alice'),
          h: 'bob: hi',
        });
        expectObservable(chat.linesOf('b1')).toBe('');
        expectObservable(chat.log()).toBe(timeline({ 0: 'a', 20: 's' }), {
          a: expect.objectContaining({ type: 'connected' }),
          s: { type: 'said', name: 'bob', text: 'hi' } satisfies LogEntry,
        });
      });
    });

    it('gets a numbered name, told to everyone, when its name (or a look-alike) went to someone else', () => {
      runChat(['alice'], (chat, { expectObservable }) => {
        client(chat, 'a1', 0);
        chat.client('x1', timeline({ 10: 'r' }), { r: rejoined('x1', 'ALICE') });
        chat.client('y1', timeline({ 15: 'r' }), { r: rejoined('y1', 'a1ice') });

        expectObservable(chat.linesOf('a1')).toBe(timeline({ 0: '(wj)', 10: 'x', 15: 'y' }), {
          w: welcome('alice'),
          j: joined('alice'),
          x: 'ALICE is now known as ALICE2',
          y: 'a1ice is now known as a1ice3',
        });
        expectObservable(chat.linesOf('x1')).toBe(timeline({ 10: 'x', 15: 'y' }), {
          x: 'ALICE is now known as ALICE2',
          y: 'a1ice is now known as a1ice3',
        });
        expectObservable(chat.log()).toBe(timeline({ 0: 'a', 10: 'x', 15: 'y' }), {
          a: expect.objectContaining({ type: 'connected' }),
          x: { type: 'renamed', from: 'ALICE', to: 'ALICE2' } satisfies LogEntry,
          y: { type: 'renamed', from: 'a1ice', to: 'a1ice3' } satisfies LogEntry,
        });
      });
    });

    it('keeps the node, so a later node-gone takes the client away', () => {
      const state = createChatState();
      reduceChat(state, connectOn('b1', 'B', 'bob'));
      reduceChat(state, rejoined('a1', 'alice', 'A'));
      reduceChat(state, rejoined('a1', 'alice', 'A'));
      expect(state.registry.names()).toEqual(['bob', 'alice']);
      expect(reduceChat(state, { type: 'node-gone', node: 'A' }).outputs).toContainEqual(
        expect.objectContaining({ kind: 'deliver', message: { type: 'left', name: 'alice' } }),
      );
    });

    it('is turned away through a stopped process, and during a shutdown', () => {
      const state = createChatState();
      reduceChat(state, { type: 'node-stopping', node: 'A' });
      expect(reduceChat(state, rejoined('a1', 'alice', 'A')).outputs).toEqual([{ kind: 'close', id: 'a1' }]);
      reduceChat(state, { type: 'shutdown' });
      expect(reduceChat(state, rejoined('b1', 'bob', 'B')).outputs).toEqual([{ kind: 'close', id: 'b1' }]);
      expect(state.registry.size).toBe(0);
    });
  });

  describe('/msg after a reset that restored look-alikes', () => {
    it('reaches the exact name (ignoring case) before a look-alike', () => {
      const state = createChatState({
        clients: [
          { id: 'a', name: 'alice', remote: REMOTE },
          { id: 'b', name: 'a1ice', remote: REMOTE },
          { id: 'c', name: 'carol', remote: REMOTE },
        ],
        closing: false,
        stoppedNodes: [],
      });
      const to = (name: string) =>
        reduceChat(state, { type: 'command', id: 'c', command: { name: 'msg', to: name, text: 'psst' } }).outputs.map(
          (o) => (o.kind === 'deliver' ? o.to : []),
        );
      expect(to('alice')).toEqual([['a']]);
      expect(to('A1ICE')).toEqual([['b']]);
      expect(to('ALICE')).toEqual([['a']]);
    });
  });
});
