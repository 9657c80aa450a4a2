import { type AddressInfo, type Server, connect, createServer } from 'node:net';
import { firstValueFrom, toArray } from 'rxjs';
import { type ConnectionEvent, ReconnectingConnection } from '../../src/client/reconnecting-connection';
import { withTimeout } from '../support/waiting';

let server: Server | undefined;
afterEach(() => server?.close());

/** A server that sends `payload` to each client, then hangs up. */
async function serverSending(payload: string): Promise<number> {
  server = createServer((socket) => socket.end(payload));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the client connection', () => {
  it('drops a server line over 1 MiB instead of buffering it, says so, and goes on', async () => {
    const port = await serverSending(`${'x'.repeat(1200 * 1024)}\nok\n`);
    const connection = await ReconnectingConnection.open({
      dial: () =>
        new Promise((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
        }),
      reconnect: false,
    });
    const events = await withTimeout(
      firstValueFrom(connection.events$.pipe(toArray())),
      5_000,
      'the connection to end',
    );
    const lines = events.filter((event): event is Extract<ConnectionEvent, { type: 'line' }> => event.type === 'line');
    expect(lines.map((line) => line.text)).toEqual(['[!] dropped a line over 1048576 bytes from the server', 'ok']);
  });
});
