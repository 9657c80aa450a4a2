import { filter } from 'rxjs';
import { chatMarbles, connect, hangUp } from '../../src/testing';
import { joined, run, welcome } from '../support/marbles';

describe('chatMarbles', () => {
  it('gives the messages a client receives as data, and completes when the server closes it', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'] });
      chat.client('alice', 'c-----------h', { c: connect, h: 'hi' });
      chat.client('bob', '-----c', { c: connect });
      chat.server('---------------s', { s: { type: 'shutdown' } });

      helpers.expectObservable(chat.messagesOf('bob')).toBe('-----(wj)---h--(s|)', {
        w: { type: 'welcome', name: 'bob' },
        j: { type: 'joined', name: 'bob', room: '#lobby' },
        // Kept in the room's history: its id there and the time it was accepted (the virtual clock).
        h: { type: 'said', name: 'alice', text: 'hi', room: '#lobby', id: 1, at: 12 },
        s: { type: 'shutdown' },
      });
    });
  });

  it('stamps events with the virtual clock, as the server stamps them with its own', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice'] });
      chat.client('alice', '---c 1s x', { c: connect, x: hangUp });

      helpers.expectObservable(chat.outputs().pipe(filter((output) => output.kind === 'log'))).toBe('---l 1s d', {
        l: expect.objectContaining({ at: 3 }),
        d: expect.objectContaining({ at: 1004 }),
      });
    });
  });

  it('offers the n-th connection a list of names from its n-th name on, so a taken name passes to the next', () => {
    run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'a1ice', 'bob'] });
      chat.client('1', 'c', { c: connect });
      chat.client('2', '-----c', { c: connect });
      chat.client('3', '----------c', { c: connect });

      // The second is offered a1ice (a look-alike of alice), then bob; the third bob, then alice, then a1ice: all
      // taken, so the last one is numbered.
      helpers.expectObservable(chat.linesOf('1')).toBe('(wj)-b----n', {
        w: welcome('alice'),
        j: joined('alice'),
        b: joined('bob'),
        n: joined('a1ice2'),
      });
    });
  });

  it('draws 4 candidates per connection from a name source, as the server does', () => {
    run((helpers) => {
      const drawn: string[] = [];
      const names = ['sam', 'SAM', 's4m', 'zoe', 'amy'];
      const chat = chatMarbles(helpers, {
        names: () => {
          const name = names[drawn.length % names.length]!;
          drawn.push(name);
          return name;
        },
      });
      chat.client('1', 'c', { c: connect });
      chat.client('2', '-----c', { c: connect });

      helpers
        .expectObservable(chat.linesOf('1'))
        .toBe('(wj)-a', { w: welcome('sam'), j: joined('sam'), a: joined('amy') });
    });
  });
});
