import { writeFileSync } from 'node:fs';
import { parseServerArgs } from '../../src/cli/server-args';
import { loadTlsFiles } from '../../src/cli/tls-files';
import { type TestCertificate, makeCertificate } from '../support/certificates';
import { OPENSSL, describeWithTool } from '../support/system-tool';
import { SERVER_JS, killSpawned, spawnNode, waitForExit } from '../support/processes';

describe('server TLS flags', () => {
  it('takes --tls-cert and --tls-key together', () => {
    expect(parseServerArgs(['--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {})).toMatchObject({
      args: { tls: { certFile: 'c.pem', keyFile: 'k.pem' } },
    });
    expect(parseServerArgs([], {})).not.toHaveProperty('args.tls');
  });

  it.each([[['--tls-cert', 'c.pem']], [['--tls-key', 'k.pem']]])('refuses %j alone', (argv) => {
    expect(() => parseServerArgs(argv, {})).toThrow('--tls-cert and --tls-key go together');
  });
});

describeWithTool(OPENSSL, 'server TLS files', () => {
  let cert: TestCertificate;
  beforeAll(() => {
    cert = makeCertificate();
  });
  afterAll(() => cert.remove());
  afterEach(killSpawned);

  it('loads a certificate and key that go together', () => {
    expect(loadTlsFiles(cert)).toEqual({ cert: expect.any(Buffer), key: expect.any(Buffer) });
  });

  it('names a certificate it cannot use', () => {
    const bad = `${cert.dir}/bad.pem`;
    writeFileSync(bad, 'not a certificate');
    expect(() => loadTlsFiles({ certFile: bad, keyFile: cert.keyFile })).toThrow(
      `invalid TLS certificate ${bad} or key ${cert.keyFile}`,
    );
  });

  it.each(['cert', 'key'] as const)('exits non-zero naming a missing %s file', async (which) => {
    const missing = `${cert.dir}/missing-${which}.pem`;
    const files = which === 'cert' ? [missing, cert.keyFile] : [cert.certFile, missing];
    const server = spawnNode('rxchat-server', SERVER_JS, [
      '--port',
      '0',
      '--tls-cert',
      files[0]!,
      '--tls-key',
      files[1]!,
    ]);
    expect(await waitForExit(server)).toBe(1);
    expect(server.stderr()).toContain(`cannot read TLS ${which === 'cert' ? 'certificate' : 'key'} file ${missing}`);
    expect(server.stdout()).not.toContain('Server listening');
  });
});
