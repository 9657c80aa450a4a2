import { commands } from 'rxchat';
import { chatMarbles, connect } from 'rxchat/testing';
import { run } from '../support/marbles';
import { pingBot } from './room-bot';

/** alice and bob in #rust, carol in the lobby only; alice asks in #rust, then in the lobby. */
function scene(bot: ReturnType<typeof pingBot>) {
  const seen: Record<string, string[]> = { alice: [], bob: [], carol: [] };
  run((helpers) => {
    const chat = chatMarbles(helpers, {
      names: ['alice', 'bob', 'carol'],
      operators: [commands()],
      outputOperators: [bot],
    });
    chat.client('alice', 'c-j---p-q', { c: connect, j: '/join #rust', p: '!ping', q: '/join #lobby' });
    chat.client('bob', '-c-j', { c: connect, j: '/join #rust' });
    chat.client('carol', '--c', { c: connect });
    chat.server('----------', {});
    for (const id of Object.keys(seen)) chat.linesOf(id).subscribe((line) => seen[id]!.push(line));
  });
  return seen;
}

describe('a bot that answers in the room it was asked in', () => {
  it('answers every member of that room, the asker too, and nobody else', () => {
    const seen = scene(pingBot());
    expect(seen.alice).toContain('[#rust] bot: pong');
    expect(seen.bob).toEqual(expect.arrayContaining(['[#rust] alice: !ping', '[#rust] bot: pong']));
    expect(seen.carol.filter((line) => line.includes('pong'))).toEqual([]);
  });

  it('keeps quiet in the rooms it is not for', () => {
    const seen = scene(pingBot({ rooms: ['#go'] }));
    expect(seen.bob).toContain('[#rust] alice: !ping');
    expect(seen.bob.filter((line) => line.includes('pong'))).toEqual([]);
  });
});
