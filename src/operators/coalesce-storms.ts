import { Observable, type SchedulerAction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import type { ChatMessage, ChatOutput, ClientId, Delivery } from '../core/events';
import type { OutputOperator } from '../pipeline/operator';
import { TokenBucket } from './token-bucket';

/** When `coalesceStorms` starts summarising joins and leaves, and how. */
export interface CoalesceStormsOptions {
  /** Joins (and, apart, leaves) a second announced one by one, as a burst too. Default 50. */
  readonly perSecond?: number;
  /** Past that pace, one summary per kind per this many ms. Default 1000. */
  readonly intervalMs?: number;
  /** Names a summary lists; the rest are counted. Default 10. */
  readonly listNames?: number;
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

export const DEFAULT_STORMS = { perSecond: 50, intervalMs: 1_000, listNames: 10 } as const;

type Kind = 'joined' | 'left';

interface Storm {
  /** Announcements that may still go out one by one. */
  readonly tokens: TokenBucket;
  /** Inside a storm every announcement of this kind is coalesced, until an interval is calm again. */
  timer: Subscription | undefined;
  names: string[];
  count: number;
}

/**
 * Join and leave storms: a room joining at a normal pace (up to `perSecond` joins a second, as a
 * burst too) sees every join and leave as the core announces them. Past that, the announcements to
 * the others are coalesced into one summary per kind per `intervalMs` (`joined-many`, `left-many`:
 * the first `listNames` names and the count), sent to everyone online, while each newcomer still
 * gets its own join line at once. The storm ends after an interval with fewer than `perSecond`
 * announcements a second. So 10,000 joins cost a few summaries to everyone, not 50 million lines.
 *
 * It works on the core's outputs (deliveries), not on its events:
 *
 * ```text
 * (12345)---------- 1s -----------   1..5: "cN joined", each delivered to everyone online
 *   [   coalesceStorms({ perSecond: 2 })   ]
 * (12345')--------- 1s ----------S   3'..5': each to its newcomer alone
 *                                    S (1 s after the burst): joined-many ["c3", "c4", "c5"], count 3, to everyone
 * ```
 *
 * @example
 * ```ts
 * import { coalesceStorms } from 'rxchat';
 *
 * // Past 50 joins a second, one "[+] 1234 joined: ..." a second instead of a line per join.
 * const outputs$ = coreOutputs$.pipe(coalesceStorms({ perSecond: 50, intervalMs: 1_000, listNames: 10 }));
 * ```
 *
 * @see spec/operators/coalesce-storms.spec.ts
 */
export function coalesceStorms(options: CoalesceStormsOptions = {}): OutputOperator {
  const perSecond = options.perSecond ?? DEFAULT_STORMS.perSecond;
  const intervalMs = options.intervalMs ?? DEFAULT_STORMS.intervalMs;
  const listNames = options.listNames ?? DEFAULT_STORMS.listNames;
  const scheduler = options.scheduler ?? asyncScheduler;
  const calm = (perSecond * intervalMs) / 1_000;
  return (source) =>
    new Observable<ChatOutput>((subscriber) => {
      const storms: Record<Kind, Storm> = {
        joined: newStorm(perSecond, scheduler.now()),
        left: newStorm(perSecond, scheduler.now()),
      };
      /** Everyone online as of the latest join or leave (the core's registry order, an immutable snapshot). */
      let audience: readonly ClientId[] = [];
      /** The client just welcomed: the core announces its join right after. */
      let welcomed: { readonly id: ClientId; readonly name: string } | undefined;
      let over = false;

      const stop = () => {
        over = true;
        for (const storm of Object.values(storms)) storm.timer?.unsubscribe();
      };

      const flush = (kind: Kind): void => {
        const storm = storms[kind];
        const { names, count } = storm;
        storm.names = [];
        storm.count = 0;
        if (count > 0) {
          const message: ChatMessage = { type: kind === 'joined' ? 'joined-many' : 'left-many', names, count };
          subscriber.next({ kind: 'deliver', to: audience, message, at: scheduler.now() });
        }
        if (count < calm) {
          storm.timer?.unsubscribe();
          storm.timer = undefined;
        }
      };

      const coalesce = (kind: Kind, delivery: Delivery, name: string): void => {
        const storm = storms[kind];
        storm.count++;
        if (storm.names.length < listNames) storm.names.push(name);
        if (storm.timer === undefined) {
          storm.timer = scheduler.schedule(function (this: SchedulerAction<undefined>) {
            flush(kind);
            if (storms[kind].timer !== undefined) this.schedule(undefined, intervalMs);
          }, intervalMs);
        }
        if (kind === 'joined') {
          // The newcomer's own join line, at once: it is the one the core welcomed just before.
          const id = welcomed?.name === name ? welcomed.id : delivery.to[delivery.to.length - 1];
          if (id !== undefined) subscriber.next({ ...delivery, to: [id] });
        }
      };

      const subscription = source.subscribe({
        next(output) {
          if (over || output.kind !== 'deliver') return subscriber.next(output);
          const { message } = output;
          if (message.type === 'welcome') welcomed = { id: output.to[0]!, name: message.name };
          if (message.type === 'shutdown') stop();
          if (message.type !== 'joined' && message.type !== 'left') return subscriber.next(output);
          audience = output.to;
          const storm = storms[message.type];
          // Inside a storm the bucket still refills, and the storm ends on its own timer.
          const now = scheduler.now();
          storm.tokens.refill(now);
          if (storm.timer === undefined && storm.tokens.take(now)) return subscriber.next(output);
          coalesce(message.type, output, message.name);
        },
        error: (error: unknown) => {
          stop();
          subscriber.error(error);
        },
        complete: () => {
          stop();
          subscriber.complete();
        },
      });
      return () => {
        stop();
        subscription.unsubscribe();
      };
    });
}

function newStorm(perSecond: number, now: number): Storm {
  return { tokens: new TokenBucket(perSecond, perSecond, 1_000, now), timer: undefined, names: [], count: 0 };
}
