/**
 * The chat protocol, told as marble tests.
 *
 * Each test drives the real core with `chatMarbles`: every client has an input timeline (`c` connects,
 * a letter mapped to a string sends that line, `x` hangs up, `f` fails) and we read back the text
 * lines each client receives, exactly as the TCP transport would write them (without the LF).
 *
 * Time is virtual (TestScheduler run mode): one character is one frame, and a group `(ab)` emits
 * both values in one frame but takes 4 characters of the timeline, so inputs are spaced out to
 * leave room for the groups in the expected timelines.
 */
import { Subject, toArray } from 'rxjs';
import { type ChatMarbles, type ClientAction, chatMarbles, connect, connectionError, hangUp } from '../../src/testing';
import type { ChatEvent, ChatOutput, LogEntry } from '../../src/core/events';
import { chat, createChatState, reduceChat } from '../../src/core/chat';
import type { NameSource } from '../../src/core/names';
import { type Helpers, joined, left, run, welcome } from '../support/marbles';

const SHUTDOWN = '[*] server shutting down';

/** Runs `body` with a fresh scheduler and a `chatMarbles` driver handing out `names` in order. */
function runChat(names: readonly string[] | NameSource, body: (chat: ChatMarbles, helpers: Helpers) => void): void {
  run((helpers) => body(chatMarbles(helpers, { names }), helpers));
}

