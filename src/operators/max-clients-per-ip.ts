import type { ChatOperator } from '../pipeline/operator';
import type { ClientId, Notice } from '../core/events';
import { addressKey } from './address-key';
import { admission } from './admission';

export const tooManyConnections = (limit: number): Notice => ({ code: 'too-many-connections', limit });

/**
 * At most `limit` open connections per address (an IPv6 address counts by its /64, see
 * `addressKey`), those still in their TLS handshake included: one more is told so and closed before
 * it joins. 0 turns it off. Behind a proxy every client has the proxy's address: turn it off there.
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
