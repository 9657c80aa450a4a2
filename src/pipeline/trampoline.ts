import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Mirrors the source, except that a notification raised while this subscription is still handing
 * on another (re-entrantly, from inside a subscriber) waits until that one is done, then goes in
 * order: what `observeOn(queueScheduler)` does, without a scheduled action for every value. Only
 * this subscription's notifications wait: the queue is its own, not a process-wide scheduler's.
 *
 * ```
 * source:    a--b--|        (b raised while a is being handled downstream)
 * result:    a-b---|        (b handed on after a's handling returns, never inside it)
 * ```
 * @see spec/pipeline/trampoline.spec.ts
 */
export function trampoline<T>(): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      // Waiting values (a queue without shifting), then at most one terminal notification after them.
      const waiting: T[] = [];
      let head = 0;
      let ending: { readonly error?: unknown; readonly failed: boolean } | undefined;
      let handing = false;
      const drain = () => {
        handing = true;
        try {
          while (head < waiting.length && !subscriber.closed) {
            const value = waiting[head]!;
            waiting[head++] = undefined as T;
            subscriber.next(value);
          }
          waiting.length = 0;
          head = 0;
          if (ending === undefined) return;
          if (ending.failed) subscriber.error(ending.error);
          else subscriber.complete();
        } finally {
          handing = false;
        }
      };
      return source.subscribe({
        next(value) {
          waiting.push(value);
          if (!handing) drain();
        },
        error(error: unknown) {
          ending = { error, failed: true };
          if (!handing) drain();
        },
        complete() {
          ending = { failed: false };
          if (!handing) drain();
        },
      });
    });
}
