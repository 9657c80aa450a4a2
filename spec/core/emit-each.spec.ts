import { Subject, take } from 'rxjs';
import { emitEach } from '../../src/core/emit-each';
import { run } from '../support/marbles';

describe('emitEach', () => {
  it("emits each array's elements in order, at the array's time, and mirrors the end", () => {
    run(({ cold, expectObservable }) => {
      const arrays = { a: [1, 2], b: [] as number[], c: [3] };
      expectObservable(cold('a-b-c|', arrays).pipe(emitEach())).toBe('(xy)z|', { x: 1, y: 2, z: 3 });
      expectObservable(cold('a---#', arrays).pipe(emitEach())).toBe('(xy)#', { x: 1, y: 2 });
    });
  });

  it('stops in the middle of an array once the subscriber is gone', () => {
    const source = new Subject<readonly number[]>();
    const seen: number[] = [];
    let readPastTheEnd = 0;
    const values = [1, 2, 3, 4];
    Object.defineProperty(values, 2, {
      get: () => {
        readPastTheEnd++;
        return 3;
      },
    });
    source.pipe(emitEach(), take(2)).subscribe((value) => seen.push(value));
    source.next(values);
    expect(seen).toEqual([1, 2]);
    expect(readPastTheEnd).toBe(0);
  });

  it('completes after the rest of an array when the source completes while it is emitted, as mergeMap does', () => {
    const source = new Subject<readonly number[]>();
    const seen: string[] = [];
    source.pipe(emitEach()).subscribe({
      next: (value) => {
        seen.push(String(value));
        if (value === 1) source.complete();
      },
      complete: () => seen.push('done'),
    });
    source.next([1, 2, 3]);
    expect(seen).toEqual(['1', '2', '3', 'done']);
  });
});
