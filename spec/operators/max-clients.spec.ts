import { formatNotice } from '../../src/format/text-format';
import type { ChatEvent } from '../../src/core/events';
import { SERVER_FULL, commands, maxClients } from '../../src/operators';
import { chatMarbles, connect, hangUp } from '../../src/testing';
import { connected, joined, run, timeline, welcome } from '../support/marbles';

const disconnected = (id: string): ChatEvent => ({ type: 'disconnected', id, reason: 'closed' });
const kick = (id: string): ChatEvent => ({ type: 'kick', id, reason: SERVER_FULL });

describe('maxClients', () => {
  it('admits exactly `limit` connections and turns the next one away with a kick', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: connected('1'), b: connected('2'), c: connected('3'), d: connected('4') };
      expectObservable(hot('a-b-c-d', events).pipe(maxClients(3))).toBe('a-b-c-K', { ...events, K: kick('4') });
    });
  });

  it('drops every later event of a refused client, its disconnect included, which frees nothing', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, ChatEvent> = {
        a: connected('1'),
        b: connected('2'),
        l: { type: 'line', id: '2', text: 'let me in' },
        t: { type: 'line-too-long', id: '2', maxBytes: 1 },
        x: disconnected('2'),
        c: connected('3'),
        m: { type: 'line', id: '1', text: 'still here' },
      };
      expectObservable(hot('a-b-l-t-x-c-m', events).pipe(maxClients(1))).toBe('a-K-------L-m', {
        ...events,
        K: kick('2'),
        L: kick('3'),
      });
    });
  });

  it('lets a leave free a slot for the next connection', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: connected('1'),
        b: connected('2'),
        x: disconnected('1'),
        c: connected('3'),
        d: connected('4'),
      };
      expectObservable(hot('a-b-x-c-d', events).pipe(maxClients(1))).toBe('a-K-x-c-L', {
        ...events,
        K: kick('2'),
        L: kick('4'),
      });
    });
  });

  it('through the core: one more gets "[!] server full" and is closed; no welcome, no join; a freed slot is reused', () => {
    run((helpers) => {
      // Names are drawn only on joins: a refused connection takes none.
      const chat = chatMarbles(helpers, { names: ['alice', 'bob', 'dave'], operators: [maxClients(2), commands()] });
      chat.client('c1', timeline({ 0: 'c', 40: 'w', 60: 'W' }), { c: connect, w: '/who', W: '/who' });
      chat.client('c2', timeline({ 5: 'c', 30: '/', 50: 'x' }), { c: connect, '/': '/quit', x: hangUp });
      chat.client('c3', timeline({ 10: 'c', 15: 'h', 20: 'x' }), { c: connect, h: 'hello?', x: hangUp });
      chat.client('c4', timeline({ 55: 'c' }), { c: connect });
      helpers.expectObservable(chat.linesOf('c3')).toBe(timeline({ 10: '(F|)' }), { F: '[!] server full' });
      helpers
        .expectObservable(chat.linesOf('c1'))
        .toBe(timeline({ 0: '(WJ)', 5: 'B', 30: 'l', 40: 'w', 55: 'D', 60: 'v' }), {
          W: welcome('alice'),
          J: joined('alice'),
          B: joined('bob'),
          l: '[-] bob left the chat.',
          w: '[*] 1 online: alice',
          D: joined('dave'),
          v: '[*] 2 online: alice, dave',
        });
      helpers
        .expectObservable(chat.linesOf('c4'))
        .toBe(timeline({ 55: '(WJ)' }), { W: welcome('dave'), J: joined('dave') });
      helpers.expectObservable(chat.log()).toBe(timeline({ 0: 'a', 5: 'b', 30: 'q', 55: 'd' }), {
        a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
        b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
        q: { type: 'disconnected', name: 'bob', reason: { kind: 'quit' } },
        d: { type: 'connected', name: 'dave', remote: { address: '127.0.0.1', port: 40003 } },
      });
    });
  });

  it('reads the exact notice text', () => {
    expect(formatNotice(SERVER_FULL)).toBe('server full');
  });
});
