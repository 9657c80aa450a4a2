import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ClientId, LineEvent, Notice } from '../core/events';
import type { LineDrops } from '../metrics/hooks';

/** The token bucket of `rateLimit`, and its excess-flood bound. */
export interface RateLimitOptions {
  /** Lines per second a client may send on average; 0 turns the limit off. */
  readonly rate: number;
  /** Lines a client may send at once after being quiet. */
  readonly burst: number;
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
  /** Lines that cost nothing and always pass. Default: `/quit`, so that a client over its limit can still leave. */
  readonly exempt?: (event: LineEvent) => boolean;
  /** Counts the lines it drops, as `rate-limited`. */
  readonly metrics?: LineDrops;
  /**
   * The excess-flood bound: a client whose lines outrun `excessFactor` times its rate by more than
   * `excessSeconds` of that pace is disconnected. Defaults 10 and 5: 250 lines beyond 50 a second
   * at rate 5, i.e. 20 times its rate for 5 s, or a paste of 250 lines at once; never less than
   * `excessFactor` bursts (100 lines at the defaults). 0 turns it off.
   */
  readonly excessFactor?: number;
  readonly excessSeconds?: number;
}

export const DEFAULT_EXCESS_FLOOD = { factor: 10, seconds: 5 } as const;

const QUIT = /^\/quit(\s|$)/i;
const isQuit = (event: LineEvent): boolean => QUIT.test(event.text.trimStart());

export const RATE_LIMIT_NOTICE: Notice = { code: 'rate-limited' };
export const EXCESS_FLOOD_NOTICE: Notice = { code: 'excess-flood' };
/** A flood gets one notice a second, not one per dropped line. */
const NOTICE_INTERVAL_MS = 1_000;
/** Refills are computed in floating point: a token due at a millisecond must be there at it. */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  refilledAt: number;
  noticedAt: number;
  /** The end of the last mute sent: a mute is sent once per empty spell, not once per dropped line. */
  mutedUntil: number;
  /** Lines beyond the flood allowance, leaking at `excessFactor` × rate a second. */
  flood: number;
  floodAt: number;
  /** Kicked for excess flood: its last lines go nowhere. */
  kicked: boolean;
}

/**
 * A token bucket per client over its lines (commands, blank and over-long lines included): each
 * costs a token, tokens refill at `rate` per second up to `burst`. A line without a token is
 * dropped and its sender told, at most once a second; the limiter also emits a `mute` until the
 * next token, so that the transport can discard the client's lines unread until then, and counts
 * the lines the transport reports discarded (`discarded` events) toward the excess-flood bound.
 * `/quit` always passes. Buckets are forgotten when their client disconnects.
 */
export function rateLimit(options: RateLimitOptions): ChatOperator {
  const { rate, burst } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const exempt = options.exempt ?? isQuit;
  const metrics = options.metrics;
  const excessFactor = options.excessFactor ?? DEFAULT_EXCESS_FLOOD.factor;
  const excessSeconds = options.excessSeconds ?? DEFAULT_EXCESS_FLOOD.seconds;
  // The flood meter leaks at the allowance and holds `excessSeconds` of it.
  const allowancePerMs = (excessFactor * rate) / 1_000;
  // Never below `excessFactor` bursts: at a very low rate the pace alone would kick on the first drop.
  const floodLimit =
    excessFactor * excessSeconds === 0 ? 0 : Math.max(excessFactor * rate * excessSeconds, excessFactor * burst);
  const floodBounded = floodLimit > 0;
  if (rate <= 0) return (source) => source;
  return (source) =>
    new Observable<ChatEvent>((subscriber) => {
      const buckets = new Map<ClientId, Bucket>();

      const bucketOf = (id: ClientId, now: number): Bucket => {
        let bucket = buckets.get(id);
        if (bucket === undefined) {
          bucket = {
            tokens: burst,
            refilledAt: now,
            noticedAt: Number.NEGATIVE_INFINITY,
            mutedUntil: Number.NEGATIVE_INFINITY,
            flood: 0,
            floodAt: now,
            kicked: false,
          };
          buckets.set(id, bucket);
        }
        return bucket;
      };

      /** Adds lines to the flood meter; true (and the kick sent) when they take it over the bound. */
      const overflows = (id: ClientId, bucket: Bucket, lines: number, now: number): boolean => {
        if (!floodBounded) return false;
        bucket.flood = Math.max(0, bucket.flood - (now - bucket.floodAt) * allowancePerMs) + lines;
        bucket.floodAt = now;
        if (bucket.flood <= floodLimit) return false;
        bucket.kicked = true;
        subscriber.next({ type: 'kick', id, reason: EXCESS_FLOOD_NOTICE });
        return true;
      };

      return source.subscribe({
        next(event) {
          if (event.type === 'disconnected') buckets.delete(event.id);
          if (event.type === 'discarded') {
            const now = scheduler.now();
            const bucket = bucketOf(event.id, now);
            if (!bucket.kicked) overflows(event.id, bucket, event.lines, now);
            return subscriber.next(event);
          }
          if (event.type !== 'line' && event.type !== 'line-too-long') return subscriber.next(event);
          if (event.type === 'line' && exempt(event)) return subscriber.next(event);
          const now = scheduler.now();
          const bucket = bucketOf(event.id, now);
          if (bucket.kicked || overflows(event.id, bucket, 1, now)) return;
          bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) * rate) / 1_000);
          bucket.refilledAt = now;
          if (bucket.tokens >= 1 - EPSILON) {
            bucket.tokens = Math.max(0, bucket.tokens - 1);
            return subscriber.next(event);
          }
          metrics?.dropped(RATE_LIMIT_NOTICE.code);
          if (now - bucket.noticedAt >= NOTICE_INTERVAL_MS) {
            bucket.noticedAt = now;
            subscriber.next({ type: 'notice', id: event.id, notice: RATE_LIMIT_NOTICE });
          }
          // Until the next token, any line of this client would be dropped here: the transport may
          // drop it before it costs anything.
          const until = now + Math.ceil(((1 - bucket.tokens) * 1_000) / rate - EPSILON);
          if (until !== bucket.mutedUntil) {
            bucket.mutedUntil = until;
            subscriber.next({ type: 'mute', id: event.id, until });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
