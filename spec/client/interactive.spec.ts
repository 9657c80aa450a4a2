import { delay } from 'rxjs';
import { type ChatServer, createChatServer } from '../../src/server/create-chat-server';
import { dial } from '../../src/client/dial';
import { runInteractive } from '../../src/client/interactive';
import { ReconnectingConnection } from '../../src/client/reconnecting-connection';
import { fakeTerminal } from '../support/fake-terminal';
import { LineClient } from '../support/line-client';
import { waitUntil, withTimeout } from '../support/waiting';

/** Names handed out in order, so that the screen can be compared line by line. */
const namesInOrder =
  (...names: string[]) =>
  () =>
    names.shift() ?? 'guest';

describe('interactive client (fake terminal)', () => {
  const servers: ChatServer[] = [];
  const peers: LineClient[] = [];
  const connections: ReconnectingConnection[] = [];

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.socket.destroy();
    await Promise.all(connections.splice(0).map((c) => c.close(100)));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function startServer(...names: string[]): Promise<ChatServer> {
    const server = await createChatServer({
      host: '127.0.0.1',
      port: 0,
      names: namesInOrder(...names),
      closeTimeoutMs: 200,
    });
    servers.push(server);
    return server;
  }

  async function startClient(portOf: () => number, options: { reconnect: boolean; columns?: number }) {
    const connection = await ReconnectingConnection.open({
      dial: () => dial({ host: '127.0.0.1', port: portOf() }),
      reconnect: options.reconnect,
      backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
    });
    connections.push(connection);
    // Wide by default, so that a notice is one row and can be looked for as such.
    const term = fakeTerminal(options.columns ?? 200);
    const exit = runInteractive({
      input: term.input,
      output: term.output,
      connection,
      terminal: true,
      colour: false,
      label: 'the server',
    });
    const showing = (text: string) =>
      waitUntil(
        () => term.screen.lines().some((l) => l.includes(text)),
        5_000,
        `the screen to show ${JSON.stringify(text)}`,
        () => term.screen.lines().join('\n'),
      );
    return { term, exit, showing };
  }

  async function startPeer(port: number): Promise<LineClient> {
    const peer = await LineClient.connect(port, 'peer');
    peers.push(peer);
    return peer;
  }

  const peerGot = (peer: LineClient, line: string) =>
    waitUntil(
      () => peer.lines.includes(line),
      5_000,
      `the peer to receive ${JSON.stringify(line)}`,
      () => peer.lines.join('\n'),
    );

  it('prints an incoming line above the prompt and leaves the half-typed line intact', async () => {
    const server = await startServer('alice', 'bob');
    const { term, showing } = await startClient(() => server.port, { reconnect: false });
    await showing('Welcome, alice!');
    const bob = await startPeer(server.port);
    await showing('bob joined the chat');

    term.type('hello wor');
    await waitUntil(() => term.screen.lines().at(-1) === '> hello wor', 5_000, 'the typed text to be echoed');
    bob.send('hi alice');
    await showing('bob: hi alice');

    expect(term.screen.lines()).toEqual([
      '[*] Welcome, alice! Type /help for commands.',
      'alice joined the chat',
      'bob joined the chat',
      'bob: hi alice',
      '> hello wor',
    ]);
    expect(term.screen.cursor()).toEqual({ row: 4, col: '> hello wor'.length });

    // readline's own state is intact too: finishing the line sends all of it.
    term.type('ld\r');
    await peerGot(bob, 'alice: hello world');
  });

  it('keeps a typed line that wraps over several rows intact', async () => {
    const server = await startServer('alice', 'bob');
    const { term, showing } = await startClient(() => server.port, { reconnect: false, columns: 20 });
    await showing('Welcome');
    const bob = await startPeer(server.port);
    await showing('bob joined');

    // Key by key, as typed: readline redraws when the text wraps.
    const keyed = 'a long line that wraps';
    for (const key of keyed) term.type(key);
    await waitUntil(() => term.screen.lines().join('').endsWith(keyed), 5_000, 'the typed text to be echoed');
    bob.send('yo');
    await showing('bob: yo');
    expect(term.screen.lines().slice(-3)).toEqual(['bob: yo', '> a long line that w', 'raps']);

    // A paste that wraps again: readline does not redraw, so its idea of the cursor row lags behind.
    const pasted = ' twice, then thrice';
    term.type(pasted);
    const typed = keyed + pasted;
    await waitUntil(() => term.screen.lines().join('').endsWith(typed), 5_000, 'the pasted text to be echoed');
    bob.send('yo again');
    await showing('bob: yo again');
    expect(term.screen.lines().slice(-5)).toEqual([
      'bob: yo',
      'bob: yo again',
      '> a long line that w',
      'raps twice, then thr',
      'ice',
    ]);
    term.type('\r');
    await peerGot(bob, `alice: ${typed}`);
  });

  it.each([
    ['/quit', '/quit\r'],
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])('leaves cleanly on %s', async (_, keys) => {
    const server = await startServer('alice', 'bob');
    const { term, exit, showing } = await startClient(() => server.port, { reconnect: true });
    await showing('Welcome, alice!');
    const bob = await startPeer(server.port);
    await showing('bob joined');

    term.type(keys);
    await expect(withTimeout(exit, 5_000, 'the client to exit')).resolves.toBe(0);
    await peerGot(bob, '[-] alice left the chat.');
  });

  it('says when the server goes away and reconnects with backoff', async () => {
    const first = await startServer('alice');
    let port = first.port;
    const { term, showing } = await startClient(() => port, { reconnect: true });
    await showing('Welcome, alice!');

    await first.close();
    await showing('[*] server shutting down');
    await showing('[!] disconnected from the server: connection closed by the server; reconnecting in');
    term.type('anyone?\r');
    await showing('[!] not connected: your line was not sent');

    const second = await startServer('alice2', 'bob');
    port = second.port;
    await showing('[*] reconnected to the server');
    await showing('Welcome, alice2!');
    const bob = await startPeer(second.port);
    await showing('bob joined');
    term.type('back\r');
    await peerGot(bob, 'alice2: back');
  });

  it('shows the current room in the prompt as it changes, and starts afresh in the default room on a reconnect', async () => {
    const first = await startServer('alice');
    let port = first.port;
    const { term, showing } = await startClient(() => port, { reconnect: true });
    const prompt = (text: string) =>
      waitUntil(
        () => term.screen.lines().at(-1) === text,
        5_000,
        `the prompt ${JSON.stringify(text)}`,
        () => term.screen.lines().join('\n'),
      );
    await showing('Welcome, alice!');
    await prompt('>');

    term.type('/join #rust\r');
    await showing('[#rust] alice joined');
    await prompt('[#rust] >');
    // Rooms one is in: the server says nothing, the prompt follows at once.
    term.type('/join #lobby\r');
    await prompt('>');
    term.type('/join #RUST\r');
    await prompt('[#rust] >');
    term.type('/part\r');
    await prompt('>');
    term.type('/part\r');
    await prompt('(no room) >');
    term.type('anyone?\r');
    await showing('[!] you are in no room (try /join #lobby)');

    // The prompt changes under a half-typed line: it is redrawn whole, once.
    term.type('half');
    await prompt('(no room) > half');
    await first.close();
    await showing('reconnecting in');
    // A slow server: the prompt is back to the default room's on reconnecting, before any welcome.
    const second = await createChatServer({
      host: '127.0.0.1',
      port: 0,
      names: namesInOrder('alice2'),
      closeTimeoutMs: 200,
      operators: [(events$) => events$.pipe(delay(300))],
    });
    servers.push(second);
    port = second.port;
    await showing('[*] reconnected to the server');
    await prompt('> half');
    expect(term.screen.lines().join('\n')).not.toContain('Welcome, alice2!');
    await showing('Welcome, alice2!');
    expect(term.screen.lines().filter((line) => line.includes('half'))).toEqual(['> half']);
    expect(term.screen.cursor()).toEqual({ row: term.screen.lines().length - 1, col: '> half'.length });
  });

  it('exits with 1 when the server goes away and reconnecting is off', async () => {
    const server = await startServer('alice');
    const { exit, showing } = await startClient(() => server.port, { reconnect: false });
    await showing('Welcome, alice!');
    await server.close();
    await expect(withTimeout(exit, 5_000, 'the client to exit')).resolves.toBe(1);
    await showing('[!] disconnected from the server: connection closed by the server');
  });
});
