import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { createChatServer } from '../../src/server/create-chat-server';
import { makeCertificate } from '../support/certificates';
import { OPENSSL, describeWithTool } from '../support/system-tool';
import { welcome } from '../support/chat-text';
import { LineClient, destroyAllClients } from '../support/line-client';
import { listSource } from '../support/test-server';
import { withTimeout } from '../support/waiting';

describeWithTool(OPENSSL, 'a TLS chat server shutting down', () => {
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

  it('says goodbye to its TLS clients: only connections still in their handshake are cut short', async () => {
    const cert = makeCertificate();
    try {
      const server = await createChatServer({
        host: '127.0.0.1',
        port: 0,
        names: listSource(),
        tls: { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
        closeTimeoutMs: 200,
      });
      const client = await LineClient.connect(server.port, 'tls client', { tls: true });
      expect(await client.readLines(2)).toEqual([welcome('alice'), 'alice joined the chat']);
      await withTimeout(server.close(), 5_000, 'close()');
      expect(await client.readUntilClosed()).toEqual(['[*] server shutting down']);
    } finally {
      destroyAllClients();
      cert.remove();
    }
  });
});
