import type { ChatOperator } from '../pipeline/operator';
import type { Notice } from '../core/events';
import { admission } from './admission';

export const SERVER_FULL: Notice = { code: 'server-full' };

/**
 * Admission control: past `limit` open connections, a newcomer is told the server is full and
 * closed before it joins, so no welcome and no join. It counts connections it let in (not names:
 * who is online stays the core's registry), those still in their TLS handshake included, and a
 * leave frees a slot.
 *
 * ```text
 * --a--b--c--x--d--|   a..d: clients 1..4 connected   x: client 1 disconnected
 *   [  maxClients(2)  ]
 * --a--b--K--x--d--|   K: kick client 3 with server-full (its later events are dropped)
 * ```
 *
 * @example
 * ```ts
 * import { maxClients } from 'rxchat';
 *
 * const admitted$ = events$.pipe(maxClients(10_000));
 * ```
 *
 * @see spec/operators/max-clients.spec.ts
 */
export function maxClients(limit: number): ChatOperator {
  return admission(() => {
    let open = 0;
    return {
      admit() {
        if (open >= limit) return SERVER_FULL;
        open++;
        return undefined;
      },
      release() {
        open--;
      },
    };
  });
}