describe('the chat core', () => {
  describe('when a client connects', () => {
    it('welcomes the newcomer first, then tells everyone, the newcomer included, that it joined', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c', { c: connect });
        chat.client('bob', '-----c', { c: connect });

        expectObservable(chat.linesOf('alice')).toBe('(wj)-b', {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
        });
        expectObservable(chat.linesOf('bob')).toBe('-----(wb)', { w: welcome('bob'), b: joined('bob') });
      });
    });

    it('does not tell the newcomer about the clients who joined before it', () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c', { c: connect });
        chat.client('bob', '-c', { c: connect });
        chat.client('carol', '--------c', { c: connect });

        expectObservable(chat.linesOf('carol')).toBe('--------(wj)', { w: welcome('carol'), j: joined('carol') });
      });
    });

    it('ignores a second "connected" event for a client that is already online', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c-----c', { c: connect });

        expectObservable(chat.linesOf('alice')).toBe('(wj)', { w: welcome('alice'), j: joined('alice') });
      });
    });
  });

  describe('names', () => {
    it('takes each name from the name source, in connection order', () => {
      runChat(['zed', 'amy'], (chat, { expectObservable }) => {
        chat.client('first', 'c', { c: connect });
        chat.client('second', '-----c', { c: connect });

        expectObservable(chat.linesOf('first')).toBe('(wj)-a', {
          w: welcome('zed'),
          j: joined('zed'),
          a: joined('amy'),
        });
      });
    });

    it('cleans a raw name to 1-32 characters of A-Z a-z 0-9 . _ -', () => {
      const raw = ["Zoë O'Brien-Smith", `${'x'.repeat(40)}`, '!!! ???'];
      runChat(raw, (chat, { expectObservable }) => {
        chat.client('a', 'c', { c: connect });
        chat.client('b', '-----c', { c: connect });
        chat.client('c', '----------c', { c: connect });

        expectObservable(chat.linesOf('a')).toBe('(wj)-b----c', {
          w: welcome('ZoeOBrien-Smith'),
          j: joined('ZoeOBrien-Smith'),
          b: joined('x'.repeat(32)),
          c: joined('guest'),
        });
      });
    });

    it('never gives a name already in use, compared case-insensitively', () => {
      // The second draw, BOB, collides with bob: the core draws again and gets carol.
      runChat(['bob', 'BOB', 'carol'], (chat, { expectObservable }) => {
        chat.client('a', 'c', { c: connect });
        chat.client('b', '-----c', { c: connect });

        expectObservable(chat.linesOf('a')).toBe('(wj)-c', { w: welcome('bob'), j: joined('bob'), c: joined('carol') });
      });
    });

    it('never gives a name that only looks like one in use (aIice, a1ice, al1ce beside alice)', () => {
      runChat(['alice', 'aIice', 'a1ice', 'al1ce', 'bob'], (chat, { expectObservable }) => {
        chat.client('a', 'c', { c: connect });
        chat.client('b', '-----c', { c: connect });

        expectObservable(chat.linesOf('a')).toBe('(wj)-b', {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
        });
      });
    });

    it('takes the names offered in the connected event, drawn at the edge: the core draws nothing itself', () => {
      const source = jest.fn(() => 'drawn');
      runChat(source, (chat, { expectObservable }) => {
        chat.client('a', 'c', {
          c: { type: 'connected', id: 'a', remote: { address: '127.0.0.1', port: 1 }, names: ['zed', 'amy'] },
        });
        chat.client('b', '-----c', {
          c: { type: 'connected', id: 'b', remote: { address: '127.0.0.1', port: 2 }, names: ['Zed', 'amy'] },
        });

        expectObservable(chat.linesOf('a')).toBe('(wj)-b', { w: welcome('zed'), j: joined('zed'), b: joined('amy') });
      });
      expect(source).not.toHaveBeenCalled();
    });

    it('calls a newcomer without candidates "guest", then guest2, guest3', () => {
      const state = createChatState();
      const names = ['1', '2', '3'].map((id) => {
        const [log] = reduceChat(state, { type: 'connected', id, remote: { address: '127.0.0.1', port: 1 } }).outputs;
        return log?.kind === 'log' && log.entry.type === 'connected' ? log.entry.name : undefined;
      });
      expect(names).toEqual(['guest', 'guest2', 'guest3']);
    });

    it('still yields unique names from a source that keeps repeating the same name', () => {
      runChat(['sam'], (chat, { expectObservable }) => {
        chat.client('a', 'c', { c: connect });
        chat.client('b', '-----c', { c: connect });
        chat.client('c', '----------c', { c: connect });

        expectObservable(chat.linesOf('a')).toBe('(wj)-b----c', {
          w: welcome('sam'),
          j: joined('sam'),
          b: joined('sam2'),
          c: joined('sam3'),
        });
      });
    });

    it('frees the name of a client who left, so the next newcomer may get it', () => {
      runChat(['sam'], (chat, { expectObservable }) => {
        chat.client('a', 'c', { c: connect });
        chat.client('b', '-----c---x', { c: connect, x: hangUp });
        chat.client('c', '--------------c', { c: connect });

        expectObservable(chat.linesOf('a')).toBe('(wj)-b---l----s', {
          w: welcome('sam'),
          j: joined('sam'),
          b: joined('sam2'),
          l: left('sam2'),
          s: joined('sam2'),
        });
      });
    });
  });

  describe('when a client sends a line', () => {
    it('sends "name: text" to every client except the sender', () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c--------------h', { c: connect, h: 'hello' });
        chat.client('bob', '-----c', { c: connect });
        chat.client('carol', '----------c', { c: connect });

        expectObservable(chat.linesOf('alice')).toBe('(wj)-b----c', {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
          c: joined('carol'),
        });
        expectObservable(chat.linesOf('bob')).toBe('-----(wj)-c----h', {
          w: welcome('bob'),
          j: joined('bob'),
          c: joined('carol'),
          h: 'alice: hello',
        });
        expectObservable(chat.linesOf('carol')).toBe('----------(wj)-h', {
          w: welcome('carol'),
          j: joined('carol'),
          h: 'alice: hello',
        });
      });
    });

    it('sends the text trimmed, and ignores a line that is empty or only spaces', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c----e-s-t', { c: connect, e: '', s: '   \t ', t: '  hi there  ' });
        chat.client('bob', '-c', { c: connect });

        expectObservable(chat.linesOf('bob')).toBe('-(wj)----h', {
          w: welcome('bob'),
          j: joined('bob'),
          h: 'alice: hi there',
        });
      });
    });

    it('ignores lines from a client that is not connected', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c', { c: connect });
        chat.client('ghost', '-----h', { h: 'boo' });

        expectObservable(chat.linesOf('alice')).toBe('(wj)', { w: welcome('alice'), j: joined('alice') });
      });
    });
  });

  describe('when a client leaves', () => {
    it.each<[string, ClientAction]>([
      ['hangs up (EOF)', hangUp],
      ['has its connection reset', connectionError('ECONNRESET: read ECONNRESET')],
      ['fails on a write', connectionError('EPIPE: write EPIPE')],
    ])('tells every remaining client "[-] name left the chat." when it %s', (_how, leaving) => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c--------------x', { c: connect, x: leaving });
        chat.client('bob', '-----c', { c: connect });
        chat.client('carol', '----------c', { c: connect });

        expectObservable(chat.linesOf('bob')).toBe('-----(wj)-c----l', {
          w: welcome('bob'),
          j: joined('bob'),
          c: joined('carol'),
          l: left('alice'),
        });
        expectObservable(chat.linesOf('carol')).toBe('----------(wj)-l', {
          w: welcome('carol'),
          j: joined('carol'),
          l: left('alice'),
        });
      });
    });

    it('sends nothing more to the client who left, and nothing of what it would have said', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c---------x-h', { c: connect, x: hangUp, h: 'still here?' });
        chat.client('bob', '-----c-------b', { c: connect, b: 'bye' });

        expectObservable(chat.linesOf('alice')).toBe('(wj)-b', {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
        });
        expectObservable(chat.linesOf('bob')).toBe('-----(wj)-l', {
          w: welcome('bob'),
          j: joined('bob'),
          l: left('alice'),
        });
      });
    });

    it('announces a leave only once, however many times the transport reports it', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c-----xf', { c: connect, x: hangUp, f: connectionError() });
        chat.client('bob', '-c', { c: connect });

        expectObservable(chat.linesOf('bob')).toBe('-(wj)-l', {
          w: welcome('bob'),
          j: joined('bob'),
          l: left('alice'),
        });
      });
    });

    it('announces nothing when the last client leaves, and asks nobody to close (it is gone already)', () => {
      runChat(['alice'], (chat, { expectObservable }) => {
        chat.client('alice', 'c----x', { c: connect, x: hangUp });

        expectObservable(chat.outputs()).toBe('(lwj)d', {
          l: {
            kind: 'log',
            entry: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
            at: 0,
          },
          w: { kind: 'deliver', to: ['alice'], message: { type: 'welcome', name: 'alice' }, at: 0 },
          j: {
            kind: 'deliver',
            to: ['alice'],
            everyone: true,
            message: { type: 'joined', name: 'alice', room: '#lobby' },
            at: 0,
          },
          d: { kind: 'log', entry: { type: 'disconnected', name: 'alice' }, at: 5 },
        });
      });
    });
  });

  describe('ordering', () => {
    it("delivers one sender's messages to every recipient in the order they were sent", () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c--------------123', { c: connect, 1: 'one', 2: 'two', 3: 'three' });
        chat.client('bob', '-----c', { c: connect });
        chat.client('carol', '----------c', { c: connect });

        const said = { 1: 'alice: one', 2: 'alice: two', 3: 'alice: three' };
        expectObservable(chat.linesOf('bob')).toBe('-----(wj)-c----123', {
          w: welcome('bob'),
          j: joined('bob'),
          c: joined('carol'),
          ...said,
        });
        expectObservable(chat.linesOf('carol')).toBe('----------(wj)-123', {
          w: welcome('carol'),
          j: joined('carol'),
          ...said,
        });
      });
    });

    it('gives each recipient every line in the order the core handled the events', () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c-----a-b---x', { c: connect, a: 'a1', b: 'a2', x: hangUp });
        chat.client('bob', '-c-----a---b', { c: connect, a: 'b1', b: 'b2' });
        chat.client('carol', '--c', { c: connect });

        expectObservable(chat.linesOf('carol')).toBe('--(wj)pqr--sl', {
          w: welcome('carol'),
          j: joined('carol'),
          p: 'alice: a1',
          q: 'bob: b1',
          r: 'alice: a2',
          s: 'bob: b2',
          l: left('alice'),
        });
      });
    });
  });

  describe('when the server shuts down', () => {
    it('tells every client "[*] server shutting down", then closes every connection', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c', { c: connect });
        chat.client('bob', '-----c', { c: connect });
        chat.server('----------s', { s: { type: 'shutdown' } });

        expectObservable(chat.linesOf('alice')).toBe('(wj)-b----(s|)', {
          w: welcome('alice'),
          j: joined('alice'),
          b: joined('bob'),
          s: SHUTDOWN,
        });
        expectObservable(chat.linesOf('bob')).toBe('-----(wb)-(s|)', {
          w: welcome('bob'),
          b: joined('bob'),
          s: SHUTDOWN,
        });
      });
    });

    it('announces nothing after the shutdown: no message, no leave, no join, and turns newcomers away', () => {
      runChat(['alice', 'bob', 'carol'], (chat, { expectObservable }) => {
        chat.client('alice', 'c----------h-x', { c: connect, h: 'anyone?', x: hangUp });
        chat.client('bob', '-----c', { c: connect });
        chat.client('carol', '----------------c', { c: connect });
        chat.server('----------s-s', { s: { type: 'shutdown' } });

        // After the shutdown the only outputs are the close requests: one per client online,
        // and one for the newcomer who is turned away without a welcome.
        expectObservable(chat.outputs()).toBe('(lwj)(lwj)(sab)-c', {
          l: expect.objectContaining({ kind: 'log' }),
          w: expect.objectContaining({ kind: 'deliver', message: expect.objectContaining({ type: 'welcome' }) }),
          j: expect.objectContaining({ kind: 'deliver', message: expect.objectContaining({ type: 'joined' }) }),
          s: { kind: 'deliver', to: ['alice', 'bob'], message: { type: 'shutdown' }, at: 10 },
          a: { kind: 'close', id: 'alice' },
          b: { kind: 'close', id: 'bob' },
          c: { kind: 'close', id: 'carol' },
        });
      });
    });

    it('delivers nothing when nobody is online', () => {
      runChat(['alice'], (chat, { expectObservable }) => {
        chat.server('s', { s: { type: 'shutdown' } });

        expectObservable(chat.outputs()).toBe('');
      });
    });
  });

  describe('the server log', () => {
    it('records connections with their address, messages, disconnections and errors', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', 'c-----h--x', { c: connect, h: ' hi ', x: hangUp });
        chat.client('bob', '-c----------f', { c: connect, f: connectionError('ECONNRESET: read ECONNRESET') });

        const entries: Record<string, LogEntry> = {
          a: { type: 'connected', name: 'alice', remote: { address: '127.0.0.1', port: 40000 } },
          b: { type: 'connected', name: 'bob', remote: { address: '127.0.0.1', port: 40001 } },
          s: { type: 'said', name: 'alice', text: 'hi' },
          x: { type: 'disconnected', name: 'alice' },
          e: { type: 'error', name: 'bob', error: 'ECONNRESET: read ECONNRESET' },
          y: { type: 'disconnected', name: 'bob' },
        };
        expectObservable(chat.log()).toBe('ab----s--x--(ey)', entries);
      });
    });

    it('stamps every output with the time the core handled its event', () => {
      runChat(['alice', 'bob'], (chat, { expectObservable }) => {
        chat.client('alice', '---c', { c: connect });

        expectObservable(chat.outputs()).toBe('---(lwj)', {
          l: expect.objectContaining({ at: 3 }),
          w: expect.objectContaining({ at: 3 }),
          j: expect.objectContaining({ at: 3 }),
        });
      });
    });
  });

  describe('its state', () => {
    it('is derived from the events alone: the registry empties when everyone has left', () => {
      let state = createChatState();
      for (const id of ['1', '2', '3']) {
        state = reduceChat(state, { type: 'connected', id, remote: { address: '127.0.0.1', port: 1 } }).state;
      }
      expect(state.registry.order).toEqual(['1', '2', '3']);
      for (const id of ['2', '1', '3']) state = reduceChat(state, { type: 'disconnected', id, reason: 'closed' }).state;
      expect(state.registry.order).toEqual([]);
      expect(state.registry.size).toBe(0);
      for (const name of ['guest', 'guest2', 'guest3']) expect(state.registry.findByName(name)).toBeUndefined();
    });

    it('keeps no state between two chats built with chat()', async () => {
      const run = async () => {
        const events = new Subject<ChatEvent>();
        const all = new Promise<ChatOutput[]>((resolve) => events.pipe(chat(), toArray()).subscribe(resolve));
        events.next({ type: 'connected', id: '1', remote: { address: '127.0.0.1', port: 1 }, names: ['sam'] });
        events.complete();
        return all;
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
    });
  });
});
