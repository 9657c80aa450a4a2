import { createServer } from 'node:net';
import { delay } from 'rxjs';
import { type ChatServer, createChatServer } from '../../src/server/create-chat-server';
import { type TestCertificate, makeCertificate } from '../support/certificates';
import { OPENSSL, describeWithTool } from '../support/system-tool';
import {
  CLIENT_JS,
  type Spawned,
  killSpawned,
  spawnCommand,
  spawnNode,
  startServerCli,
  waitForExit,
  waitForStdout,
} from '../support/processes';

const WELCOME = /\[\*\] Welcome, (\S+)! Type \/help for commands\.\n/;

function client(name: string, args: readonly string[]): Spawned {
  return spawnNode(name, CLIENT_JS, ['--host', '127.0.0.1', ...args]);
}

/** A port nothing listens on: one the OS just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

afterEach(killSpawned);

describe('rxchat, scripted (stdin not a terminal)', () => {
  it('lets two clients talk through pipes, server lines unchanged on stdout', async () => {
    const { port } = await startServerCli();
    const a = client('client A', ['--port', String(port)]);
    const [, nameA] = await waitForStdout(a, WELCOME);
    const b = client('client B', ['--port', String(port)]);
    const [, nameB] = await waitForStdout(b, WELCOME);
    await waitForStdout(a, new RegExp(`^${nameB} joined the chat$`, 'm'));

    a.child.stdin.write('hello from A\n');
    await waitForStdout(b, new RegExp(`^${nameA}: hello from A$`, 'm'));
    b.child.stdin.end('hi A\n');
    await waitForStdout(a, new RegExp(`^${nameB}: hi A$`, 'm'));
    expect(await waitForExit(b)).toBe(0);
    await waitForStdout(a, new RegExp(`^\\[-\\] ${nameB} left the chat\\.$`, 'm'));
    a.child.stdin.end();
    expect(await waitForExit(a)).toBe(0);

    // Exactly the protocol's lines: no prompt, no colour, nothing added.
    expect(b.stdout()).toBe(
      `[*] Welcome, ${nameB}! Type /help for commands.\n${nameB} joined the chat\n${nameA}: hello from A\n`,
    );
    expect(b.stderr()).toBe('');
  });

  describe('against an in-process server', () => {
    let server: ChatServer;
    beforeEach(async () => {
      server = await createChatServer({
        host: '127.0.0.1',
        port: 0,
        maxLineBytes: 16,
        closeTimeoutMs: 200,
        // A slow server: its answers come after the client has sent everything, as over a real network.
        operators: [(events$) => events$.pipe(delay(50))],
      });
    });
    afterEach(() => server.close());

    it('at end of input, waits for the answer to its last line before leaving', async () => {
      const c = client('client', ['--port', String(server.port)]);
      c.child.stdin.end(`${'x'.repeat(40)}\n`);
      expect(await waitForExit(c)).toBe(0);
      expect(c.stdout()).toMatch(/^\[!\] line too long \(max 16 bytes\)$/m);
    });

    it('composes in a shell pipeline', async () => {
      const pipeline = spawnCommand('pipeline', 'sh', [
        '-c',
        `printf 'hi\\n' | "${process.execPath}" "${CLIENT_JS}" --port ${server.port} | grep -c '^\\[\\*\\] Welcome'`,
      ]);
      expect(await waitForExit(pipeline)).toBe(0);
      expect(pipeline.stdout()).toBe('1\n');
    });

    it('exits when the server goes away, even with stdin still open', async () => {
      const c = client('client', ['--port', String(server.port)]);
      await waitForStdout(c, WELCOME);
      await server.close();
      expect(await waitForExit(c)).toBe(0);
      expect(c.stdout()).toMatch(/^\[\*\] server shutting down$/m);
    });
  });
});

describe('rxchat, connection errors', () => {
  it('says the connection was refused and exits with 1', async () => {
    const c = client('client', ['--port', String(await closedPort())]);
    expect(await waitForExit(c)).toBe(1);
    expect(c.stderr()).toMatch(/^rxchat: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  });

  it('says the host was not found and exits with 1', async () => {
    const c = spawnNode('client', CLIENT_JS, ['--host', 'no-such-host.invalid', '--port', '5000']);
    expect(await waitForExit(c, 15_000)).toBe(1);
    expect(c.stderr()).toMatch(/host not found: no-such-host\.invalid/);
  });

  it.each(['0', '65536', 'abc'])('rejects port %s with usage and exit code 2', async (port) => {
    const c = client('client', ['--port', port]);
    expect(await waitForExit(c)).toBe(2);
    expect(c.stderr()).toMatch(/^rxchat: invalid port: "\w+" \(expected 1-65535\)/);
    expect(c.stderr()).toMatch(/Usage: rxchat/);
  });
});

describeWithTool(OPENSSL, 'TLS end to end (certificate made with openssl)', () => {
  let cert: TestCertificate;
  beforeAll(() => {
    cert = makeCertificate();
  });
  afterAll(() => cert.remove());

  const tlsServer = () => startServerCli(['--tls-cert', cert.certFile, '--tls-key', cert.keyFile]);

  it('rejects an untrusted certificate by default', async () => {
    const { port } = await tlsServer();
    const c = client('client', ['--port', String(port), '--tls']);
    expect(await waitForExit(c)).toBe(1);
    expect(c.stderr()).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ rejected: self-signed certificate/);
    expect(c.stdout()).toBe('');
  });

  it('talks to a certificate it trusts with --ca, same protocol inside', async () => {
    const { port } = await tlsServer();
    const a = client('client A', ['--port', String(port), '--tls', '--ca', cert.certFile]);
    await waitForStdout(a, WELCOME);
    const b = client('client B', ['--port', String(port), '--tls', '--ca', cert.certFile]);
    const [, nameB] = await waitForStdout(b, WELCOME);
    b.child.stdin.end('over TLS\n');
    await waitForStdout(a, new RegExp(`^${nameB}: over TLS$`, 'm'));
    expect(await waitForExit(b)).toBe(0);
    expect(b.stderr()).toBe('');
  });

  it('connects with --insecure, and warns on stderr', async () => {
    const { port } = await tlsServer();
    const c = client('client', ['--port', String(port), '--tls', '--insecure']);
    await waitForStdout(c, WELCOME);
    c.child.stdin.end();
    expect(await waitForExit(c)).toBe(0);
    expect(c.stderr()).toMatch(/warning: --insecure: the server certificate is not verified/);
  });

  it('reports a CA file it cannot read, by name', async () => {
    const c = client('client', ['--port', '5000', '--tls', '--ca', `${cert.dir}/missing.pem`]);
    expect(await waitForExit(c)).toBe(2);
    expect(c.stderr()).toContain(`cannot read CA file ${cert.dir}/missing.pem`);
  });
});
