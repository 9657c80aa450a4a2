import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ClientId, LineEvent, Notice } from '../core/events';
import type { LineDrops } from '../metrics/hooks';

export interface RateLimitOptions {
  /** Lines per second a client may send on average; 0 turns the limit off. */
  readonly rate: number;
  /** Lines a client may send at once after being quiet. */
  readonly burst: number;
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
  /**
   * Lines that cost nothing, besides blank ones (which the core ignores). Default: `/quit`, so that
   * a client over its limit can still leave.
   */
  readonly exempt?: (event: LineEvent) => boolean;
  /** Counts the lines it drops, as `rate-limited`. */
  readonly metrics?: LineDrops;
}

const isQuit = (event: LineEvent): boolean => /^\/quit(\s|$)/i.test(event.text.trimStart());

export const RATE_LIMIT_NOTICE: Notice = { code: 'rate-limited' };
/** A flood gets one notice a second, not one per dropped line. */
const NOTICE_INTERVAL_MS = 1_000;

interface Bucket {
  tokens: number;
  refilledAt: number;
  noticedAt: number;
}

/**
 * A token bucket per client over its lines (commands included): each line costs a token, tokens
 * refill at `rate` per second up to `burst`. A line without a token is dropped and its sender told,
 * at most once a second. Buckets are forgotten when their client disconnects.
 */
export function rateLimit(options: RateLimitOptions): ChatOperator {
  const { rate, burst } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const exempt = options.exempt ?? isQuit;
  const metrics = options.metrics;
  if (rate <= 0) return (source) => source;
  return (source) =>
    new Observable<ChatEvent>((subscriber) => {
      const buckets = new Map<ClientId, Bucket>();
      return source.subscribe({
        next(event) {
          if (event.type === 'disconnected') buckets.delete(event.id);
          if (event.type !== 'line' || event.text.trim() === '' || exempt(event)) return subscriber.next(event);
          const now = scheduler.now();
          let bucket = buckets.get(event.id);
          if (bucket === undefined) {
            bucket = { tokens: burst, refilledAt: now, noticedAt: Number.NEGATIVE_INFINITY };
            buckets.set(event.id, bucket);
          }
          bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) * rate) / 1_000);
          bucket.refilledAt = now;
          if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return subscriber.next(event);
          }
          metrics?.dropped(RATE_LIMIT_NOTICE.code);
          if (now - bucket.noticedAt >= NOTICE_INTERVAL_MS) {
            bucket.noticedAt = now;
            subscriber.next({ type: 'notice', id: event.id, notice: RATE_LIMIT_NOTICE });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
