import type { ChatTransport } from '../transports/chat-transport';

/** A check of readiness: undefined when ready, otherwise why not. */
export type ReadinessCheck = () => string | undefined;

/**
 * What `ChatServer.ready()` and GET /readyz answer: 'starting' until every transport listens, then
 * the first of: a transport that stopped listening, the `checks` (the relay, the caller's), and from
 * the first moment of a shutdown its reason. Made before the transports, since the web transport
 * serves it.
 */
export class Readiness {
  private listening: readonly ChatTransport[] | undefined;
  private stopping: string | undefined;

  constructor(private readonly checks: readonly ReadinessCheck[]) {}

  /** Every one of `transports` listens: ready from now on while they all do and the checks pass. */
  accepting(transports: readonly ChatTransport[]): void {
    this.listening = transports;
  }

  /** Not ready from now on, for `reason`; the first reason stays. */
  stop(reason: string): void {
    this.stopping ??= reason;
  }

  /** Undefined when ready, otherwise why not. */
  readonly reason: ReadinessCheck = () => {
    if (this.stopping !== undefined) return this.stopping;
    if (this.listening === undefined) return 'starting';
    for (const transport of this.listening) {
      if (transport.address() === undefined) return `${transport.name} not listening`;
    }
    for (const check of this.checks) {
      const reason = check();
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}
