import { EMPTY, type SchedulerLike, asyncScheduler, filter, groupBy, map, merge, mergeMap, share, switchMap, timer } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ClientId } from '../core/events';

export const IDLE_NOTICE = 'idle timeout';

export interface IdleTimeoutOptions {
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

type ClientEvent = Extract<ChatEvent, { id: ClientId }>;

const hasClient = (event: ChatEvent): event is ClientEvent => 'id' in event;

/**
 * Kicks a client that sends nothing for `ms`: one timer per client, restarted by each of its lines
 * and dropped when it leaves. 0 turns it off.
 */
export function idleTimeout(ms: number, options: IdleTimeoutOptions = {}): ChatOperator {
  const scheduler = options.scheduler ?? asyncScheduler;
  if (ms <= 0) return (source) => source;
  return (source) => {
    const events$ = source.pipe(share());
    const kicks$ = events$.pipe(
      filter(hasClient),
      groupBy((event) => event.id, { duration: (group) => group.pipe(filter((e) => e.type === 'disconnected')) }),
      mergeMap((client$) =>
        client$.pipe(
          // Anything the client sent counts as activity, an over-long line included.
          filter((event) => ['connected', 'line', 'line-too-long', 'disconnected'].includes(event.type)),
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
