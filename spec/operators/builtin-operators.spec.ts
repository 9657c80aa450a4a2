import {
  Subject,
  VirtualTimeScheduler,
  filter,
  from,
  lastValueFrom,
  map,
  merge,
  of,
  timer,
  toArray,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { parseServerArgs, SERVER_USAGE } from '../../src/cli/server-args';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import type { ChatOperator } from '../../src/pipeline/operator';
import {
  type BuiltinOperators,
  type OperatorSlots,
  DEFAULT_POLICY,
  IDLE_NOTICE,
  RATE_LIMIT_NOTICE,
  SERVER_FULL,
  builtinOperators,
  defaultOperators,
} from '../../src/operators';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_TOTAL_BUFFER_BYTES,
} from '../../src/server/create-chat-server';
import { chatMarbles, connect } from '../../src/testing';
import { connected, line, run, timeline } from '../support/marbles';

const connectedFrom = (address: string, id: string): PipelineEvent => ({
  type: 'connected',
  id,
  remote: { address, port: 1 },
});
const disconnected = (id: string): PipelineEvent => ({ type: 'disconnected', id, reason: 'closed' });
const rateNotice = (id: string): PipelineEvent => ({ type: 'notice', id, notice: RATE_LIMIT_NOTICE });
const mute = (id: string, until: number): PipelineEvent => ({ type: 'mute', id, until });
const lines = (id: string, letters: string) => Object.fromEntries([...letters].map((l) => [l, line(id, l)]));

