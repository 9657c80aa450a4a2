import type { WhoMessage } from './events';
import type { Registry } from './registry';

/** The most names one /who reply lists: its size must not grow with the room. */
export const WHO_MAX_NAMES = 100;

/**
 * The reply to /who: the names online in join order (those starting with `prefix`, ignoring case,
 * when given), at most `WHO_MAX_NAMES` of them, with how many match in all.
 */
export function whoMessage(registry: Registry, prefix?: string): WhoMessage {
  const nameOf = (id: string) => registry.get(id)!.name;
  if (prefix === undefined) {
    return { type: 'who', names: registry.order.slice(0, WHO_MAX_NAMES).map(nameOf), count: registry.size };
  }
  const folded = prefix.toLowerCase();
  const names: string[] = [];
  let count = 0;
  for (const id of registry.order) {
    const name = nameOf(id);
    if (!name.toLowerCase().startsWith(folded)) continue;
    count++;
    if (names.length < WHO_MAX_NAMES) names.push(name);
  }
  return { type: 'who', names, count, prefix };
}
