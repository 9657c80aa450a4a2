import type { Observable } from 'rxjs';
import type { ChatOutput, ClientId } from '../core/events';
import type { PipelineEvent } from '../pipeline/edge-signals';

/**
 * What a transport is to the chat (a Cycle.js driver): a stream of events from its clients, and a
 * sink for the core's outputs, of which it acts on the deliveries and closes addressed to its own
 * clients and ignores the rest. TCP/TLS and WebSocket are two; the server wires any number of them
 * to one hub, one set of operators and one core.
 */
export interface ChatTransport {
  /** A short name for logs and metrics: 'tcp', 'websocket'. */
  readonly name: string;
  /**
   * Every connection's events, merged (with `discarded` signals for muted input); subscribed once,
   * before `listen`.
   */
  readonly events$: Observable<PipelineEvent>;
  handle(output: ChatOutput): void;
  /**
   * The rate limiter's `mute`: until `until` (Date.now ms), the client's lines would be dropped, so
   * the transport may discard them unread (except `/quit`, which always passes), reporting how many
   * with `discarded` events. Ids of other transports' clients are ignored. Optional: without it,
   * the limiter drops those lines itself.
   */
  mute?(id: ClientId, until: number): void;
  /** Starts accepting; resolves once it does, rejects (nothing left listening) if it cannot. */
  listen(): Promise<void>;
  /** Stops accepting; resolves when every connection is gone. */
  close(): Promise<void>;
  /** Where it listens, once listening. */
  address(): { readonly host: string; readonly port: number } | undefined;
  /** Destroys every connection at once: the last resort of a shutdown that took too long. */
  destroyAll(): void;
}
