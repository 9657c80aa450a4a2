import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { createChatServer } from '../../src/server/create-chat-server';
import { hasOpenssl, makeCertificate } from '../support/certificates';
import { withTimeout } from '../support/waiting';

(hasOpenssl() ? describe : describe.skip)('a TLS chat server shutting down', () => {
  it('closes even while a client sits in the middle of its handshake', async () => {
    const cert = makeCertificate();
    let stuck: Socket | undefined;
    try {
      const server = await createChatServer({
        host: '127.0.0.1',
        port: 0,
        tls: { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
        closeTimeoutMs: 200,
      });
      // A plain TCP client that never starts the TLS handshake: the transport never hears of it.
      stuck = connect(server.port, '127.0.0.1');
      stuck.on('error', () => undefined);
      await new Promise((resolve) => stuck!.once('connect', resolve));
      const closed = new Promise((resolve) => stuck!.once('close', resolve));
      await withTimeout(server.close(), 5_000, 'close() with a client stuck before its handshake');
      await withTimeout(closed, 5_000, 'the stuck client to be disconnected');
    } finally {
      stuck?.destroy();
      cert.remove();
    }
  });
});
