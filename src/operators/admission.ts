import { Observable } from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { ClientId, ConnectedEvent, ConnectingEvent, Notice } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';

/** A newcomer as admission sees it: its first event. */
export type Newcomer = ConnectingEvent | ConnectedEvent;

/** One admission limit's bookkeeping, fresh for each subscription. */
export interface AdmissionPolicy {
  /** Lets a newcomer in (`undefined`: it holds its place until `release`) or refuses it with a notice. */
  admit(newcomer: Newcomer): Notice | undefined;
  /** An admitted connection ended. */
  release(id: ClientId): void;
}

/**
 * The stream logic every admission limit shares. A connection is judged at its first event:
 * `connecting` while its TLS handshake is under way (so a connection stuck in its handshake already
 * counts), `connected` otherwise. A refused one is replaced by a `kick` with the policy's notice
 * (the core tells it why and closes it; it never joined, so nothing is announced), and its later
 * events go nowhere, its disconnect included. An admitted one's disconnect releases its place.
 *
 * ```text
 * --a--b--l--y--x--c--|   a, b, c: clients 1, 2, 3 connecting   l: line of 2   y, x: 2, 1 disconnected
 *   [   admission(one at a time)   ]
 * --a--K--------x--c--|   K: kick 2 with the policy's notice; l and y go nowhere; x frees the place
 * ```
 *
 * @example
 * ```ts
 * import { admission } from 'rxchat';
 *
 * // Refuse everyone while a flag is set.
 * const closedNotice = { code: 'server-full' } as const;
 * const gate = (isClosed: () => boolean) =>
 *   admission(() => ({ admit: () => (isClosed() ? closedNotice : undefined), release: () => undefined }));
 * ```
 *
 * @see spec/operators/admission.spec.ts
 */
export function admission(createPolicy: () => AdmissionPolicy): ChatOperator {
  return (source) =>
    new Observable<PipelineEvent>((subscriber) => {
      const policy = createPolicy();
      const admitted = new Set<ClientId>();
      const refused = new Set<ClientId>();
      return source.subscribe({
        next(event) {
          if (event.type === 'connecting' || event.type === 'connected') {
            if (refused.has(event.id)) return;
            if (!admitted.has(event.id)) {
              const refusal = policy.admit(event);
              if (refusal !== undefined) {
                refused.add(event.id);
                return subscriber.next({ type: 'kick', id: event.id, reason: refusal });
              }
              admitted.add(event.id);
            }
          } else if (event.type === 'disconnected') {
            if (refused.delete(event.id)) return;
            if (admitted.delete(event.id)) policy.release(event.id);
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
