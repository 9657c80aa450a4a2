import { type ChatServer, type ChatServerOptions, createChatServer } from '../../src/server/create-chat-server';
import type { ChatOutput, LogEntry } from '../../src/core/events';
import { formatLog } from '../../src/format/log-format';
import { joined, welcome } from './chat-text';
import { LineClient } from './line-client';
import { withTimeout } from './waiting';

/** Deterministic names for integration tests, in connection order. */
export const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'] as const;

export function listSource(names: readonly string[] = NAMES): () => string {
  let next = 0;
  return () => names[next++ % names.length]!;
}

export interface TestServer {
  readonly server: ChatServer;
  readonly port: number;
  /** The log entries so far. */
  readonly log: LogEntry[];
  /** The log as the CLI prints it. */
  logLines(): string[];
  /** Every core output so far. */
  readonly outputs: ChatOutput[];
  /** Clients opened with `join`, closed by `stop`. */
  readonly clients: LineClient[];
  /**
   * Connects a client and waits until it and everyone before it has seen its join, so that names
   * are handed out in the order of the calls.
   */
  join(): Promise<LineClient>;
  /** Joins `count` clients one after the other. */
  joinAll(count: number): Promise<LineClient[]>;
  /** Closes the server (bounded) and destroys every client socket still open. */
  stop(): Promise<void>;
}

/** A chat server on 127.0.0.1, a free port, deterministic names, its log and outputs recorded. */
export async function startServer(options: ChatServerOptions = {}): Promise<TestServer> {
  const log: LogEntry[] = [];
  const outputs: ChatOutput[] = [];
  const clients: LineClient[] = [];
  const server = await createChatServer({
    host: '127.0.0.1',
    port: 0,
    names: listSource(),
    closeTimeoutMs: 500,
    // These tests prove the basic protocol: floods are the protection specs' business.
    rate: 0,
    ...options,
    onLog: (entry) => {
      log.push(entry.entry);
      options.onLog?.(entry);
    },
  });
  const subscription = server.outputs$.subscribe((output) => outputs.push(output));
  let joins = 0;
  let stopped = false;

  const join = async (): Promise<LineClient> => {
    const name = NAMES[joins++ % NAMES.length]!;
    const client = await LineClient.connect(server.port, name);
    clients.push(client);
    await client.readUntil(welcome(name));
    await client.readUntil(joined(name));
    for (const other of clients) {
      if (other !== client && !other.closed) await other.readUntil(joined(name));
    }
    return client;
  };

  return {
    server,
    port: server.port,
    log,
    logLines: () => log.map(formatLog),
    outputs,
    clients,
    join,
    async joinAll(count) {
      const joinedClients: LineClient[] = [];
      for (let i = 0; i < count; i++) joinedClients.push(await join());
      return joinedClients;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await withTimeout(server.close(), 5_000, 'the chat server to close');
      } finally {
        subscription.unsubscribe();
        for (const client of clients) client.destroy();
      }
    },
  };
}
