/**
 * A TCP proxy in front of Redis for one process under test. Pausing it freezes that process's
 * connections (bytes are held, nothing closes), as a stalled or partitioned process is; pausing
 * only the replies lets its commands run while their answers are lost once the connections are cut.
 */
import { type AddressInfo, type Socket, createConnection, createServer } from 'node:net';

export interface TcpProxy {
  readonly url: string;
  /** Hold the bytes of every connection: both ways, or only Redis's replies. */
  pause(which?: 'both' | 'replies'): void;
  /** Deliver what was held and let bytes flow again. */
  resume(): void;
  /** Drop every current connection (what is held is lost); new ones flow. */
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let held: (() => void)[] = [];
  let paused: 'none' | 'both' | 'replies' = 'none';
  const forward = (from: Socket, to: Socket, isReply: boolean) =>
    from.on('data', (chunk: Buffer) => {
      if (paused === 'both' || (paused === 'replies' && isReply)) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', destroy);
      socket.on('close', () => {
        sockets.delete(socket);
        destroy();
      });
    }
    forward(client, upstream, false);
    forward(upstream, client, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: (which = 'both') => {
      paused = which;
    },
    resume: () => {
      paused = 'none';
      const writes = held;
      held = [];
      for (const write of writes) write();
    },
    cut: () => {
      held = [];
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
