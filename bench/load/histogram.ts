/**
 * A latency histogram in microseconds with bounded relative error (~1.6%): exact below 64 µs,
 * then 64 sub-buckets per power of two. Recording is an array increment, so it can run per line.
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Up to 2^36 µs (~19 hours): far beyond any bounded run. */
const MAX_EXP = 36;

export class Histogram {
  readonly counts = new Float64Array((MAX_EXP - SUB_BITS + 2) * SUB);
  count = 0;
  max = 0;

  record(micros: number): void {
    const v = micros < 0 ? 0 : Math.floor(micros);
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile q (0..1): the upper bound of its bucket, capped at the true max. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

export function bucketOf(v: number): number {
  if (v < SUB) return v;
  const exp = Math.floor(Math.log2(v)); // >= SUB_BITS
  const shift = exp - SUB_BITS;
  const sub = Math.floor(v / 2 ** shift) - SUB; // 0..SUB-1
  return (shift + 1) * SUB + Math.min(sub, SUB - 1);
}

/** The largest value that falls in bucket i. */
export function upperBound(i: number): number {
  if (i < SUB) return i;
  const shift = Math.floor(i / SUB) - 1;
  const sub = i % SUB;
  return (SUB + sub + 1) * 2 ** shift - 1;
}
