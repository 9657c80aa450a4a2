import type { ChatEvent } from '../../src/core/events';
import { formatNotice } from '../../src/format/text-format';
import { commands, maxClientsPerIp, tooManyConnections } from '../../src/operators';
import { chatMarbles, hangUp } from '../../src/testing';
import { joined, left, run, timeline, welcome } from '../support/marbles';

const from = (address: string, id: string): ChatEvent => ({ type: 'connected', id, remote: { address, port: 1 } });
const disconnected = (id: string): ChatEvent => ({ type: 'disconnected', id, reason: 'closed' });
const kick = (id: string, limit: number): ChatEvent => ({ type: 'kick', id, reason: tooManyConnections(limit) });

describe('maxClientsPerIp', () => {
  it('admits `limit` open connections per address and refuses the next; other addresses are not affected', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: from('192.0.2.1', '1'),
        b: from('192.0.2.1', '2'),
        c: from('192.0.2.1', '3'),
        d: from('192.0.2.2', '4'),
      };
      expectObservable(hot('a-b-c-d', events).pipe(maxClientsPerIp(2))).toBe('a-b-K-d', { ...events, K: kick('3', 2) });
    });
  });

  it('frees a place when an admitted connection leaves, and a refused one frees nothing', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: from('192.0.2.1', '1'),
        b: from('192.0.2.1', '2'),
        y: disconnected('2'),
        x: disconnected('1'),
        c: from('192.0.2.1', '3'),
        d: from('192.0.2.1', '4'),
      };
      expectObservable(hot('a-b-y-c-x-d', events).pipe(maxClientsPerIp(1))).toBe('a-K---L-x-d', {
        ...events,
        K: kick('2', 1),
        L: kick('3', 1),
      });
    });
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 address', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: from('2001:db8:1:2::1', '1'),
        b: from('2001:db8:1:2:abcd::99', '2'),
        c: from('2001:db8:1:3::1', '3'),
        d: from('192.0.2.9', '4'),
        e: from('::ffff:192.0.2.9', '5'),
      };
      expectObservable(hot('a-b-c-d-e', events).pipe(maxClientsPerIp(1))).toBe('a-K-c-d-L', {
        ...events,
        K: kick('2', 1),
        L: kick('5', 1),
      });
    });
  });

  it('0 turns it off', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: from('192.0.2.1', '1'), b: from('192.0.2.1', '2') };
      expectObservable(hot('ab', events).pipe(maxClientsPerIp(0))).toBe('ab', events);
    });
  });

  it('through the core: one more from the address gets one "[!]" line saying why and is closed, never announced', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice', 'bob', 'carol'],
        operators: [maxClientsPerIp(1), commands()],
      });
      chat.client('c1', timeline({ 0: 'c', 30: 'w' }), { c: from('192.0.2.1', 'c1'), w: '/who' });
      chat.client('c2', timeline({ 10: 'c', 15: 'h', 20: 'x' }), {
        c: from('192.0.2.1', 'c2'),
        h: 'hello?',
        x: hangUp,
      });
      chat.client('c3', timeline({ 25: 'c', 40: 'x' }), { c: from('192.0.2.2', 'c3'), x: hangUp });
      helpers
        .expectObservable(chat.linesOf('c2'))
        .toBe(timeline({ 10: '(F|)' }), { F: '[!] too many connections from your address (max 1)' });
      helpers.expectObservable(chat.linesOf('c1')).toBe(timeline({ 0: '(WJ)', 25: 'B', 30: 'w', 40: 'l' }), {
        W: welcome('alice'),
        J: joined('alice'),
        B: joined('bob'),
        w: '[*] 2 online: alice, bob',
        l: left('bob'),
      });
    });
  });

  it('reads the exact notice text', () => {
    expect(formatNotice(tooManyConnections(128))).toBe('too many connections from your address (max 128)');
  });
});