describe('defaults', () => {
  it('are rate 5/s, burst 10, 10000 clients, 128 per address, 120 connects a minute per address, idle timeout off, 4096-byte lines, 256 KiB output buffer, 64 MiB in total, 10 s handshakes', () => {
    expect(DEFAULT_POLICY).toEqual({
      rate: 5,
      burst: 10,
      maxClients: 10_000,
      idleTimeoutSeconds: 0,
      maxClientsPerIp: 128,
      connectRate: 120,
    });
    expect(DEFAULT_MAX_LINE_BYTES).toBe(4096);
    expect(DEFAULT_MAX_BUFFER_BYTES).toBe(256 * 1024);
    expect(DEFAULT_MAX_TOTAL_BUFFER_BYTES).toBe(64 * 1024 * 1024);
    expect(DEFAULT_HANDSHAKE_TIMEOUT_SECONDS).toBe(10);
  });

  it('are the CLI defaults, and --help shows them', () => {
    const parsed = parseServerArgs([], {});
    expect(parsed).toEqual({
      kind: 'run',
      args: expect.objectContaining({
        rate: 5,
        burst: 10,
        maxClients: 10_000,
        idleTimeoutSeconds: 0,
        maxLineBytes: 4096,
        maxBufferBytes: 262_144,
        maxTotalBufferBytes: 67_108_864,
        maxClientsPerIp: 128,
        connectRate: 120,
        handshakeTimeoutSeconds: 10,
      }),
    });
    expect(SERVER_USAGE).toMatch(/--rate N .*default 5\)/);
    expect(SERVER_USAGE).toMatch(/--burst N .*default 10\)/);
    expect(SERVER_USAGE).toMatch(/--max-clients N .*default 10000\)/);
    expect(SERVER_USAGE).toMatch(/--idle-timeout SECONDS .*default 0\)/);
    expect(SERVER_USAGE).toMatch(/--max-line-bytes N .*default 4096\)/);
    expect(SERVER_USAGE).toMatch(/--max-buffer-bytes N .*default 262144\)/);
    expect(SERVER_USAGE).toMatch(/--max-total-buffer-bytes N .*default 67108864\)/);
    expect(SERVER_USAGE).toMatch(/--max-clients-per-ip N .*0 for no limit.*default 128\)/);
    expect(SERVER_USAGE).toMatch(/--connect-rate N .*per minute, 0 for no limit.*default 120\)/);
    expect(SERVER_USAGE).toMatch(/--handshake-timeout SECONDS .*default 10\)/);
  });

  it('builtinOperators() limits a client to a burst of 10, then one line per 200 ms', () => {
    run(({ hot, expectObservable }) => {
      const letters = 'abcdefghijkl';
      const source = hot(timeline({ 0: `(${letters.slice(0, 11)})`, 200: 'l' }), lines('1', letters));
      expectObservable(source.pipe(builtinOperators().rateLimit)).toBe(
        timeline({ 0: `(${letters.slice(0, 10)}NM)`, 200: 'l' }),
        { ...lines('1', letters), N: rateNotice('1'), M: mute('1', 200) },
      );
    });
  });

  it('builtinOperators() admits 10000 connections and refuses the 10001st', async () => {
    const events = Array.from({ length: 10_001 }, (_, i) => connected(String(i + 1)));
    const out = await lastValueFrom(from(events).pipe(builtinOperators().maxClients, toArray()));
    expect(out.filter((e) => e.type === 'connected')).toHaveLength(10_000);
    expect(out.filter((e) => e.type === 'kick')).toEqual([{ type: 'kick', id: '10001', reason: SERVER_FULL }]);
  });

  it('defaultOperators(): a room of 100 behind one address joins at once; a connect/quit loop from it is refused past 120 a minute, then gets one try every 500 ms', () => {
    run(({ expectObservable }) => {
      const nat = '198.51.100.1';
      const room = Array.from({ length: 100 }, (_, i) => connectedFrom(nat, `r${i}`));
      const loop = Array.from({ length: 20 }, (_, i) => [connectedFrom(nat, `q${i}`), disconnected(`q${i}`)]).flat();
      const events$ = merge(
        of(...room, ...loop, connectedFrom(nat, 'late')),
        timer(500).pipe(map(() => connectedFrom(nat, 'later'))),
      );
      const out$ = defaultOperators(builtinOperators()).reduce((s, op) => op(s), events$);
      expectObservable(
        out$.pipe(filter((e) => e.type === 'kick' || (e.type === 'connected' && e.id === 'later'))),
      ).toBe('k 499ms (l|)', {
        k: { type: 'kick', id: 'late', reason: { code: 'connecting-too-fast', retryAfterSeconds: 1 } },
        l: connectedFrom(nat, 'later'),
      });
    });
  });

  it('builtinOperators() admits 128 connections from one address, refuses the 129th, and admits other addresses', async () => {
    const mine = Array.from({ length: 129 }, (_, i) => connectedFrom('192.0.2.7', `m${i}`));
    const out = await lastValueFrom(
      from([...mine, connectedFrom('192.0.2.8', 'other')]).pipe(builtinOperators().maxClientsPerIp, toArray()),
    );
    expect(out.filter((e) => e.type === 'connected')).toHaveLength(129);
    expect(out.filter((e) => e.type === 'kick')).toEqual([
      { type: 'kick', id: 'm128', reason: { code: 'too-many-connections', limit: 128 } },
    ]);
  });

  it('builtinOperators() never kicks for silence', () => {
    run(({ hot, expectObservable }) => {
      const events = { c: connected('1'), l: line('2', 'an hour later') };
      const at = { 0: 'c', 3_600_000: 'l' };
      expectObservable(hot(timeline(at), events).pipe(builtinOperators().idleTimeout)).toBe(timeline(at), events);
    });
  });
});

