/**
 * Signals between the edges of the pipeline (the transports) and the operators, which the core
 * never acts on: they travel through the operators beside the chat's events, and the server takes
 * them out before stamping, the relay and the core.
 */
import type { ChatEvent, ClientId, EventBase } from '../core/events';

/**
 * From the rate limiter to the transports (the server routes it there): the client is out of
 * tokens until `until` (ms, on the limiter's clock: Date.now in a server), so its transport may
 * discard its lines unread until then, except `/quit`.
 */
export interface MuteEvent extends EventBase {
  readonly type: 'mute';
  readonly id: ClientId;
  readonly until: number;
}

/**
 * From a transport: it discarded `lines` lines of a muted client without decoding them (blank and
 * over-long ones included), so that the rate limiter can count them toward the excess-flood bound.
 */
export interface DiscardedEvent extends EventBase {
  readonly type: 'discarded';
  readonly id: ClientId;
  readonly lines: number;
}

/** What passes between transports and operators but never reaches the core. */
export type EdgeSignal = MuteEvent | DiscardedEvent;

/** What flows from the transports through the operators: the chat's events and the edge signals. */
export type PipelineEvent = ChatEvent | EdgeSignal;

/** True for an edge signal, which goes no further than the operators. */
export function isEdgeSignal(event: PipelineEvent): event is EdgeSignal {
  return event.type === 'mute' || event.type === 'discarded';
}
