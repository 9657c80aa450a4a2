import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Emits each element of every array the source emits, in order: `mergeMap((xs) => xs)` without an
 * inner subscription for every array (the core emits one array of outputs per event).
 *
 * ```
 * source:    a--------b----|    a = [1, 2], b = [3]
 * result:    (12)-----3----|
 * ```
 * @see spec/core/emit-each.spec.ts
 */
export function emitEach<T>(): OperatorFunction<readonly T[], T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(values) {
          for (let i = 0; i < values.length && !subscriber.closed; i++) subscriber.next(values[i]!);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
