import { firstValueFrom, from, toArray } from 'rxjs';
import type { ChatEvent } from '../../src/core/events';
import { type StampEventsOptions, stampEvents } from '../../src/server/stamp-events';

const REMOTE = { address: '127.0.0.1', port: 1 } as const;

function through(events: ChatEvent[], options: Partial<StampEventsOptions> = {}): Promise<ChatEvent[]> {
  let drawn = 0;
  const stamp = stampEvents({ names: () => `name${++drawn}`, now: () => 1000, ...options });
  return firstValueFrom(from(events).pipe(stamp, toArray()));
}

describe('stampEvents', () => {
  it('stamps `at` from the clock on every event that has none, and keeps an `at` already there', async () => {
    let now = 100;
    const stamped = await through(
      [{ type: 'line', id: '1', text: 'a' }, { type: 'line', id: '1', text: 'b', at: 5 }, { type: 'shutdown' }],
      { now: () => now++ },
    );
    expect(stamped).toEqual([
      { type: 'line', id: '1', text: 'a', at: 100 },
      { type: 'line', id: '1', text: 'b', at: 5 },
      { type: 'shutdown', at: 101 },
    ]);
  });

  it('draws 4 name candidates for each newcomer by default, in draw order', async () => {
    const stamped = await through([
      { type: 'connected', id: '1', remote: REMOTE },
      { type: 'connected', id: '2', remote: REMOTE },
    ]);
    expect(stamped).toEqual([
      { type: 'connected', id: '1', remote: REMOTE, at: 1000, names: ['name1', 'name2', 'name3', 'name4'] },
      { type: 'connected', id: '2', remote: REMOTE, at: 1000, names: ['name5', 'name6', 'name7', 'name8'] },
    ]);
  });

  it('draws as many candidates as asked', async () => {
    const [stamped] = await through([{ type: 'connected', id: '1', remote: REMOTE }], { candidates: 2 });
    expect(stamped).toMatchObject({ names: ['name1', 'name2'] });
  });

  it('keeps the candidates a connection already carries, drawing none', async () => {
    const names = jest.fn(() => 'drawn');
    const [stamped] = await through([{ type: 'connected', id: '1', remote: REMOTE, names: ['mine'] }], { names });
    expect(stamped).toMatchObject({ names: ['mine'] });
    expect(names).not.toHaveBeenCalled();
  });

  it('names this process as the node of its connections, unless one is named already', async () => {
    const stamped = await through(
      [
        { type: 'connected', id: '1', remote: REMOTE },
        { type: 'connected', id: '2', remote: REMOTE, node: 'other' },
        { type: 'line', id: '1', text: 'hi' },
      ],
      { node: 'n1' },
    );
    expect(stamped.map((event) => (event.type === 'connected' ? event.node : undefined))).toEqual([
      'n1',
      'other',
      undefined,
    ]);
    expect(stamped[2]).not.toHaveProperty('node');
  });

  it('sets no node when none is given', async () => {
    const [stamped] = await through([{ type: 'connected', id: '1', remote: REMOTE }]);
    expect(stamped).not.toHaveProperty('node');
  });

  it('leaves the events it is given untouched, and passes a complete one on as it is', async () => {
    const event: ChatEvent = { type: 'connected', id: '1', remote: REMOTE };
    const complete: ChatEvent = { type: 'connected', id: '2', remote: REMOTE, names: ['x'], node: 'n1', at: 3 };
    const [stamped, same] = await through([event, complete], { node: 'n1' });
    expect(event).toEqual({ type: 'connected', id: '1', remote: REMOTE });
    expect(stamped).not.toBe(event);
    expect(same).toBe(complete);
  });
});
