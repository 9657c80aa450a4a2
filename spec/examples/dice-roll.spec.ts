import { TestScheduler } from 'rxjs/testing';
import { builtinOperators, defaultOperators } from 'rxchat';
import { chatMarbles, connect } from 'rxchat/testing';
import { diceRoll } from './dice-roll';

describe('the /roll example operator', () => {
  const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  // Always rolls the highest face, so results are predictable.
  const operators = () => defaultOperators(builtinOperators(), { before: { commands: [diceRoll(() => 0.999)] } });

  it('shows the roll to the others and the result to the roller', () => {
    scheduler().run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: operators() });
      chat.client('alice', 'c--------r', { c: connect, r: '/roll 2d6' });
      chat.client('bob', '-----c----', { c: connect });
      helpers.expectObservable(chat.linesOf('alice')).toBe('(wj)-b---y', {
        w: '[*] Welcome, alice! Type /help for commands.',
        j: 'alice joined the chat',
        b: 'bob joined the chat',
        y: '[*] you rolled 12',
      });
      helpers.expectObservable(chat.linesOf('bob')).toBe('-----(wj)r', {
        w: '[*] Welcome, bob! Type /help for commands.',
        j: 'bob joined the chat',
        r: '* alice rolls 2d6: 12',
      });
    });
  });

  it('rolls one six-sided die by default, and rejects impossible dice', () => {
    scheduler().run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice'], operators: operators() });
      chat.client('alice', 'c----r-z', { c: connect, r: '/roll', z: '/roll 0d6' });
      helpers.expectObservable(chat.linesOf('alice')).toBe('(wj)-y-e', {
        w: '[*] Welcome, alice! Type /help for commands.',
        j: 'alice joined the chat',
        y: '[*] you rolled 6',
        e: '[!] usage: /roll [NdM], N >= 1, M >= 2',
      });
    });
  });

  it('leaves other lines and commands to the rest of the chain', () => {
    scheduler().run((helpers) => {
      const chat = chatMarbles(helpers, { names: ['alice', 'bob'], operators: defaultOperators(builtinOperators()) });
      chat.client('alice', 'c-----r', { c: connect, r: '/roll' });
      helpers.expectObservable(chat.linesOf('alice')).toBe('(wj)--u', {
        w: '[*] Welcome, alice! Type /help for commands.',
        j: 'alice joined the chat',
        u: '[!] unknown command: /roll (try /help)',
      });
    });
  });
});
