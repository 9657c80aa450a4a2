import { type SchedulerLike, asyncScheduler } from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { Notice } from '../core/events';
import { addressKey } from './address-key';
import { admission } from './admission';
import { TokenBucket } from './token-bucket';

/** What `connectRate` takes besides its limit. */
export interface ConnectRateOptions {
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

const MINUTE_MS = 60_000;

export const connectingTooFast = (retryAfterSeconds: number): Notice => ({
  code: 'connecting-too-fast',
  retryAfterSeconds,
});

/**
 * A connect throttle per address (an IPv6 address counts by its /64): a token bucket of `perMinute`
 * new connections that refills at `perMinute` a minute, so a whole room behind one NAT can join at
 * once, while a connect/quit loop gets `perMinute` tries and then one every `60 / perMinute`
 * seconds. A connection over it is told when to try again and closed before it joins; only
 * admitted connections take a token. 0 turns it off. Behind a proxy every client has the proxy's
 * address: turn it off there.
 *
 * ```text
 * (abc)------ 30s ------d--|   a..d: connections from one address
 *   [   connectRate(2)   ]
 * (abK)------ 30s ------d--|   K: kick c with connecting-too-fast, retry after 30 s
 * ```
 *
 * @example
 * ```ts
 * import { connectRate } from 'rxchat';
 *
 * const throttled$ = events$.pipe(connectRate(120)); // 120 at once per address, then 2 a second
 * ```
 *
 * @see spec/operators/connect-rate.spec.ts
 */
export function connectRate(perMinute: number, options: ConnectRateOptions = {}): ChatOperator {
  if (perMinute <= 0) return (source) => source;
  const scheduler = options.scheduler ?? asyncScheduler;
  return admission(() => {
    const buckets = new Map<string, TokenBucket>();
    let pruneAt = 1_024;
    /** Forgets full buckets (their addresses were quiet for a minute), amortised over new addresses. */
    const prune = (now: number) => {
      for (const [key, bucket] of buckets) if (bucket.isFull(now)) buckets.delete(key);
      pruneAt = Math.max(1_024, buckets.size * 2);
    };
    return {
      admit({ remote }) {
        const now = scheduler.now();
        const key = addressKey(remote.address);
        let bucket = buckets.get(key);
        if (bucket === undefined) {
          if (buckets.size >= pruneAt) prune(now);
          bucket = new TokenBucket(perMinute, perMinute, MINUTE_MS, now);
          buckets.set(key, bucket);
        }
        if (bucket.take(now)) return undefined;
        return connectingTooFast(Math.ceil(bucket.msUntilToken() / 1_000));
      },
      release: () => undefined,
    };
  });
}
