import {
  EMPTY,
  type SchedulerLike,
  asyncScheduler,
  filter,
  groupBy,
  map,
  merge,
  mergeMap,
  share,
  switchMap,
  timer,
} from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { ChatEvent, Notice } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';

export const IDLE_NOTICE: Notice = { code: 'idle-timeout' };

/** What `idleTimeout` takes besides its delay. */
export interface IdleTimeoutOptions {
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

type ClientActivity = Extract<
  PipelineEvent,
  { type: 'connected' | 'line' | 'line-too-long' | 'discarded' | 'disconnected' }
>;

// A muted client's lines, discarded unread by its transport, are activity too: it is not silent.
const ACTIVITY: ReadonlySet<PipelineEvent['type']> = new Set([
  'connected',
  'line',
  'line-too-long',
  'discarded',
  'disconnected',
]);
const isClientActivity = (event: PipelineEvent): event is ClientActivity => ACTIVITY.has(event.type);

/**
 * Kicks a client that sends nothing for `ms`: one timer per client, restarted by each of its lines
 * and dropped when it leaves. 0 turns it off.
 *
 * ```text
 * c--l-----------------   c: client 1 connected   l: its line (at 3 ms)
 *   [   idleTimeout(10)   ]
 * c--l---------K-------   K: kick client 1 with idle-timeout, 10 ms after its last line
 * ```
 *
 * @example
 * ```ts
 * import { idleTimeout } from 'rxchat';
 *
 * const watched$ = events$.pipe(idleTimeout(15 * 60_000)); // 15 minutes of silence and out
 * ```
 *
 * @see spec/operators/idle-timeout.spec.ts
 */
export function idleTimeout(ms: number, options: IdleTimeoutOptions = {}): ChatOperator {
  const scheduler = options.scheduler ?? asyncScheduler;
  if (ms <= 0) return (source) => source;
  return (source) => {
    const events$ = source.pipe(share());
    const kicks$ = events$.pipe(
      // Only what a client does opens or feeds its clock (an over-long line counts as activity):
      // server-side events such as the kick of a refused newcomer must not open a clock that no
      // disconnect would ever close.
      filter(isClientActivity),
      groupBy((event) => event.id, { duration: (group) => group.pipe(filter((e) => e.type === 'disconnected')) }),
      mergeMap((client$) =>
        client$.pipe(
          switchMap((event) =>
            event.type === 'disconnected'
              ? EMPTY
              : timer(ms, scheduler).pipe(map((): ChatEvent => ({ type: 'kick', id: event.id, reason: IDLE_NOTICE }))),
          ),
        ),
      ),
    );
    return merge(events$, kicks$);
  };
}
