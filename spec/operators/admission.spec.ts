/**
 * What every admission limit shares (`admission`, through `maxClients` and `maxClientsPerIp`): a
 * connection counts from its first event, `connecting` while its TLS handshake is under way, so one
 * stuck in its handshake holds a place; a refused one becomes a kick and then nothing.
 */
import type { ChatEvent } from '../../src/core/events';
import { SERVER_FULL, admission, maxClients, maxClientsPerIp } from '../../src/operators';
import { connected, run } from '../support/marbles';

const connecting = (id: string, address = '127.0.0.1'): ChatEvent => ({
  type: 'connecting',
  id,
  remote: { address, port: 1 },
});
const disconnected = (id: string): ChatEvent => ({
  type: 'disconnected',
  id,
  reason: 'error',
  error: 'TLS handshake not completed',
});
const kick = (id: string): ChatEvent => ({ type: 'kick', id, reason: SERVER_FULL });

describe('admission of connections still in their TLS handshake', () => {
  it('counts a connection from its `connecting` event: a handshake in progress holds a place', () => {
    run(({ hot, expectObservable }) => {
      const events = { h: connecting('1'), c: connected('2'), s: connected('1') };
      // 1 is in its handshake when 2 arrives: 2 is refused; 1 then completes and passes, counted once.
      expectObservable(hot('h-c-s', events).pipe(maxClients(1))).toBe('h-K-s', { ...events, K: kick('2') });
    });
  });

  it('frees the place of a handshake that never completes', () => {
    run(({ hot, expectObservable }) => {
      const events = { h: connecting('1'), x: disconnected('1'), c: connected('2') };
      expectObservable(hot('h-x-c', events).pipe(maxClients(1))).toBe('h-x-c', events);
    });
  });

  it('refuses at `connecting`, then drops everything of the refused connection: its connected, lines and disconnect', () => {
    run(({ hot, expectObservable }) => {
      const events: Record<string, ChatEvent> = {
        a: connected('1'),
        h: connecting('2'),
        s: connected('2'),
        l: { type: 'line', id: '2', text: 'let me in' },
        x: disconnected('2'),
        b: connected('3'),
      };
      expectObservable(hot('a-h-s-l-x-b', events).pipe(maxClients(1))).toBe('a-K-------L', {
        ...events,
        K: kick('2'),
        L: kick('3'),
      });
    });
  });

  it('counts handshakes per address too', () => {
    run(({ hot, expectObservable }) => {
      const events = {
        h: connecting('1', '192.0.2.1'),
        i: connecting('2', '192.0.2.1'),
        j: connecting('3', '192.0.2.2'),
      };
      expectObservable(hot('h-i-j', events).pipe(maxClientsPerIp(1))).toBe('h-K-j', {
        ...events,
        K: { type: 'kick', id: '2', reason: { code: 'too-many-connections', limit: 1 } },
      });
    });
  });

  it('gives each subscription its own bookkeeping', () => {
    run(({ hot, expectObservable }) => {
      const limit = admission(() => {
        let taken = false;
        return {
          admit: () => (taken ? SERVER_FULL : ((taken = true), undefined)),
          release: () => (taken = false),
        };
      });
      const events = { a: connected('1'), b: connected('2') };
      expectObservable(hot('a', events).pipe(limit)).toBe('a', events);
      expectObservable(hot('-b', events).pipe(limit)).toBe('-b', events);
    });
  });
});
