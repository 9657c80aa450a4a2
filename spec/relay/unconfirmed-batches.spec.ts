import type { RelayEvent } from '../../src/relay/cluster-events';
import { UnconfirmedBatches } from '../../src/relay/unconfirmed-batches';

const line = (k: number): RelayEvent => ({ type: 'line', id: 'a', text: `l${k}` });

describe('UnconfirmedBatches', () => {
  it('numbers batches from 1 and carries their events as the payload', () => {
    const batches = new UnconfirmedBatches();
    const first = batches.open([line(0), line(1)]);
    const second = batches.open([line(2)]);
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(JSON.parse(first.payload)).toEqual([line(0), line(1)]);
    expect(first.gone).toBeUndefined();
    expect(batches.open([{ type: 'node-gone', node: 'x' }]).gone).toBe('x');
  });

  it('offers the oldest unacknowledged batch again, with its seq, until the stream acknowledges it', () => {
    const batches = new UnconfirmedBatches();
    const first = batches.open([line(0)]);
    const second = batches.open([line(1)]);
    expect(batches.unacked()).toBe(first);
    first.acked = true;
    expect(batches.unacked()).toBe(second);
    second.acked = true;
    expect(batches.unacked()).toBeUndefined();
  });

  it('keeps a batch until it is read back, and never reuses a seq', () => {
    const batches = new UnconfirmedBatches();
    for (let k = 0; k < 3; k++) batches.open([line(k)]).acked = true;
    batches.confirm(2);
    expect(batches.takeEvents()).toEqual([line(2)]);
    expect(batches.takeEvents()).toEqual([]);
    expect(batches.open([line(3)]).seq).toBe(4);
  });

  it('forgets a refused batch, and gives back every other one, oldest first, at a new epoch', () => {
    const batches = new UnconfirmedBatches();
    const first = batches.open([line(0), line(1)]);
    const refused = batches.open([line(2)]);
    batches.open([line(3)]);
    first.acked = true;
    batches.remove(refused);
    expect(batches.takeEvents()).toEqual([line(0), line(1), line(3)]);
  });
});
