import type { Server } from 'node:net';

/** Where a server listens, once it does. */
export function listeningAddress(server: Server): { readonly host: string; readonly port: number } | undefined {
  const address = server.address();
  return address === null || typeof address === 'string' ? undefined : { host: address.address, port: address.port };
}

/**
 * Listens, resolving once the server accepts connections and rejecting (nothing listening) if it
 * cannot. From then on a server error (too many open files, ...) is logged as `what`, not a crash.
 */
export function listenOn(
  server: Server,
  options: { port: number; host: string; backlog?: number },
  what: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      server.on('error', (error) => console.error(`[!] ${what} error:`, error.message));
      resolve();
    });
  });
}
