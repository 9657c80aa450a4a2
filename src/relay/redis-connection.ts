import Redis from 'ioredis';

export interface RelayConnectionOptions {
  readonly url: string;
  /** Shown by CLIENT LIST. */
  readonly name: string;
  readonly connectTimeoutMs: number;
  /** The delay before reconnection attempt `attempt`, or null for none. */
  readonly reconnectDelay: (attempt: number) => number | null;
  readonly onError: (message: string) => void;
  readonly onClose: () => void;
}

/**
 * A connection that never decides on its own what to send: no command waits for a connection, and
 * none is re-sent to a Redis that may have restarted empty (a duplicate publish, a read from a stale
 * position). The relay decides what to redo.
 */
export function relayConnection(options: RelayConnectionOptions): Redis {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.name,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs,
    // How long disconnect() waits for a graceful close: its timer outlives a socket that failed already.
    disconnectTimeout: 200,
    retryStrategy: options.reconnectDelay,
    // RESP2: the reply shapes the relay parses (XREAD) do not depend on the server's version.
    protocol: 2,
  });
  redis.on('error', (error: Error) => options.onError(error.message));
  redis.on('close', options.onClose);
  return redis;
}

/**
 * Deadlines for Redis commands. With autoResendUnfulfilledCommands off, a command in flight at a
 * disconnect never settles; ioredis's commandTimeout would do, but its timers outlive a disconnect
 * and keep a stopping process alive. These are cleared at once by `clear()`.
 */
export class CommandDeadlines {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Settles like `command`, or rejects after `ms` and drops `connection` (it may be half-open) for a fresh one. */
  run<T>(command: Promise<T>, connection: Redis, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        reject(new Error(`no answer from Redis within ${ms} ms`));
        connection.disconnect(true);
      }, ms);
      this.timers.add(timer);
      const settle = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
      };
      command.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /** Forgets every command in flight: they will never settle. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