describe('builtinOperators(policy): options to operators', () => {
  it('rate and burst configure the rate limiter; rate 0 turns it off', () => {
    run(({ hot, expectObservable }) => {
      const source = hot('(abcd)', lines('1', 'abcd'));
      expectObservable(source.pipe(builtinOperators({ rate: 1, burst: 2 }).rateLimit)).toBe('(abNM)', {
        ...lines('1', 'ab'),
        N: rateNotice('1'),
        M: mute('1', 1000),
      });
      expectObservable(source.pipe(builtinOperators({ rate: 0, burst: 2 }).rateLimit)).toBe(
        '(abcd)',
        lines('1', 'abcd'),
      );
    });
  });

  it('maxClients configures admission', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: connected('1'), b: connected('2') };
      expectObservable(hot('ab', events).pipe(builtinOperators({ maxClients: 1 }).maxClients)).toBe('aK', {
        ...events,
        K: { type: 'kick', id: '2', reason: SERVER_FULL },
      });
    });
  });

  it('maxClientsPerIp and connectRate configure the per-address limits; 0 turns each off', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        a: connectedFrom('192.0.2.1', '1'),
        b: connectedFrom('192.0.2.1', '2'),
        c: connectedFrom('192.0.2.1', '3'),
      };
      const source = hot('abc', events);
      expectObservable(source.pipe(builtinOperators({ maxClientsPerIp: 2 }).maxClientsPerIp)).toBe('abK', {
        ...events,
        K: { type: 'kick', id: '3', reason: { code: 'too-many-connections', limit: 2 } },
      });
      expectObservable(source.pipe(builtinOperators({ connectRate: 1 }).connectRate)).toBe('aJK', {
        ...events,
        J: { type: 'kick', id: '2', reason: { code: 'connecting-too-fast', retryAfterSeconds: 60 } },
        K: { type: 'kick', id: '3', reason: { code: 'connecting-too-fast', retryAfterSeconds: 60 } },
      });
      expectObservable(source.pipe(builtinOperators({ maxClientsPerIp: 0 }).maxClientsPerIp)).toBe('abc', events);
      expectObservable(source.pipe(builtinOperators({ connectRate: 0 }).connectRate)).toBe('abc', events);
    });
  });

  it('idleTimeoutSeconds is in seconds (fractions allowed)', () => {
    run(({ hot, expectObservable }) => {
      const events = { c: connected('1') };
      expectObservable(hot('c', events).pipe(builtinOperators({ idleTimeoutSeconds: 1.5 }).idleTimeout)).toBe(
        timeline({ 0: 'c', 1500: 'K' }),
        { ...events, K: { type: 'kick', id: '1', reason: IDLE_NOTICE } },
      );
    });
  });

  it('scheduler is the clock of both timed policies', () => {
    const virtual = new VirtualTimeScheduler();
    const builtins = builtinOperators({ rate: 1, burst: 1, idleTimeoutSeconds: 1, scheduler: virtual });

    // Rate limiter: only the given clock moving can refill the bucket.
    let now = 0;
    const clock = {
      now: () => now,
      schedule: () => {
        throw new Error('unused');
      },
    } as unknown as SchedulerLike;
    const limited: PipelineEvent[] = [];
    const input = new Subject<PipelineEvent>();
    input.pipe(builtinOperators({ rate: 1, burst: 1, scheduler: clock }).rateLimit).subscribe((e) => limited.push(e));
    input.next(line('1', 'a'));
    input.next(line('1', 'b'));
    now += 1000;
    input.next(line('1', 'c'));
    expect(limited).toEqual([line('1', 'a'), rateNotice('1'), mute('1', 1000), line('1', 'c')]);

    // Idle timeout: its timer runs on the given scheduler (flushed here at once), not in real time.
    const kicked: PipelineEvent[] = [];
    const events = new Subject<PipelineEvent>();
    events
      .pipe(
        builtins.idleTimeout,
        filter((e) => e.type === 'kick'),
      )
      .subscribe((e) => kicked.push(e));
    events.next(connected('1'));
    virtual.flush();
    expect(kicked).toEqual([{ type: 'kick', id: '1', reason: IDLE_NOTICE }]);
    expect(virtual.now()).toBe(1000);
  });
});

