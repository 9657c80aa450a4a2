/**
 * Shared pieces of the marble specs: the TestScheduler wrapper, `timeline()` for marble strings
 * written by frame number, and builders of the events and lines that many tests use.
 */
import { TestScheduler } from 'rxjs/testing';
import type { ChatEvent } from '../../src/core/events';

export { joined, left, welcome } from './chat-text';

/** What `TestScheduler.run` hands its callback: `hot`, `cold`, `expectObservable`... */
export type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** Runs `callback` in a fresh TestScheduler's run mode, comparing with Jest's `toEqual`. */
export function run(callback: (helpers: Helpers) => void): void {
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(callback);
}

/**
 * A marble string with each entry at its frame: `timeline({ 0: '(wj)', 5: 'b', 1000: 'k' })`.
 * Groups occupy their length in frames (as in RxJS); long gaps use time progression (`996ms`).
 */
export function timeline(entries: Record<number, string>): string {
  let marbles = '';
  let frame = 0;
  const sorted = Object.entries(entries)
    .map(([at, marble]) => [Number(at), marble] as const)
    .sort(([a], [b]) => a - b);
  for (const [at, marble] of sorted) {
    if (at < frame)
      throw new Error(`timeline: "${marble}" at frame ${at} overlaps the previous entry (ends at ${frame})`);
    const gap = at - frame;
    marbles += gap > 20 ? ` ${gap}ms ` : '-'.repeat(gap);
    marbles += marble;
    frame = at + marble.length;
  }
  return marbles;
}

/** Client `id` connected (from 127.0.0.1:1). */
export const connected = (id: string): ChatEvent => ({
  type: 'connected',
  id,
  remote: { address: '127.0.0.1', port: 1 },
});
/** Client `id` sent the line `text`. */
export const line = (id: string, text: string): ChatEvent => ({ type: 'line', id, text });
