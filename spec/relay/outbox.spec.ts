import type { RelayEvent } from '../../src/relay/cluster-events';
import { Outbox } from '../../src/relay/outbox';

const remote = { address: '127.0.0.1', port: 1 };
const line = (k: number): RelayEvent => ({ type: 'line', id: 'a', text: `l${k}` });
const connected = (id: string): RelayEvent => ({ type: 'connected', id, remote });
const left = (id: string): RelayEvent => ({ type: 'disconnected', id, reason: 'closed' });

describe('Outbox', () => {
  it('takes everything while live, however much', () => {
    const outbox = new Outbox(2);
    for (let k = 0; k < 5; k++) expect(outbox.push(line(k), false)).toBe('queued');
    expect(outbox.take(3)).toEqual([line(0), line(1), line(2)]);
    expect(outbox.take(3)).toEqual([line(3), line(4)]);
    expect(outbox.size).toBe(0);
  });

  it('while holding, drops lines and refuses newcomers past the bound, but keeps leaves, kicks, /quit and cluster events', () => {
    const outbox = new Outbox(2);
    expect(outbox.push(line(0), true)).toBe('queued');
    expect(outbox.push(connected('b'), true)).toBe('queued');
    expect(outbox.push(line(1), true)).toBe('dropped');
    expect(outbox.push({ type: 'command', id: 'a', command: { name: 'who' } }, true)).toBe('dropped');
    expect(outbox.push({ type: 'notice', id: 'a', notice: { code: 'rate-limited' } }, true)).toBe('dropped');
    expect(outbox.push(connected('c'), true)).toBe('refused');
    const kept: RelayEvent[] = [
      left('b'),
      { type: 'kick', id: 'a', reason: { code: 'idle-timeout' } },
      { type: 'command', id: 'a', command: { name: 'quit' } },
      { type: 'node-gone', node: 'x' },
      { type: 'node-stopping', node: 'y' },
    ];
    for (const event of kept) expect(outbox.push(event, true)).toBe('queued');
    expect([...outbox.take(100), ...outbox.take(100), ...outbox.take(100)]).toEqual([line(0), connected('b'), ...kept]);
  });

  it('gives a node-gone a batch of its own', () => {
    const outbox = new Outbox(10);
    const gone: RelayEvent = { type: 'node-gone', node: 'x' };
    for (const event of [line(0), line(1), gone, gone, line(2)]) outbox.push(event, false);
    expect(outbox.take(100)).toEqual([line(0), line(1)]);
    expect(outbox.take(100)).toEqual([gone]);
    expect(outbox.take(100)).toEqual([gone]);
    expect(outbox.take(100)).toEqual([line(2)]);
    expect(outbox.take(100)).toEqual([]);
  });

  it('sheds down to the bound when an outage starts: the newest lines and newcomers go, the rest keeps its order', () => {
    const outbox = new Outbox(3);
    const events = [line(0), connected('b'), left('c'), line(1), connected('d'), line(2)];
    for (const event of events) outbox.push(event, false);
    expect(outbox.shed()).toEqual([line(1), connected('d'), line(2)]);
    expect(outbox.take(100)).toEqual([line(0), connected('b'), left('c')]);
  });

  it('puts re-announcements in front of what it holds, and lists the newcomers it holds', () => {
    const outbox = new Outbox(10);
    outbox.push(line(0), true);
    outbox.push(connected('n'), true);
    const rejoined: RelayEvent = { type: 'rejoined', id: 'a', name: 'alice', remote };
    outbox.prepend([rejoined]);
    expect(outbox.heldNewcomers()).toEqual(['n']);
    expect(outbox.take(100)).toEqual([rejoined, line(0), connected('n')]);
  });
});
