/**
 * Bounded waiting for integration specs: every wait ends, and when it ends by timing out the test
 * fails with a message that says what was awaited.
 */

/** Resolves or rejects like `promise`, or rejects with `what` after `ms` (and clears its timer either way). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` until it holds, failing after `ms` with `what` (and `details()` if given). */
export async function waitUntil(
  condition: () => boolean,
  ms: number,
  what: string,
  details?: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${details ? `\n${details()}` : ''}`);
    }
    await delay(5);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One turn of the event loop (lets setImmediate-batched writes flush). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
