import { parseClientArgs } from '../../src/client/client-args';

describe('parseClientArgs', () => {
  it('defaults to 127.0.0.1:5000, plain TCP, reconnecting', () => {
    expect(parseClientArgs([], {})).toEqual({ kind: 'run', args: { host: '127.0.0.1', port: 5000, reconnect: true } });
  });

  it('takes flags over CHAT_HOST and CHAT_PORT', () => {
    const env = { CHAT_HOST: 'envhost', CHAT_PORT: '6000' };
    expect(parseClientArgs([], env)).toMatchObject({ args: { host: 'envhost', port: 6000 } });
    expect(parseClientArgs(['--host', 'h', '--port', '7000'], env)).toMatchObject({ args: { host: 'h', port: 7000 } });
  });

  it('reads --tls, --ca, --insecure and --no-reconnect', () => {
    expect(parseClientArgs(['--tls', '--ca', 'ca.pem', '--no-reconnect'], {})).toEqual({
      kind: 'run',
      args: { host: '127.0.0.1', port: 5000, reconnect: false, tls: { caFile: 'ca.pem', insecure: false } },
    });
    expect(parseClientArgs(['--tls', '--insecure'], {})).toMatchObject({ args: { tls: { insecure: true } } });
  });

  it.each([
    [['--port', '0'], /invalid port/],
    [['--port', '65536'], /invalid port/],
    [['--port', '12ab'], /invalid port/],
    [['--host', ' '], /invalid host/],
    [['--ca', 'ca.pem'], /only apply with --tls/],
    [['--insecure'], /only apply with --tls/],
    [['--tls', '--ca', 'ca.pem', '--insecure'], /contradict/],
    [['extra'], /unexpected argument: extra/],
    [['--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseClientArgs(argv, {})).toThrow(message);
  });

  it('answers --help and --version', () => {
    expect(parseClientArgs(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseClientArgs(['--version'], {})).toEqual({ kind: 'version' });
  });
});
