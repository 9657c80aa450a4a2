import { formatNotice } from '../../src/format/text-format';
import type { ChatEvent } from '../../src/core/events';
import { RATE_LIMIT_NOTICE, commands, rateLimit } from '../../src/operators';
import { chatMarbles, connect, hangUp } from '../../src/testing';
import { line, run, timeline } from '../support/marbles';

const notice = (id: string): ChatEvent => ({ type: 'notice', id, notice: RATE_LIMIT_NOTICE });

/** Lines of client `id` named by letter: `lines('1', 'abc')` → { a: line('1','a'), ... }. */
const lines = (id: string, letters: string) =>
  Object.fromEntries([...letters].map((letter) => [letter, line(id, `${id}:${letter}`)]));

describe('rateLimit (token bucket per client, virtual time)', () => {
  it('lets a burst through at once, drops the rest, and tells the sender once', () => {
    run(({ hot, expectObservable }) => {
      const source = hot('(abcde)', lines('1', 'abcde'));
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 3 }))).toBe('(abcN)', { ...lines('1', 'abc'), N: notice('1') });
    });
  });

  it('refills `rate` tokens a second: at rate 5 a token takes 200 ms', () => {
    run(({ hot, expectObservable }) => {
      // Client 1 tries again 199 ms after spending its token, client 2 after 200 ms.
      const one = hot(timeline({ 0: 'a', 199: 'b' }), lines('1', 'ab'));
      const two = hot(timeline({ 0: 'x', 200: 'y' }), lines('2', 'xy'));
      const limited = (source: typeof one) => source.pipe(rateLimit({ rate: 5, burst: 1 }));
      expectObservable(limited(one)).toBe(timeline({ 0: 'a', 199: 'N' }), { ...lines('1', 'a'), N: notice('1') });
      expectObservable(limited(two)).toBe(timeline({ 0: 'x', 200: 'y' }), lines('2', 'xy'));
    });
  });

  it('refills continuously after a flood, and never beyond the burst', () => {
    run(({ hot, expectObservable }) => {
      const source = hot(timeline({ 0: '(ab)', 100: 'c', 200: 'd', 201: 'e', 10_000: '(fgh)' }), lines('1', 'abcdefgh'));
      expectObservable(source.pipe(rateLimit({ rate: 5, burst: 2 }))).toBe(
        timeline({ 0: '(ab)', 100: 'N', 200: 'd', 10_000: '(fgM)' }),
        { ...lines('1', 'abdfg'), N: notice('1'), M: notice('1') },
      );
    });
  });

  it('counts each line it drops, as rate-limited, and nothing it lets through', () => {
    const dropped: string[] = [];
    const metrics = { dropped: (reason: string) => void dropped.push(reason) };
    run(({ hot, expectObservable }) => {
      const source = hot(timeline({ 0: '(abcd)', 100: 'q', 1_000: '(ef)' }), { ...lines('1', 'abcdef'), q: line('1', '/quit') });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 2, metrics }))).toBe(timeline({ 0: '(abN)', 100: 'q', 1_000: '(eN)' }), {
        ...lines('1', 'abe'),
        q: line('1', '/quit'),
        N: notice('1'),
      });
    });
    // c and d at 0, f at 1 s: three lines, two notices.
    expect(dropped).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
  });

  it('lets blank lines through without spending a token: the core ignores them', () => {
    run(({ hot, expectObservable }) => {
      const blank = line('1', '  ');
      const source = hot('(bbbab)', { ...lines('1', 'a'), b: blank });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1 }))).toBe('(bbbab)', { ...lines('1', 'a'), b: blank });
    });
  });

  it('always lets /quit through, so that a client over its limit can still leave', () => {
    run(({ hot, expectObservable }) => {
      const quit = line('1', '/QUIT flooded');
      const source = hot('(abq)', { ...lines('1', 'ab'), q: quit });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1 }))).toBe('(aNq)', {
        ...lines('1', 'a'),
        q: quit,
        N: notice('1'),
      });
    });
  });

  it('sends the notice at most once a second, however long the flood lasts', () => {
    run(({ hot, expectObservable }) => {
      // One token every 10 s: after the first line, every line of these 2 s is dropped.
      const at = { 0: 'a', 10: 'b', 500: 'c', 1009: 'd', 1010: 'e', 1500: 'f', 2009: 'g', 2010: 'h' };
      const source = hot(timeline(at), lines('1', 'abcdefgh'));
      expectObservable(source.pipe(rateLimit({ rate: 0.1, burst: 1 }))).toBe(
        timeline({ 0: 'a', 10: 'N', 1010: 'N', 2010: 'N' }),
        { ...lines('1', 'a'), N: notice('1') },
      );
    });
  });

  it('keeps one bucket per client: a flooder does not slow anyone else', () => {
    run(({ hot, expectObservable }) => {
      const events = { ...lines('1', 'abcdef'), ...lines('2', 'xy') };
      const source = hot(timeline({ 0: '(abcdef)', 10: 'x', 12: 'y' }), events);
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 2 }))).toBe(timeline({ 0: '(abN)', 10: 'x', 12: 'y' }), {
        ...events,
        N: notice('1'),
      });
    });
  });

  it('forgets a bucket when its client disconnects', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, ChatEvent> = {
        ...lines('1', 'abxy'),
        d: { type: 'disconnected', id: '1', reason: 'closed' },
        c: { type: 'connected', id: '1', remote: { address: '127.0.0.1', port: 1 } },
      };
      const source = hot(timeline({ 0: 'a', 10: 'b', 20: 'd', 30: 'c', 40: 'x', 50: 'y' }), events);
      expectObservable(source.pipe(rateLimit({ rate: 0.1, burst: 1 }))).toBe(
        timeline({ 0: 'a', 10: 'N', 20: 'd', 30: 'c', 40: 'x', 50: 'N' }),
        { ...events, N: notice('1') },
      );
    });
  });

  it('limits lines only: other events pass even when the bucket is empty', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, ChatEvent> = {
        ...lines('1', 'ab'),
        t: { type: 'line-too-long', id: '1', maxBytes: 10 },
        n: { type: 'notice', id: '1', notice: { code: 'text', level: 'info', text: 'hi' } },
        k: { type: 'command', id: '1', command: { name: 'who' } },
      };
      const source = hot('(ab)-t-n-k', events);
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1 }))).toBe('(aN)-t-n-k', { ...events, N: notice('1') });
    });
  });

  it('is off at rate 0: nothing is dropped', () => {
    run(({ hot, expectObservable }) => {
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const source = hot(`(${letters})`, lines('1', letters));
      expectObservable(source.pipe(rateLimit({ rate: 0, burst: 1 }))).toBe(`(${letters})`, lines('1', letters));
    });
  });

  it('through the core: dropped lines reach no one, commands count, and the sender gets the notice text', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: [rateLimit({ rate: 1, burst: 2 }), commands()] });
      chat.client('alice', timeline({ 0: 'c', 10: '(wab)', 1010: 'd', 1020: 'x' }), {
        c: connect,
        w: '/who',
        a: 'one',
        b: 'two',
        d: 'three',
        x: hangUp,
      });
      chat.client('bob', timeline({ 5: 'c' }), { c: connect });
      helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ 0: '(WJ)', 5: 'B', 10: '(wN)' }), {
        W: '[*] Welcome, alice! Type /help for commands.',
        J: 'alice joined the chat',
        B: 'bob joined the chat',
        w: '[*] 2 online: alice, bob',
        N: '[!] rate limit exceeded, message dropped',
      });
      helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ 5: '(WJ)', 10: 'a', 1010: 'd', 1020: 'l' }), {
        W: '[*] Welcome, bob! Type /help for commands.',
        J: 'bob joined the chat',
        a: 'alice: one',
        d: 'alice: three',
        l: '[-] alice left the chat.',
      });
    });
  });

  it('reads the exact notice text', () => {
    expect(formatNotice(RATE_LIMIT_NOTICE)).toBe('rate limit exceeded, message dropped');
  });
});
