import type { Observable } from 'rxjs';
import type { ChatEvent, ChatOutput } from '../core/events';

/**
 * What a transport is to the chat (a Cycle.js driver): a stream of events from its clients, and a
 * sink for the core's outputs, of which it acts on the deliveries and closes addressed to its own
 * clients and ignores the rest. TCP/TLS and WebSocket are two; the server wires any number of them
 * to one hub, one set of operators and one core.
 */
export interface ChatTransport {
  /** A short name for logs and metrics: 'tcp', 'websocket'. */
  readonly name: string;
  /** Every connection's events, merged; subscribed once, before `listen`. */
  readonly events$: Observable<ChatEvent>;
  handle(output: ChatOutput): void;
  /** Starts accepting; resolves once it does, rejects (nothing left listening) if it cannot. */
  listen(): Promise<void>;
  /** Stops accepting; resolves when every connection is gone. */
  close(): Promise<void>;
  /** Where it listens, once listening. */
  address(): { readonly host: string; readonly port: number } | undefined;
  /** Destroys every connection at once: the last resort of a shutdown that took too long. */
  destroyAll(): void;
}
