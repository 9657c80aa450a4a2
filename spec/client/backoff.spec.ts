import { backoffDelay } from '../../src/client/backoff';

describe('backoffDelay', () => {
  const noJitter = { random: () => 0 };

  it('doubles from 500 ms up to a 30 s cap', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => backoffDelay(n, noJitter))).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000, 30_000,
    ]);
  });

  it('shortens each wait by up to the jitter fraction', () => {
    expect(backoffDelay(2, { random: () => 1, jitter: 0.2 })).toBe(800);
    expect(backoffDelay(2, { random: () => 0.5, jitter: 0.2 })).toBe(900);
  });
});
