import { SERVER_USAGE, parsePort, parseServerArgs } from '../../src/cli/server-args';

// The host and port; the policy flags have tests of their own.
const run = (host: string, port: number) => ({ kind: 'run', args: expect.objectContaining({ host, port }) });

describe('the server command line', () => {
  it('listens on 127.0.0.1:5000 by default', () => {
    expect(parseServerArgs([], {})).toEqual(run('127.0.0.1', 5000));
  });

  it('takes --host and --port', () => {
    expect(parseServerArgs(['--host', '0.0.0.0', '--port', '6000'], {})).toEqual(run('0.0.0.0', 6000));
    expect(parseServerArgs(['--port=0'], {})).toEqual(run('127.0.0.1', 0));
  });

  it('takes CHAT_HOST and CHAT_PORT from the environment', () => {
    expect(parseServerArgs([], { CHAT_HOST: '::1', CHAT_PORT: '7000' })).toEqual(run('::1', 7000));
  });

  it('lets flags win over the environment', () => {
    expect(parseServerArgs(['--host', 'localhost', '--port', '0'], { CHAT_HOST: '::1', CHAT_PORT: 'nonsense' })).toEqual(
      run('localhost', 0),
    );
  });

  it('asks for help with --help or -h, and for the version with --version or -v', () => {
    expect(parseServerArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseServerArgs(['-h', '--port', 'bad'], {})).toEqual({ kind: 'help' });
    expect(parseServerArgs(['--version'], {})).toEqual({ kind: 'version' });
    expect(parseServerArgs(['-v'], {})).toEqual({ kind: 'version' });
  });

  it.each([
    [['--bogus'], /bogus/],
    [['--port'], /port/],
    [['extra'], /unexpected argument: extra/],
    [['--port', 'abc'], /invalid --port: "abc"/],
    [['--port=-1'], /invalid --port: "-1"/],
    [['--port', '65536'], /invalid --port: "65536"/],
    [['--port', '1.5'], /invalid --port/],
    [['--port', ''], /invalid --port/],
    [['--host', ''], /invalid host/],
    [['--host', '   '], /invalid host/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseServerArgs(argv, {})).toThrow(message);
  });

  it('rejects an invalid port or an empty host from the environment too', () => {
    expect(() => parseServerArgs([], { CHAT_PORT: 'http' })).toThrow(/invalid --port: "http"/);
    expect(() => parseServerArgs([], { CHAT_HOST: '' })).toThrow(/invalid host/);
  });

  describe('parsePort', () => {
    it.each([
      ['0', 0],
      ['5000', 5000],
      ['65535', 65535],
      [' 80 ', 80],
    ])('reads %j as %d', (text, port) => {
      expect(parsePort(text)).toBe(port);
    });
  });

  it('documents every option in the usage text', () => {
    for (const option of ['--host', '--port', '--help', '--version', 'CHAT_HOST', 'CHAT_PORT']) {
      expect(SERVER_USAGE).toContain(option);
    }
  });
});
