import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { ClientId, LineEvent, Notice } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';
import type { LineDrops } from '../pipeline/reports';
import { TokenBucket } from './token-bucket';

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

/** One client's state: its tokens, its notices and mutes, its flood meter. */
interface Sender {
  readonly tokens: TokenBucket;
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
 *
 * ```text
 * (abcd)------ 1s ------e--q--|   a..e: lines of client 1   q: its "/quit"
 *   [   rateLimit({ rate: 1, burst: 3 })   ]
 * (abcNM)----- 1s ------e--q--|   d dropped   N: notice rate-limited   M: mute until 1000 ms
 * ```
 *
 * @example
 * ```ts
 * import { rateLimit } from 'rxchat';
 *
 * // 10 lines at once, then 5 a second; a flood of 10 times that pace for 5 s is kicked.
 * const limited$ = events$.pipe(rateLimit({ rate: 5, burst: 10 }));
 * ```
 *
 * @see spec/operators/rate-limit.spec.ts
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
    new Observable<PipelineEvent>((subscriber) => {
      const senders = new Map<ClientId, Sender>();

      const senderOf = (id: ClientId, now: number): Sender => {
        let sender = senders.get(id);
        if (sender === undefined) {
          sender = {
            tokens: new TokenBucket(burst, rate, 1_000, now),
            noticedAt: Number.NEGATIVE_INFINITY,
            mutedUntil: Number.NEGATIVE_INFINITY,
            flood: 0,
            floodAt: now,
            kicked: false,
          };
          senders.set(id, sender);
        }
        return sender;
      };

      /** Adds lines to the flood meter; true (and the kick sent) when they take it over the bound. */
      const overflows = (id: ClientId, sender: Sender, lines: number, now: number): boolean => {
        if (!floodBounded) return false;
        sender.flood = Math.max(0, sender.flood - (now - sender.floodAt) * allowancePerMs) + lines;
        sender.floodAt = now;
        if (sender.flood <= floodLimit) return false;
        sender.kicked = true;
        subscriber.next({ type: 'kick', id, reason: EXCESS_FLOOD_NOTICE });
        return true;
      };

      return source.subscribe({
        next(event) {
          if (event.type === 'disconnected') senders.delete(event.id);
          if (event.type === 'discarded') {
            const now = scheduler.now();
            const sender = senderOf(event.id, now);
            if (!sender.kicked) overflows(event.id, sender, event.lines, now);
            return subscriber.next(event);
          }
          if (event.type !== 'line' && event.type !== 'line-too-long') return subscriber.next(event);
          if (event.type === 'line' && exempt(event)) return subscriber.next(event);
          const now = scheduler.now();
          const sender = senderOf(event.id, now);
          if (sender.kicked || overflows(event.id, sender, 1, now)) return;
          if (sender.tokens.take(now)) return subscriber.next(event);
          metrics?.dropped(RATE_LIMIT_NOTICE.code);
          if (now - sender.noticedAt >= NOTICE_INTERVAL_MS) {
            sender.noticedAt = now;
            subscriber.next({ type: 'notice', id: event.id, notice: RATE_LIMIT_NOTICE });
          }
          // Until the next token, any line of this client would be dropped here: the transport may
          // drop it before it costs anything.
          const until = now + sender.tokens.msUntilToken();
          if (until !== sender.mutedUntil) {
            sender.mutedUntil = until;
            subscriber.next({ type: 'mute', id: event.id, until });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