describe('defaultOperators(builtins): the order', () => {
  it('is stripControl, connectRate, maxClientsPerIp, maxClients, idleTimeout, rateLimit, commands', () => {
    const builtins = builtinOperators();
    const order = [
      builtins.stripControl,
      builtins.connectRate,
      builtins.maxClientsPerIp,
      builtins.maxClients,
      builtins.idleTimeout,
      builtins.rateLimit,
      builtins.commands,
    ];
    expect(defaultOperators(builtins)).toHaveLength(order.length);
    for (const [i, op] of defaultOperators(builtins).entries()) expect(op).toBe(order[i]);
  });

  it('installs every built-in once', () => {
    const builtins = builtinOperators();
    expect(new Set(defaultOperators(builtins))).toEqual(new Set(Object.values(builtins)));
  });

  it('cleans text before commands are parsed, and rate-limits commands too', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice'],
        operators: defaultOperators(builtinOperators({ rate: 1, burst: 2 })),
      });
      chat.client('alice', timeline({ 0: 'c', 10: 'w', 20: 'n', 30: 'x' }), {
        c: connect,
        w: '\x1b/w\u200Bho',
        n: '/nick al\u202Eice2',
        x: '/who',
      });
      helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ 0: '(WJ)', 10: 'w', 20: 'r', 30: 'N' }), {
        W: '[*] Welcome, alice! Type /help for commands.',
        J: 'alice joined the chat',
        w: '[*] 1 online: alice',
        r: 'alice is now known as alice2',
        N: '[!] rate limit exceeded, message dropped',
      });
    });
  });

  it('refuses before the idle clock starts: a refused client gets "server full" and nothing else', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice'],
        operators: defaultOperators(builtinOperators({ maxClients: 1, idleTimeoutSeconds: 1 })),
      });
      chat.client('c1', timeline({ 0: 'c', 500: 'h', 1000: 'i', 1500: 'j' }), { c: connect, h: 'a', i: 'b', j: 'c' });
      chat.client('c2', timeline({ 10: 'c' }), { c: connect });
      const toRefused = chat
        .outputs()
        .pipe(filter((o) => ('to' in o ? o.to.includes('c2') : o.kind === 'close' && o.id === 'c2')));
      helpers.expectObservable(toRefused).toBe(timeline({ 10: '(FX)' }), {
        F: { kind: 'deliver', to: ['c2'], message: { type: 'notice', notice: SERVER_FULL }, at: 10 },
        X: { kind: 'close', id: 'c2' },
      });
    });
  });

  it('measures silence before the rate limiter drops lines: a flooder is not idle', () => {
    run((helpers) => {
      // One token every 10 s: only the first line passes, yet every line proves the client is there.
      const chat = chatMarbles(helpers, {
        names: ['alice', 'bob'],
        operators: defaultOperators(builtinOperators({ rate: 0.1, burst: 1, idleTimeoutSeconds: 1 })),
      });
      chat.client('alice', timeline({ 0: 'c', 100: 'a', 800: 'b', 1500: 'd' }), {
        c: connect,
        a: 'one',
        b: 'two',
        d: 'three',
      });
      chat.client('bob', timeline({ 5: 'c' }), { c: connect });
      // If lines were dropped before the idle clock saw them, alice would be kicked at 1100.
      helpers
        .expectObservable(chat.linesOf('alice'))
        .toBe(timeline({ 0: '(WJ)', 5: 'B', 800: 'N', 1005: 'l', 2500: '(I|)' }), {
          W: '[*] Welcome, alice! Type /help for commands.',
          J: 'alice joined the chat',
          B: 'bob joined the chat',
          N: '[!] rate limit exceeded, message dropped',
          l: '[-] bob left the chat.',
          I: '[!] idle timeout',
        });
    });
  });
});

