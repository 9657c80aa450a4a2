import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Emits each element of every array the source emits, in order: `mergeMap((xs) => xs)` without an
 * inner subscription for every array (the core emits one array of outputs per event). As with
 * `mergeMap`, a source that ends while an array is being emitted (re-entrantly, from a subscriber)
 * ends the result only after the rest of that array.
 *
 * ```
 * source:    a--------b----|    a = [1, 2], b = [3]
 * result:    (12)-----3----|
 * ```
 * @see spec/core/emit-each.spec.ts
 */
export function emitEach<T>(): OperatorFunction<readonly T[], T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let emitting = false;
      let ended = false;
      return source.subscribe({
        next(values) {
          emitting = true;
          try {
            for (let i = 0; i < values.length && !subscriber.closed; i++) subscriber.next(values[i]!);
          } finally {
            emitting = false;
          }
          if (ended) subscriber.complete();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (emitting) ended = true;
          else subscriber.complete();
        },
      });
    });
}
