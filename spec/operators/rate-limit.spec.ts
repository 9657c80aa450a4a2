import { filter } from 'rxjs';
import { formatNotice } from '../../src/format/text-format';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import { EXCESS_FLOOD_NOTICE, RATE_LIMIT_NOTICE, commands, rateLimit } from '../../src/operators';
import { chatMarbles, connect, hangUp } from '../../src/testing';
import { connected, line, run, timeline } from '../support/marbles';

const notice = (id: string): PipelineEvent => ({ type: 'notice', id, notice: RATE_LIMIT_NOTICE });
const mute = (id: string, until: number): PipelineEvent => ({ type: 'mute', id, until });
const kick = (id: string): PipelineEvent => ({ type: 'kick', id, reason: EXCESS_FLOOD_NOTICE });
const discarded = (id: string, lines: number): PipelineEvent => ({ type: 'discarded', id, lines });
const tooLong = (id: string): PipelineEvent => ({ type: 'line-too-long', id, maxBytes: 10 });

/** Lines of client `id` named by letter: `lines('1', 'abc')` → { a: line('1','a'), ... }. */
const lines = (id: string, letters: string) =>
  Object.fromEntries([...letters].map((letter) => [letter, line(id, `${id}:${letter}`)]));

describe('rateLimit (token bucket per client, virtual time)', () => {
  it('lets a burst through at once, drops the rest, and tells the sender once', () => {
    run(({ hot, expectObservable }) => {
      const source = hot('(abcde)', lines('1', 'abcde'));
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 3 }))).toBe('(abcNM)', {
        ...lines('1', 'abc'),
        N: notice('1'),
        M: mute('1', 1000),
      });
    });
  });

  it('refills `rate` tokens a second: at rate 5 a token takes 200 ms', () => {
    run(({ hot, expectObservable }) => {
      // Client 1 tries again 199 ms after spending its token, client 2 after 200 ms.
      const one = hot(timeline({ 0: 'a', 199: 'b' }), lines('1', 'ab'));
      const two = hot(timeline({ 0: 'x', 200: 'y' }), lines('2', 'xy'));
      const limited = (source: typeof one) => source.pipe(rateLimit({ rate: 5, burst: 1 }));
      expectObservable(limited(one)).toBe(timeline({ 0: 'a', 199: '(NM)' }), {
        ...lines('1', 'a'),
        N: notice('1'),
        M: mute('1', 200),
      });
      expectObservable(limited(two)).toBe(timeline({ 0: 'x', 200: 'y' }), lines('2', 'xy'));
    });
  });

  it('refills continuously after a flood, and never beyond the burst', () => {
    run(({ hot, expectObservable }) => {
      const source = hot(
        timeline({ 0: '(ab)', 100: 'c', 200: 'd', 201: 'e', 10_000: '(fgh)' }),
        lines('1', 'abcdefgh'),
      );
      expectObservable(source.pipe(rateLimit({ rate: 5, burst: 2 }))).toBe(
        timeline({ 0: '(ab)', 100: '(NM)', 200: 'd', 201: 'X', 10_000: '(fgNY)' }),
        { ...lines('1', 'abdfg'), N: notice('1'), M: mute('1', 200), X: mute('1', 400), Y: mute('1', 10_200) },
      );
    });
  });

  it('counts each line it drops, as rate-limited, and nothing it lets through', () => {
    const dropped: string[] = [];
    const metrics = { dropped: (reason: string) => void dropped.push(reason) };
    run(({ hot, expectObservable }) => {
      const source = hot(timeline({ 0: '(abcd)', 100: 'q', 1_000: '(ef)' }), {
        ...lines('1', 'abcdef'),
        q: line('1', '/quit'),
      });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 2, metrics }))).toBe(
        timeline({ 0: '(abNM)', 100: 'q', 1_000: '(eNX)' }),
        {
          ...lines('1', 'abe'),
          q: line('1', '/quit'),
          N: notice('1'),
          M: mute('1', 1_000),
          X: mute('1', 2_000),
        },
      );
    });
    // c and d at 0, f at 1 s: three lines, two notices.
    expect(dropped).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
  });

  it('charges blank and over-long lines a token too: a flood of them is dropped and muted like any', () => {
    run(({ hot, expectObservable }) => {
      const events = { ...lines('1', 'a'), b: line('1', '  '), t: tooLong('1') };
      const source = hot('(btab)-t', events);
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 2 }))).toBe('(btNM)-', {
        ...events,
        N: notice('1'),
        M: mute('1', 1000),
      });
    });
  });

  it('always lets /quit through, so that a client over its limit can still leave', () => {
    run(({ hot, expectObservable }) => {
      const quit = line('1', '/QUIT flooded');
      const source = hot('(abq)', { ...lines('1', 'ab'), q: quit });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1 }))).toBe('(aNMq)', {
        ...lines('1', 'a'),
        q: quit,
        N: notice('1'),
        M: mute('1', 1000),
      });
    });
  });

  it('sends the notice at most once a second, however long the flood lasts', () => {
    run(({ hot, expectObservable }) => {
      // One token every 10 s: after the first line, every line of these 2 s is dropped.
      const at = { 0: 'a', 10: 'b', 500: 'c', 1009: 'd', 1010: 'e', 1500: 'f', 2009: 'g', 2010: 'h' };
      const source = hot(timeline(at), lines('1', 'abcdefgh'));
      // The mute (until the next token, at 10 s) is sent once, not with every dropped line. (Eight
      // lines in 2 s at rate 0.1 is an excess flood too: off here.)
      expectObservable(source.pipe(rateLimit({ rate: 0.1, burst: 1, excessFactor: 0 }))).toBe(
        timeline({ 0: 'a', 10: '(NM)', 1010: 'N', 2010: 'N' }),
        { ...lines('1', 'a'), N: notice('1'), M: mute('1', 10_000) },
      );
    });
  });

  it('keeps one bucket per client: a flooder does not slow anyone else', () => {
    run(({ hot, expectObservable }) => {
      const events = { ...lines('1', 'abcdef'), ...lines('2', 'xy') };
      const source = hot(timeline({ 0: '(abcdef)', 10: 'x', 12: 'y' }), events);
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 2 }))).toBe(
        timeline({ 0: '(abNM)', 10: 'x', 12: 'y' }),
        {
          ...events,
          N: notice('1'),
          M: mute('1', 1000),
        },
      );
    });
  });

  it('forgets a bucket when its client disconnects', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, PipelineEvent> = {
        ...lines('1', 'abxy'),
        d: { type: 'disconnected', id: '1', reason: 'closed' },
        c: { type: 'connected', id: '1', remote: { address: '127.0.0.1', port: 1 } },
      };
      const source = hot(timeline({ 0: 'a', 10: 'b', 20: 'd', 30: 'c', 40: 'x', 50: 'y' }), events);
      expectObservable(source.pipe(rateLimit({ rate: 0.1, burst: 1 }))).toBe(
        timeline({ 0: 'a', 10: '(NM)', 20: 'd', 30: 'c', 40: 'x', 50: '(NL)' }),
        { ...events, N: notice('1'), M: mute('1', 10_000), L: mute('1', 10_040) },
      );
    });
  });

  it('limits lines only: other events pass even when the bucket is empty', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, PipelineEvent> = {
        ...lines('1', 'ab'),
        n: { type: 'notice', id: '1', notice: { code: 'text', level: 'info', text: 'hi' } },
        k: { type: 'command', id: '1', command: { name: 'who' } },
        c: connected('1'),
      };
      const source = hot('(ab)-n-k-c', events);
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1 }))).toBe('(aNM)n-k-c', {
        ...events,
        N: notice('1'),
        M: mute('1', 1000),
      });
    });
  });

  it('mutes until the next token, once per empty spell: a new mute only after a token was spent', () => {
    run(({ hot, expectObservable }) => {
      // Rate 5: a token every 200 ms. c is dropped inside the spell that b opened; d gets the token.
      const at = { 0: 'a', 10: 'b', 20: 'c', 200: 'd', 210: 'e' };
      const source = hot(timeline(at), lines('1', 'abcde'));
      expectObservable(source.pipe(rateLimit({ rate: 5, burst: 1 }))).toBe(
        timeline({ 0: 'a', 10: '(NM)', 200: 'd', 210: 'L' }),
        { ...lines('1', 'ad'), N: notice('1'), M: mute('1', 200), L: mute('1', 400) },
      );
    });
  });

  it('is off at rate 0: nothing is dropped, muted or kicked', () => {
    run(({ hot, expectObservable }) => {
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const source = hot(`(${letters})`, lines('1', letters));
      expectObservable(source.pipe(rateLimit({ rate: 0, burst: 1 }))).toBe(`(${letters})`, lines('1', letters));
    });
  });

  it('through the core: dropped lines reach no one, commands count, and the sender gets the notice text', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice', 'bob'],
        operators: [rateLimit({ rate: 1, burst: 2 }), commands()],
      });
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

  it('reads the exact notice texts', () => {
    expect(formatNotice(RATE_LIMIT_NOTICE)).toBe('rate limit exceeded, message dropped');
    expect(formatNotice(EXCESS_FLOOD_NOTICE)).toBe('excess flood');
  });
});

