import { formatNotice } from '../../src/format/text-format';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import { IDLE_NOTICE, commands, idleTimeout } from '../../src/operators';
import { chatMarbles, connect, hangUp } from '../../src/testing';
import { connected, joined, line, run, timeline, welcome } from '../support/marbles';

const kick = (id: string): PipelineEvent => ({ type: 'kick', id, reason: IDLE_NOTICE });

describe('idleTimeout (virtual time)', () => {
  it('kicks a client that sends nothing for the timeout after it connects', () => {
    run(({ hot, expectObservable }) => {
      const events = { c: connected('1') };
      expectObservable(hot('c', events).pipe(idleTimeout(1000))).toBe(timeline({ 0: 'c', 1000: 'K' }), {
        ...events,
        K: kick('1'),
      });
    });
  });

  it('restarts the clock on each line (commands included)', () => {
    run(({ hot, expectObservable }) => {
      const events = { c: connected('1'), a: line('1', 'a'), w: line('1', '/who') };
      const at = { 0: 'c', 999: 'a', 1998: 'w' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(timeline({ ...at, 2998: 'K' }), {
        ...events,
        K: kick('1'),
      });
    });
  });

  it('counts an over-long line as activity too', () => {
    run(({ hot, expectObservable }) => {
      const tooLong: PipelineEvent = { type: 'line-too-long', id: '1', maxBytes: 10 };
      const events = { c: connected('1'), t: tooLong };
      const at = { 0: 'c', 900: 't' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(timeline({ ...at, 1900: 'K' }), {
        ...events,
        K: kick('1'),
      });
    });
  });

  it('counts the lines a transport discarded while the client was muted as activity too', () => {
    run(({ hot, expectObservable }) => {
      const discarded: PipelineEvent = { type: 'discarded', id: '1', lines: 500 };
      const events = { c: connected('1'), d: discarded };
      const at = { 0: 'c', 900: 'd' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(timeline({ ...at, 1900: 'K' }), {
        ...events,
        K: kick('1'),
      });
    });
  });

  it('keeps one clock per client: others talking does not keep a silent client in', () => {
    run(({ hot, expectObservable }) => {
      const events = { a: connected('1'), b: connected('2'), x: line('2', 'x'), y: line('2', 'y') };
      const at = { 0: 'a', 100: 'b', 600: 'x', 1050: 'y' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(
        timeline({ ...at, 1000: 'K', 2050: 'L' }),
        { ...events, K: kick('1'), L: kick('2') },
      );
    });
  });

  it('forgets a client that disconnects: no kick afterwards', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, PipelineEvent> = {
        c: connected('1'),
        x: { type: 'disconnected', id: '1', reason: 'error', error: 'ECONNRESET' },
        d: connected('2'),
      };
      const at = { 0: 'c', 500: 'x', 3000: 'd' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(timeline({ ...at, 4000: 'K' }), {
        ...events,
        K: kick('2'),
      });
    });
  });

  it('does not count server-side events (a notice for the client) as its activity, and passes them through', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, PipelineEvent> = {
        c: connected('1'),
        n: { type: 'notice', id: '1', notice: { code: 'text', level: 'info', text: 'hi' } },
      };
      const at = { 0: 'c', 500: 'n' };
      expectObservable(hot(timeline(at), events).pipe(idleTimeout(1000))).toBe(timeline({ ...at, 1000: 'K' }), {
        ...events,
        K: kick('1'),
      });
    });
  });

  it('is off at 0: nobody is kicked, however long the silence', () => {
    run(({ hot, expectObservable }) => {
      const events = { c: connected('1'), l: line('2', 'late') };
      expectObservable(hot(timeline({ 0: 'c', 3_600_000: 'l' }), events).pipe(idleTimeout(0))).toBe(
        timeline({ 0: 'c', 3_600_000: 'l' }),
        events,
      );
    });
  });

  it('through the core: the idle client gets "[!] idle timeout" and is closed; its leave is announced', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: [idleTimeout(1000), commands()] });
      chat.client('alice', timeline({ 0: 'c', 400: 'h' }), { c: connect, h: 'hello' });
      chat.client('bob', timeline({ 5: 'c', 900: 'h', 1800: 'w' }), { c: connect, h: 'hi', w: '/who' });
      helpers.expectObservable(chat.linesOf('alice')).toBe(timeline({ 0: '(WJ)', 5: 'B', 900: 'h', 1400: '(I|)' }), {
        W: welcome('alice'),
        J: joined('alice'),
        B: joined('bob'),
        h: 'bob: hi',
        I: '[!] idle timeout',
      });
      helpers
        .expectObservable(chat.linesOf('bob'))
        .toBe(timeline({ 5: '(WJ)', 400: 'h', 1400: 'l', 1800: 'w', 2800: '(I|)' }), {
          W: welcome('bob'),
          J: joined('bob'),
          h: 'alice: hello',
          l: '[-] alice left the chat.',
          w: '[*] 1 online: bob',
          I: '[!] idle timeout',
        });
      helpers
        .expectObservable(chat.log())
        .toBe(timeline({ 0: 'a', 5: 'b', 400: 's', 900: 't', 1400: 'k', 2800: 'K' }), {
          a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
          b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
          s: { type: 'said', name: 'alice', text: 'hello' },
          t: { type: 'said', name: 'bob', text: 'hi' },
          k: { type: 'disconnected', name: 'alice', reason: { kind: 'kicked', notice: IDLE_NOTICE } },
          K: { type: 'disconnected', name: 'bob', reason: { kind: 'kicked', notice: IDLE_NOTICE } },
        });
    });
  });

  it('a client that hangs up before the timeout is not kicked', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: [idleTimeout(1000)] });
      chat.client('alice', timeline({ 0: 'c', 500: 'x' }), { c: connect, x: hangUp });
      chat.client('bob', timeline({ 5: 'c', 1000: 'h', 1900: 'i' }), { c: connect, h: 'ping', i: 'pong' });
      helpers.expectObservable(chat.linesOf('bob')).toBe(timeline({ 5: '(WJ)', 500: 'l', 2900: '(I|)' }), {
        W: welcome('bob'),
        J: joined('bob'),
        l: '[-] alice left the chat.',
        I: '[!] idle timeout',
      });
    });
  });

  it('reads the exact notice text', () => {
    expect(formatNotice(IDLE_NOTICE)).toBe('idle timeout');
  });
});
