import { Observable } from 'rxjs';
import type { ChatSnapshot, RelayEvent } from './cluster-events';

/**
 * Sits between this process's operators and the core. It takes this process's events (already
 * stamped with `at`, name candidates and `node`) and returns the whole chat's events in the one
 * order every process's core applies. A relay serves one `connect` at a time.
 */
export interface ChatRelay {
  /**
   * The chat's events for this process's core. Subscribe the core synchronously to it (a trampoline
   * such as `observeOn(queueScheduler)` in between is fine): the relay reads `host.snapshot()` right after
   * emitting and expects it to include what it emitted.
   *
   * Besides the ordered events, it emits `notice` events meant for this process's own clients only
   * (relay unavailable / back, a line not delivered, messages missed); they change no state.
   * It errors with `RelayUnreachableError` when the relay cannot start, and completes after `close()`.
   */
  connect(local$: Observable<RelayEvent>, host: RelayHost): Observable<RelayEvent>;
  /** Resolves once `connect`'s subscription has the chat's current state; rejects as that stream errors. */
  ready(): Promise<void>;
  /** Why this process cannot serve the chat right now (e.g. 'relay down'), or undefined when it can: for /readyz. */
  unready(): string | undefined;
  /**
   * This process leaves the chat (SIGTERM): its pending events go out, then its clients get the
   * goodbye through the core while the others see them leave. Resolves when that is done.
   */
  close(): Promise<void>;
}

/** What the relay needs from the process it serves. */
export interface RelayHost {
  /** This process's node id: unique without configuration (e.g. random hex). */
  readonly node: string;
  /** The core's live state, as of the last event it applied (`snapshotChat(state)`). */
  snapshot(): ChatSnapshot;
  /**
   * The fraction (0 to 1) of the chat's clients that `node` holds. Optional: a relay that shares the
   * work of snapshots among processes gives it to those holding more clients (default: 1).
   */
  share?(node: string): number;
}

/**
 * One process, no relay: events go straight to the core. `close()` is the whole chat's shutdown,
 * since this process is the whole chat.
 */
export function inMemoryRelay(): ChatRelay {
  let leave: (() => void) | undefined;
  let left = false;
  return {
    connect: (local$) =>
      new Observable<RelayEvent>((subscriber) => {
        if (left) return subscriber.complete();
        leave = () => {
          subscriber.next({ type: 'shutdown', at: Date.now() });
          subscriber.complete();
        };
        return local$.subscribe(subscriber);
      }),
    ready: () => Promise.resolve(),
    unready: () => undefined,
    close: () => {
      if (!left) {
        left = true;
        leave?.();
      }
      return Promise.resolve();
    },
  };
}
