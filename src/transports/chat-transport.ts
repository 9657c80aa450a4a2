import type { Observable } from 'rxjs';
import type { ChatEvent, ChatOutput } from '../core/events';

/**
 * What a transport is to the chat (a Cycle.js driver): a stream of events from its clients, and a
 * sink for the core's outputs, of which it acts on the deliveries and closes addressed to its own
 * clients and ignores the rest. TCP is one; a WebSocket transport would render the same
 * deliveries as JSON; a Redis relay would carry events between processes.
 */
export interface ChatTransport {
  readonly events$: Observable<ChatEvent>;
  handle(output: ChatOutput): void;
}
