import { Subject } from 'rxjs';
import { trampoline } from '../../src/pipeline/trampoline';
import { run } from '../support/marbles';

describe('trampoline', () => {
  it('mirrors values, errors and completion in virtual time', () => {
    run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b--c|').pipe(trampoline())).toBe('a-b--c|');
      expectObservable(cold('a-#').pipe(trampoline())).toBe('a-#');
    });
  });

  it('hands on a value raised while another is being handled after that one, in order', () => {
    const source = new Subject<string>();
    const seen: string[] = [];
    source.pipe(trampoline()).subscribe((value) => {
      seen.push(`start ${value}`);
      if (value === 'a') {
        source.next('b');
        source.next('c');
      }
      if (value === 'b') source.next('d');
      seen.push(`end ${value}`);
    });
    source.next('a');
    source.next('e');
    expect(seen).toEqual([
      'start a',
      'end a',
      'start b',
      'end b',
      'start c',
      'end c',
      'start d',
      'end d',
      'start e',
      'end e',
    ]);
  });

  it('completes after the values that were waiting when the source completed', () => {
    const source = new Subject<string>();
    const seen: string[] = [];
    source.pipe(trampoline()).subscribe({
      next: (value) => {
        seen.push(value);
        if (value === 'a') {
          source.next('b');
          source.complete();
        }
      },
      complete: () => seen.push('done'),
    });
    source.next('a');
    expect(seen).toEqual(['a', 'b', 'done']);
  });

  it('errors after the values that were waiting when the source failed', () => {
    const source = new Subject<string>();
    const seen: string[] = [];
    source.pipe(trampoline()).subscribe({
      next: (value) => {
        seen.push(value);
        if (value === 'a') {
          source.next('b');
          source.error(new Error('boom'));
        }
      },
      error: (error: Error) => seen.push(error.message),
    });
    source.next('a');
    expect(seen).toEqual(['a', 'b', 'boom']);
  });

  it('keeps each subscription its own queue: one waiting does not hold up another', () => {
    const first = new Subject<string>();
    const second = new Subject<string>();
    const seen: string[] = [];
    second.pipe(trampoline()).subscribe((value) => seen.push(`second ${value}`));
    first.pipe(trampoline()).subscribe((value) => {
      seen.push(`first ${value}`);
      second.next(value);
      seen.push(`first ${value} done`);
    });
    first.next('x');
    expect(seen).toEqual(['first x', 'second x', 'first x done']);
  });

  it('hands on nothing more once unsubscribed in the middle of what was waiting', () => {
    const source = new Subject<string>();
    const seen: string[] = [];
    const subscription = source.pipe(trampoline()).subscribe((value) => {
      seen.push(value);
      if (value === 'a') {
        source.next('b');
        source.next('c');
      }
      if (value === 'b') subscription.unsubscribe();
    });
    source.next('a');
    expect(seen).toEqual(['a', 'b']);
    expect(source.observed).toBe(false);
  });
});