describe('rateLimit: excess flood (10 times the rate for 5 s, by default)', () => {
  /** A line of client 1 every `everyMs` for `seconds`: a marble string and its events. */
  const steady = (everyMs: number, seconds: number) =>
    `${'a'.padEnd(everyMs, '-')}`.repeat((seconds * 1_000) / everyMs);
  const flood = { a: line('1', 'spam'), q: line('1', '/quit') };

  it('disconnects a paste of more than 250 lines at once (rate 5: 10 x 5 lines/s x 5 s), once; /quit still passes', () => {
    run(({ hot, expectObservable }) => {
      const limited = (count: number) => hot(`(${'a'.repeat(count)}q)`, flood).pipe(rateLimit({ rate: 5, burst: 10 }));
      expectObservable(limited(250)).toBe(`(${'a'.repeat(10)}NMq)`, { ...flood, N: notice('1'), M: mute('1', 200) });
      expectObservable(limited(251)).toBe(`(${'a'.repeat(10)}NMKq)`, {
        ...flood,
        N: notice('1'),
        M: mute('1', 200),
        K: kick('1'),
      });
    });
  });

  it('disconnects a client sending 20 times its rate after 5 s; at 10 times its rate it is only limited', () => {
    run(({ hot, expectObservable }) => {
      const onlyKicks = filter((event: PipelineEvent) => event.type === 'kick');
      // Rate 5: 100 lines a second outrun the allowance (50) by 50 a second: the 251st line over it is at 4990 ms.
      const twenty = hot(steady(10, 7), flood).pipe(rateLimit({ rate: 5, burst: 10 }), onlyKicks);
      expectObservable(twenty).toBe(timeline({ 4990: 'K' }), { K: kick('1') });
      const ten = hot(steady(20, 30), flood).pipe(rateLimit({ rate: 5, burst: 10 }), onlyKicks);
      expectObservable(ten).toBe('', {});
    });
  });

  it('counts the lines a transport discarded unread: a muted flooder is disconnected too', () => {
    run(({ hot, expectObservable }) => {
      // A line, then the transport reports 200 discarded (meter 201, minus the leak), then 60 more.
      const events = { ...flood, d: discarded('1', 200), e: discarded('1', 60), b: line('1', 'after') };
      const source = hot(timeline({ 0: 'a', 100: 'd', 200: 'e', 210: 'b' }), events);
      expectObservable(source.pipe(rateLimit({ rate: 5, burst: 10 }))).toBe(
        timeline({ 0: 'a', 100: 'd', 200: '(Ke)' }),
        { ...events, K: kick('1') },
      );
    });
  });

  it('leaks at 10 times the rate: 50 lines a second are only rate-limited, 100 a second are not', () => {
    run(({ hot, expectObservable }) => {
      const second = (lines: number) => ({ d: discarded('1', lines) });
      const everySecond = `${'d'.padEnd(1_000, '-')}`.repeat(60);
      const onlyKicks = filter((event: PipelineEvent) => event.type === 'kick');
      const fifty = hot(everySecond, second(50)).pipe(rateLimit({ rate: 5, burst: 10 }), onlyKicks);
      expectObservable(fifty).toBe('', {});
      // 100, then 150, 200, 250 (not over), 300 after the leak of each second: kicked at 4 s.
      const hundred = hot(everySecond, second(100)).pipe(rateLimit({ rate: 5, burst: 10 }), onlyKicks);
      expectObservable(hundred).toBe(timeline({ 4000: 'K' }), { K: kick('1') });
    });
  });

  it('is configurable, and off with excessFactor 0', () => {
    run(({ hot, expectObservable }) => {
      const source = hot(`(${'a'.repeat(30)})`, flood);
      const onlyKicks = filter((event: PipelineEvent) => event.type === 'kick');
      // 2 x rate 1 x 10 s = 20 lines.
      expectObservable(
        source.pipe(rateLimit({ rate: 1, burst: 1, excessFactor: 2, excessSeconds: 10 }), onlyKicks),
      ).toBe('(K)', {
        K: kick('1'),
      });
      expectObservable(source.pipe(rateLimit({ rate: 1, burst: 1, excessFactor: 0 }), onlyKicks)).toBe('', {});
    });
  });

  it('through the core: the flooder gets "[!] excess flood" and is closed, the others see it leave', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice', 'bob'],
        operators: [rateLimit({ rate: 5, burst: 2 }), commands()],
      });
      chat.client('alice', timeline({ 0: 'c', 10: `(${'a'.repeat(300)})` }), { c: connect, a: 'spam' });
      chat.client('bob', timeline({ 5: 'c' }), { c: connect });
      helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ 0: '(WJ)', 5: 'B', 10: '(NX|)' }), {
        W: '[*] Welcome, alice! Type /help for commands.',
        J: 'alice joined the chat',
        B: 'bob joined the chat',
        N: '[!] rate limit exceeded, message dropped',
        X: '[!] excess flood',
      });
      helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ 5: '(WJ)', 10: '(ssl)' }), {
        W: '[*] Welcome, bob! Type /help for commands.',
        J: 'bob joined the chat',
        s: 'alice: spam',
        l: '[-] alice left the chat.',
      });
    });
  });
});
