/**
 * What transports and operators report for the operator's view (metrics and logs), as small optional
 * hooks. They know nothing of Prometheus: the server's `ConnectionLedger` (its `ChatMetrics`) implements
 * them, and its exposition turns the numbers into metrics when scraped. Reasons are open strings, so
 * a new policy needs no change here.
 */
import type { ClientId, RemoteAddress } from '../core/events';

/** Lines a policy dropped (an operator's hook: the rate limiter). */
export interface LineDrops {
  /** `reason` is the notice code the sender is told (`rate-limited`), or a short word when it is told nothing. */
  dropped(reason: string, lines?: number): void;
}

/** Something whose unsent output can be summed when scraped (an `OutputQueue`). */
export interface BufferedOutput {
  bufferedBytes(): number;
}

/**
 * What a transport reports. `bytesSent` and `deliveries` are plain fields that the outgoing queue
 * adds to in place, once per delivery or flush: no call, no allocation on the fan-out path.
 */
export interface TransportMetrics {
  /** Bytes handed to sockets. */
  bytesSent: number;
  /** Messages queued to a client: one per recipient. */
  deliveries: number;
  /**
   * The transport let a client go on its own initiative: 'slow-reader' (over its output limit),
   * 'write-error', or any other short reason a transport adds (e.g. an output budget).
   */
  evicted(id: ClientId, reason: string): void;
  /** A connection was turned away before it became a client (e.g. a TLS handshake that took too long). */
  refused(reason: string, transport: string, remote?: RemoteAddress): void;
  /**
   * Lines the transport discarded natively, before they became events (e.g. a muted flooder's): they
   * count as received and as dropped for `reason`.
   */
  discarded(reason: string, lines?: number): void;
  /** Registers an outgoing queue whose unsent bytes the `rxchat_output_buffered_bytes` gauge sums when scraped. */
  track(output: BufferedOutput): void;
}
