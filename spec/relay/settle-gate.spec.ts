import { SETTLE_MS, SettleGate } from '../../src/relay/settle-gate';

describe('SettleGate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup(leaseMs = 10_000) {
    let settled = 0;
    const gate = new SettleGate(leaseMs, () => settled++);
    return { gate, settled: () => settled };
  }

  it('lets everything through when nobody else had clients', () => {
    const { gate, settled } = setup();
    gate.begin(new Set(), 2);
    expect(gate.limit(500)).toBe(500);
    expect(settled()).toBe(0);
  });

  it('lets only our re-announcements through until every other process re-announced', () => {
    const { gate, settled } = setup();
    gate.begin(new Set(['b', 'c']), 3);
    expect(gate.limit(2)).toBe(2);
    gate.took(2);
    expect(gate.limit(500)).toBe(1);
    gate.took(1);
    expect(gate.limit(500)).toBe(0);
    gate.rejoined('b');
    gate.rejoined('x');
    expect(gate.limit(500)).toBe(0);
    gate.rejoined('c');
    expect(settled()).toBe(1);
    expect(gate.limit(500)).toBe(500);
    gate.rejoined('c');
    expect(settled()).toBe(1);
  });

  it('stops waiting after SETTLE_MS, or the lease if that is shorter', () => {
    const long = setup(60_000);
    long.gate.begin(new Set(['b']), 0);
    jest.advanceTimersByTime(SETTLE_MS - 1);
    expect(long.settled()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(long.settled()).toBe(1);
    expect(long.gate.limit(500)).toBe(500);

    const short = setup(300);
    short.gate.begin(new Set(['b']), 0);
    jest.advanceTimersByTime(300);
    expect(short.settled()).toBe(1);
  });

  it('starts over at another new epoch, and waits no more once disposed', () => {
    const { gate, settled } = setup();
    gate.begin(new Set(['b']), 0);
    jest.advanceTimersByTime(SETTLE_MS - 500);
    gate.begin(new Set(['c']), 1);
    jest.advanceTimersByTime(SETTLE_MS - 1);
    expect(settled()).toBe(0);
    expect(gate.limit(500)).toBe(1);
    gate.dispose();
    jest.advanceTimersByTime(SETTLE_MS);
    expect(settled()).toBe(0);
  });
});
