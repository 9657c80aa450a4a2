/** Refills are computed in floating point: a token due at a millisecond must be there at it. */
const EPSILON = 1e-9;

/**
 * A token bucket: it holds up to `capacity` tokens and refills at `perInterval` tokens every
 * `intervalMs`, continuously. It starts full. Time is whatever clock the caller reads (a scheduler's
 * `now()`, virtual in marble tests): the bucket sets no timer and refills only when asked, so an
 * idle bucket costs nothing. The rate limiter (lines per client), the connect throttle (connections
 * per address) and the storm coalescer (announcements a second) each keep theirs.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  /** A full bucket at `now`. */
  constructor(
    readonly capacity: number,
    readonly perInterval: number,
    readonly intervalMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Adds what accrued since the last refill (never beyond `capacity`); the tokens now, fractional. */
  refill(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perInterval) / this.intervalMs);
    this.refilledAt = now;
    return this.tokens;
  }

  /** Refills, then takes one token if there is a whole one now: true when it did. */
  take(now: number): boolean {
    if (this.refill(now) < 1 - EPSILON) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Refills; true when the bucket is full again (a caller may forget it: a new one is the same). */
  isFull(now: number): boolean {
    return this.refill(now) >= this.capacity;
  }

  /**
   * In how many whole ms, counted from the last refill, the next whole token is there (0 when one
   * is): the first millisecond at which `take` succeeds.
   */
  msUntilToken(): number {
    return Math.max(0, Math.ceil(((1 - this.tokens) * this.intervalMs) / this.perInterval - EPSILON));
  }
}
