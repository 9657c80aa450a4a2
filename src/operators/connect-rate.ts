import { type SchedulerLike, asyncScheduler } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';
import type { Notice } from '../core/events';
import { addressKey } from './address-key';
import { admission } from './admission';

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

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * A connect throttle per address (an IPv6 address counts by its /64): a token bucket of `perMinute`
 * new connections that refills at `perMinute` a minute, so a whole room behind one NAT can join at
 * once, while a connect/quit loop gets `perMinute` tries and then one every `60 / perMinute`
 * seconds. A connection over it is told when to try again and closed before it joins; only
 * admitted connections take a token. 0 turns it off. Behind a proxy every client has the proxy's
 * address: turn it off there.
 */
export function connectRate(perMinute: number, options: ConnectRateOptions = {}): ChatOperator {
  if (perMinute <= 0) return (source) => source;
  const scheduler = options.scheduler ?? asyncScheduler;
  return admission(() => {
    const buckets = new Map<string, Bucket>();
    let pruneAt = 1_024;
    /** Forgets full buckets (their addresses were quiet for a minute), amortised over new addresses. */
    const prune = (now: number) => {
      for (const [key, bucket] of buckets) if (refill(bucket, now) >= perMinute) buckets.delete(key);
      pruneAt = Math.max(1_024, buckets.size * 2);
    };
    const refill = (bucket: Bucket, now: number) => {
      bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.refilledAt) * perMinute) / MINUTE_MS);
      bucket.refilledAt = now;
      return bucket.tokens;
    };
    return {
      admit({ remote }) {
        const now = scheduler.now();
        const key = addressKey(remote.address);
        let bucket = buckets.get(key);
        if (bucket === undefined) {
          if (buckets.size >= pruneAt) prune(now);
          bucket = { tokens: perMinute, refilledAt: now };
          buckets.set(key, bucket);
        }
        if (refill(bucket, now) >= 1) {
          bucket.tokens -= 1;
          return undefined;
        }
        return connectingTooFast(Math.ceil(((1 - bucket.tokens) * MINUTE_MS) / perMinute / 1_000));
      },
      release: () => undefined,
    };
  });
}
