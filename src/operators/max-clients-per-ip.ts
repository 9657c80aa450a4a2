import type { ChatOperator } from '../pipeline/operator';
import type { ClientId, Notice } from '../core/events';
import { addressKey } from './address-key';
import { admission } from './admission';

export const tooManyConnections = (limit: number): Notice => ({ code: 'too-many-connections', limit });

/**
 * At most `limit` open connections per address (an IPv6 address counts by its /64, see
 * `addressKey`), those still in their TLS handshake included: one more is told so and closed before
 * it joins. 0 turns it off. Behind a proxy every client has the proxy's address: turn it off there.
 *
 * ```text
 * --a--b--c--x--d--|   a, b, d: connected from 10.0.0.1   c: from 10.0.0.2   x: a disconnected
 *   [  maxClientsPerIp(1)  ]
 * --a--K--c--x--d--|   K: kick b with too-many-connections (limit 1)
 * ```
 *
 * @example
 * ```ts
 * import { maxClientsPerIp } from 'rxchat';
 *
 * const admitted$ = events$.pipe(maxClientsPerIp(128)); // a room of 100 behind one NAT still fits
 * ```
 *
 * @see spec/operators/max-clients-per-ip.spec.ts
 */
export function maxClientsPerIp(limit: number): ChatOperator {
  if (limit <= 0) return (source) => source;
  const refusal = tooManyConnections(limit);
  return admission(() => {
    const open = new Map<string, number>();
    const keys = new Map<ClientId, string>();
    return {
      admit({ id, remote }) {
        const key = addressKey(remote.address);
        const count = open.get(key) ?? 0;
        if (count >= limit) return refusal;
        open.set(key, count + 1);
        keys.set(id, key);
        return undefined;
      },
      release(id) {
        const key = keys.get(id)!;
        keys.delete(id);
        const count = open.get(key)! - 1;
        if (count === 0) open.delete(key);
        else open.set(key, count);
      },
    };
  });
}
