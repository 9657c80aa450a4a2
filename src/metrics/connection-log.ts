import type { ClientId, RemoteAddress } from '../core/events';

/**
 * The server's own record of a connection it let go (`evicted`: a slow reader, a failed write, a
 * kick such as the idle timeout) or turned away before it joined (`refused`: server full, ...).
 * `reason` is the notice code the client was told, or the transport's reason.
 */
export interface ConnectionLogEntry {
  readonly type: 'evicted' | 'refused';
  readonly reason: string;
  /** The transport's name: 'tcp', 'websocket'. */
  readonly transport: string;
  readonly id?: ClientId;
  readonly remote?: RemoteAddress;
  /** When it happened (ms since the epoch). */
  readonly at: number;
}
