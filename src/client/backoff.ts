export interface BackoffOptions {
  /** The first wait. Default 500 ms. */
  readonly initialMs?: number;
  /** No wait is longer. Default 30 s. */
  readonly maxMs?: number;
  /** Each wait is this many times the last. Default 2. */
  readonly factor?: number;
  /** 0..1: each wait is shortened by up to this fraction, so that clients do not retry in lockstep. Default 0.2. */
  readonly jitter?: number;
  /** Default Math.random; tests pass a constant. */
  readonly random?: () => number;
}

/** The wait before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2, jitter = 0.2, random = Math.random } = options;
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - jitter * random()));
}