describe('defaultOperators(builtins, slots): your operators among the built-ins', () => {
  /** An operator that appends its letter to every line's text: a line's text spells the chain it went through. */
  const tag = (letter: string): ChatOperator => map((e) => (e.type === 'line' ? { ...e, text: e.text + letter } : e));
  // Each built-in stands in as its initial: stripControl s, connectRate c, maxClientsPerIp p, maxClients m,
  // idleTimeout i, rateLimit r, commands k.
  const builtins: BuiltinOperators = {
    stripControl: tag('s'),
    connectRate: tag('c'),
    maxClientsPerIp: tag('p'),
    maxClients: tag('m'),
    idleTimeout: tag('i'),
    rateLimit: tag('r'),
    commands: tag('k'),
  };
  /** A line goes through the chain these slots make and comes out spelling it. */
  const expectChain = (slots: OperatorSlots | undefined, chain: string) =>
    run(({ hot, expectObservable }) => {
      const out$ = defaultOperators(builtins, slots).reduce<Observable<PipelineEvent>>(
        (s, op) => op(s),
        hot('a', { a: line('1', '') }),
      );
      expectObservable(out$).toBe('a', { a: line('1', chain) });
    });

  it('no slots: the built-ins alone, in order', () => {
    expectChain(undefined, 'scpmirk');
    expectChain({}, 'scpmirk');
  });

  it('before: in front of the named built-in, in the order given', () => {
    expectChain({ before: { commands: [tag('X')] } }, 'scpmirXk');
    expectChain({ before: { stripControl: [tag('X'), tag('Y')], rateLimit: [tag('Z')] } }, 'XYscpmiZrk');
  });

  it('after: behind the named built-in, in the order given', () => {
    expectChain({ after: { stripControl: [tag('X'), tag('Y')] } }, 'sXYcpmirk');
    expectChain({ after: { commands: [tag('Z')] } }, 'scpmirkZ');
  });

  it("replace: an operator takes the built-in's place; false drops it", () => {
    expectChain({ replace: { rateLimit: tag('R') } }, 'scpmiRk');
    expectChain({ replace: { idleTimeout: false, connectRate: false } }, 'spmrk');
  });

  it('a dropped or replaced built-in keeps its slot for operators before and after it', () => {
    expectChain(
      { before: { commands: [tag('X')] }, after: { commands: [tag('Y')] }, replace: { commands: false } },
      'scpmirXY',
    );
    expectChain(
      { before: { maxClients: [tag('X')] }, after: { maxClients: [tag('Y')] }, replace: { maxClients: tag('M') } },
      'scpXMYirk',
    );
  });

  it('throws on a slot or a built-in that does not exist, rather than leave an operator out', () => {
    expect(() => defaultOperators(builtins, { before: { command: [tag('X')] } } as unknown as OperatorSlots)).toThrow(
      /no built-in operator "command" in before/,
    );
    expect(() => defaultOperators(builtins, { behind: { commands: [tag('X')] } } as unknown as OperatorSlots)).toThrow(
      /no slot "behind"/,
    );
  });

  it('with the real built-ins: an operator before commands adds a command of its own, every policy still in place', () => {
    const shout: ChatOperator = map((e) =>
      e.type === 'line' && e.text.startsWith('/shout ') ? { ...e, text: e.text.slice(7).toUpperCase() } : e,
    );
    run((helpers) => {
      const chat = chatMarbles(helpers, {
        names: ['alice', 'bob'],
        operators: defaultOperators(builtinOperators({ rate: 1, burst: 1 }), { before: { commands: [shout] } }),
      });
      // stripControl still runs before it, the rate limiter still drops alice's second line.
      chat.client('alice', timeline({ 0: 'c', 10: 's', 20: 'x' }), {
        c: connect,
        s: '/shout hi\x07',
        x: '/shout again',
      });
      chat.client('bob', timeline({ 5: 'c' }), { c: connect });
      helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ 5: '(WJ)', 10: 's' }), {
        W: '[*] Welcome, bob! Type /help for commands.',
        J: 'bob joined the chat',
        s: 'alice: HI',
      });
    });
  });
});
