import { TokenBucket } from '../../src/operators/token-bucket';

/** How many of `times` (ms) a bucket lets through, taking one token at each. */
const taken = (bucket: TokenBucket, times: readonly number[]) => times.filter((at) => bucket.take(at)).length;

describe('TokenBucket', () => {
  it('starts full: `capacity` tokens at once, then none', () => {
    const bucket = new TokenBucket(3, 1, 1_000, 0);
    expect(taken(bucket, [0, 0, 0, 0, 0])).toBe(3);
  });

  it('refills at `perInterval` tokens per `intervalMs`, continuously: one token every intervalMs / perInterval', () => {
    const bucket = new TokenBucket(1, 4, 1_000, 0);
    expect(bucket.take(0)).toBe(true);
    expect(bucket.take(249)).toBe(false);
    expect(bucket.take(250)).toBe(true);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
  });

  it('never holds more than `capacity`, however long it was idle', () => {
    const bucket = new TokenBucket(2, 1, 1_000, 0);
    expect(taken(bucket, [0, 0])).toBe(2);
    expect(bucket.refill(3_600_000)).toBe(2);
    expect(taken(bucket, [3_600_000, 3_600_000, 3_600_000])).toBe(2);
  });

  it('has a token at the very millisecond it is due, although fractions add up a little short in floating point', () => {
    // Ten refills of 0.1 token: 0.9999999999999999 in floating point.
    const bucket = new TokenBucket(1, 1, 1_000, 0);
    expect(bucket.take(0)).toBe(true);
    for (let at = 100; at < 1_000; at += 100) bucket.refill(at);
    expect(bucket.refill(1_000)).toBeLessThan(1);
    expect(bucket.take(1_000)).toBe(true);
    // ...and the sliver left over is no token.
    expect(bucket.take(1_000)).toBe(false);
  });

  it('says in how many whole ms the next token is there: the first millisecond `take` succeeds', () => {
    const bucket = new TokenBucket(1, 3, 1_000, 0);
    expect(bucket.msUntilToken()).toBe(0);
    bucket.take(0);
    // One token per 333.33 ms: there at 334, not at 333.
    expect(bucket.msUntilToken()).toBe(334);
    expect(bucket.take(333)).toBe(false);
    expect(bucket.msUntilToken()).toBe(1);
    expect(bucket.take(334)).toBe(true);
  });

  it('counts whole ms from its last refill, and a due token at an exact ms as due then, not a ms later', () => {
    const bucket = new TokenBucket(1, 1, 1_000, 0);
    bucket.take(0);
    bucket.refill(700);
    // (1 - 0.7) * 1000 is 300.00000000000006 in floating point: the token is due at 1000, not 1001.
    expect(bucket.msUntilToken()).toBe(300);
    expect(bucket.take(1_000)).toBe(true);
  });

  it('is full again once it has refilled to capacity (a caller may then forget it)', () => {
    const bucket = new TokenBucket(2, 2, 60_000, 0);
    bucket.take(0);
    expect(bucket.isFull(29_999)).toBe(false);
    expect(bucket.isFull(30_000)).toBe(true);
  });

  it('with no capacity, lets nothing through', () => {
    const bucket = new TokenBucket(0, 1, 1_000, 0);
    expect(taken(bucket, [0, 1_000, 10_000])).toBe(0);
    expect(bucket.msUntilToken()).toBe(1_000);
  });
});
