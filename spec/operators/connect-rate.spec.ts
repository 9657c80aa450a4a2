import { filter, merge, mergeMap, of, timer } from 'rxjs';
import type { ChatEvent } from '../../src/core/events';
import { formatNotice } from '../../src/format/text-format';
import { commands, connectRate, connectingTooFast } from '../../src/operators';
import { chatMarbles, hangUp } from '../../src/testing';
import { joined, run, timeline, welcome } from '../support/marbles';

const from = (address: string, id: string): ChatEvent => ({ type: 'connected', id, remote: { address, port: 1 } });
const disconnected = (id: string): ChatEvent => ({ type: 'disconnected', id, reason: 'closed' });
const kick = (id: string, retryAfterSeconds: number): ChatEvent => ({
  type: 'kick',
  id,
  reason: connectingTooFast(retryAfterSeconds),
});

describe('connectRate', () => {
  it('admits `perMinute` new connections from an address at once, then one per 60/perMinute seconds; leaving gives nothing back', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: from('192.0.2.1', '1'),
        b: from('192.0.2.1', '2'),
        x: disconnected('1'),
        c: from('192.0.2.1', '3'),
        d: from('192.0.2.1', '4'),
        e: from('192.0.2.1', '5'),
      };
      // 2 a minute: a and b at once, c refused (a's leave refunds nothing), d 30 s later, e right after it.
      expectObservable(hot(timeline({ 0: 'abxc', 30_000: 'de' }), events).pipe(connectRate(2))).toBe(
        timeline({ 0: 'abxK', 30_000: 'dL' }),
        { ...events, K: kick('3', 30), L: kick('5', 30) },
      );
    });
  });

  it('counts each address apart (an IPv6 /64 as one)', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: from('192.0.2.1', '1'),
        b: from('192.0.2.2', '2'),
        c: from('2001:db8:0:1::1', '3'),
        d: from('2001:db8:0:1::2', '4'),
        e: from('2001:db8:0:2::1', '5'),
      };
      expectObservable(hot('abcde', events).pipe(connectRate(1))).toBe('abcKe', { ...events, K: kick('4', 60) });
    });
  });

  it('says when to try again: when the next token is due, rounded up to whole seconds', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: from('192.0.2.1', '1'), b: from('192.0.2.1', '2'), c: from('192.0.2.1', '3') };
      // 6 a minute: a token every 10 s. At 4.5 s, 0.45 of one has come back: 5.5 s to go.
      expectObservable(hot(timeline({ 0: 'a', 4_500: 'b', 10_000: 'c' }), events).pipe(connectRate(6))).toBe(
        timeline({ 0: 'a', 4_500: 'b', 10_000: 'c' }),
        events,
      );
      const six = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [String(i), from('192.0.2.2', `s${i}`)]));
      expectObservable(hot(timeline({ 0: '(012345)', 4_500: '6' }), six).pipe(connectRate(6))).toBe(
        timeline({ 0: '(012345)', 4_500: 'K' }),
        { ...six, K: kick('s6', 6) },
      );
    });
  });

  it('0 turns it off', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: from('192.0.2.1', '1'), b: from('192.0.2.1', '2') };
      expectObservable(hot('ab', events).pipe(connectRate(0))).toBe('ab', events);
    });
  });

  it('keeps the buckets of busy addresses when it forgets those of quiet ones', () => {
    run(({ expectObservable }) => {
      // 30 s after its first connection, the first address's bucket is half full. Then 1,100 new
      // addresses arrive (past 1,024, full buckets are forgotten): its own must survive.
      const crowd = Array.from({ length: 1_100 }, (_, i) => from(`10.1.${i >> 8}.${i & 255}`, `n${i}`));
      const events$ = merge(
        of(from('192.0.2.1', 'first')),
        timer(30_000).pipe(mergeMap(() => [...crowd, from('192.0.2.1', 'again')])),
      );
      expectObservable(
        events$.pipe(
          connectRate(1),
          filter((e) => e.type === 'kick'),
        ),
      ).toBe(timeline({ 30_000: '(K|)' }), {
        K: kick('again', 30),
      });
    });
  });

  it('through the core: a connection over the rate gets one "[!]" line saying when to try again and is closed, never announced', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: [connectRate(1), commands()] });
      chat.client('c1', timeline({ 0: 'c', 30: 'w' }), { c: from('192.0.2.1', 'c1'), w: '/who' });
      chat.client('c2', timeline({ 10: 'c', 20: 'x' }), { c: from('192.0.2.1', 'c2'), x: hangUp });
      helpers
        .expectObservable(chat.linesOf('c2'))
        .toBe(timeline({ 10: '(F|)' }), { F: '[!] connecting too fast from your address; try again in 60 s' });
      helpers.expectObservable(chat.linesOf('c1')).toBe(timeline({ 0: '(WJ)', 30: 'w' }), {
        W: welcome('alice'),
        J: joined('alice'),
        w: '[*] 1 online: alice',
      });
    });
  });

  it('reads the exact notice text', () => {
    expect(formatNotice(connectingTooFast(3))).toBe('connecting too fast from your address; try again in 3 s');
  });
});
