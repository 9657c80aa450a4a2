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
    expect(
      parseServerArgs(['--host', 'localhost', '--port', '0'], { CHAT_HOST: '::1', CHAT_PORT: 'nonsense' }),
    ).toEqual(run('localhost', 0));
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

describe('parseServerArgs: the web page', () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseServerArgs(argv, env);
    if (parsed.kind !== 'run') throw new Error('expected run');
    return parsed.args;
  };

  it('serves the page on 8080 by default, on --http-port or CHAT_HTTP_PORT, and not with --no-http', () => {
    expect(run([])).toMatchObject({ httpPort: 8080, httpPortNamed: false });
    expect(run(['--http-port', '0'])).toMatchObject({ httpPort: 0, httpPortNamed: true });
    expect(run([], { CHAT_HTTP_PORT: '9000' })).toMatchObject({ httpPort: 9000, httpPortNamed: true });
    expect(run(['--http-port', '9001'], { CHAT_HTTP_PORT: '9000' })).toMatchObject({ httpPort: 9001 });
    expect(run(['--no-http'], { CHAT_HTTP_PORT: '9000' }).httpPort).toBeUndefined();
    expect(() => run(['--no-http', '--http-port', '1'])).toThrow('contradict');
    expect(() => run(['--http-port', '70000'])).toThrow('invalid --http-port');
  });

  it('takes --allow-origin as a repeatable origin', () => {
    expect(run([]).allowOrigins).toEqual([]);
    expect(
      run(['--allow-origin', 'https://a.example', '--allow-origin', 'http://b.example:8080']).allowOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => run(['--allow-origin', 'a.example'])).toThrow('invalid --allow-origin');
    expect(() => run(['--allow-origin', 'https://a.example/path'])).toThrow('invalid --allow-origin');
  });
});

describe('parseServerArgs: monitoring and logs', () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseServerArgs(argv, env);
    if (parsed.kind !== 'run') throw new Error('expected run');
    return parsed.args;
  };

  it('takes the metrics token from --metrics-token or CHAT_METRICS_TOKEN, the flag first', () => {
    expect(run([]).metricsToken).toBeUndefined();
    expect(run(['--metrics-token', 'abc']).metricsToken).toBe('abc');
    expect(run([], { CHAT_METRICS_TOKEN: 'from-env' }).metricsToken).toBe('from-env');
    expect(run(['--metrics-token', 'flag'], { CHAT_METRICS_TOKEN: 'env' }).metricsToken).toBe('flag');
    expect(() => run(['--metrics-token', 'with space'])).toThrow('invalid --metrics-token');
    expect(() => run(['--metrics-token', ''])).toThrow('invalid --metrics-token');
    expect(() => run(['--no-http', '--metrics-token', 'abc'])).toThrow('--no-http');
  });

  it('logs text by default, JSON with --log-format json, message text in JSON only with --log-messages', () => {
    expect(run([])).toMatchObject({ logFormat: 'text', logMessages: false });
    expect(run(['--log-format', 'json'])).toMatchObject({ logFormat: 'json', logMessages: false });
    expect(run(['--log-format=json', '--log-messages'])).toMatchObject({ logFormat: 'json', logMessages: true });
    expect(() => run(['--log-format', 'xml'])).toThrow('invalid --log-format: "xml" (expected text or json)');
  });

  it('says in --help that the endpoints live on the HTTP port and go with --no-http', () => {
    expect(SERVER_USAGE).toMatch(/--http-port PORT .*\/metrics, \/healthz and \/readyz/);
    expect(SERVER_USAGE).toMatch(/--no-http .*no \/metrics, \/healthz or \/readyz/);
    for (const option of ['--metrics-token TOKEN', 'CHAT_METRICS_TOKEN', '--log-format FORMAT', '--log-messages']) {
      expect(SERVER_USAGE).toContain(option);
    }
  });
});

describe('parseServerArgs: several processes over Redis', () => {
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const parsed = parseServerArgs(argv, env);
    if (parsed.kind !== 'run') throw new Error('expected run');
    return parsed.args;
  };

  it('takes --redis (or CHAT_REDIS_URL), --chat and --node-timeout', () => {
    expect(run([]).redis).toBeUndefined();
    expect(run(['--redis', 'redis://127.0.0.1:6379'])).toMatchObject({
      redis: 'redis://127.0.0.1:6379',
      chat: 'rxchat',
      nodeTimeoutSeconds: 10,
    });
    expect(run([], { CHAT_REDIS_URL: 'redis://h:1' }).redis).toBe('redis://h:1');
    expect(run(['--redis', 'redis://h:1', '--chat', 'team-2', '--node-timeout', '3'])).toMatchObject({
      chat: 'team-2',
      nodeTimeoutSeconds: 3,
    });
    expect(() => run(['--redis', 'h:1'])).toThrow('invalid --redis');
    expect(() => run(['--redis', 'redis://h:1', '--chat', 'a b'])).toThrow('invalid --chat');
    expect(() => run(['--chat', 'x'])).toThrow('--chat needs --redis');
    expect(() => run(['--redis', 'redis://h:1', '--node-timeout', '0'])).toThrow('invalid --node-timeout');
  });
});

describe('parseServerArgs: admission and the output budget', () => {
  const run = (argv: string[]) => {
    const parsed = parseServerArgs(argv, {});
    if (parsed.kind !== 'run') throw new Error('expected run');
    return parsed.args;
  };

  it('takes --max-total-buffer-bytes, --max-clients-per-ip, --connect-rate and --handshake-timeout', () => {
    expect(
      run([
        '--max-total-buffer-bytes',
        '1048576',
        '--max-clients-per-ip',
        '5',
        '--connect-rate',
        '30',
        '--handshake-timeout',
        '2.5',
      ]),
    ).toMatchObject({
      maxTotalBufferBytes: 1_048_576,
      maxClientsPerIp: 5,
      connectRate: 30,
      handshakeTimeoutSeconds: 2.5,
    });
  });

  it('turns the per-address limits off with 0 (behind a proxy)', () => {
    expect(run(['--max-clients-per-ip', '0', '--connect-rate', '0'])).toMatchObject({
      maxClientsPerIp: 0,
      connectRate: 0,
    });
  });

  it.each([
    [['--max-total-buffer-bytes', '0'], /invalid --max-total-buffer-bytes/],
    [['--max-clients-per-ip=-1'], /invalid --max-clients-per-ip/],
    [['--max-clients-per-ip', '1.5'], /invalid --max-clients-per-ip/],
    [['--connect-rate', 'lots'], /invalid --connect-rate/],
    [['--handshake-timeout', '0'], /invalid --handshake-timeout/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServerArgs(argv, {})).toThrow(message);
  });

  it('names both per-address flags in --help', () => {
    expect(SERVER_USAGE).toContain('--max-clients-per-ip N');
    expect(SERVER_USAGE).toContain('--connect-rate N');
  });
});
