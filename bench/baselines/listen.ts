import type { AddressInfo, Server } from 'node:net';

/** Parses `--host H --port P` (what the bench passes), listens, and prints the line the bench reads. */
export function listenFromArgs(server: Server): void {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 && at + 1 < args.length ? args[at + 1]! : fallback;
  };
  const host = flag('--host', '127.0.0.1');
  const port = Number(flag('--port', '0'));
  server.listen({ host, port, backlog: 4096 }, () => {
    const address = server.address() as AddressInfo;
    process.stdout.write(`Server listening on ${address.address}:${address.port}\n`);
  });
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
