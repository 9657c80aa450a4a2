import { Observable } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';
import type { ChatEvent, ClientId, Notice } from '../core/events';

export const SERVER_FULL: Notice = { code: 'server-full' };

/**
 * Admission control: past `limit` open connections, a newcomer is told the server is full and
 * closed before it joins, so no welcome and no join. It counts connections it let in (not names:
 * who is online stays the core's registry), and a leave frees a slot.
 */
export function maxClients(limit: number): ChatOperator {
  return (source) =>
    new Observable<ChatEvent>((subscriber) => {
      const admitted = new Set<ClientId>();
      const refused = new Set<ClientId>();
      return source.subscribe({
        next(event) {
          if (event.type === 'connected') {
            if (admitted.size >= limit) {
              refused.add(event.id);
              return subscriber.next({ type: 'kick', id: event.id, reason: SERVER_FULL });
            }
            admitted.add(event.id);
          } else if (event.type === 'disconnected') {
            admitted.delete(event.id);
            if (refused.delete(event.id)) return;
          } else if ('id' in event && refused.has(event.id)) {
            return; // a refused client's lines go nowhere
          }
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
