import { type ChatServer, createChatServer } from '../../src/server/create-chat-server';
import { LineClient } from '../support/line-client';
import { CLIENT_JS, PTY_RUN, killSpawned, spawnCommand, waitForExit } from '../support/processes';
import { Screen } from '../support/screen';
import { PYTHON3, describeWithTool } from '../support/system-tool';
import { waitUntil } from '../support/waiting';

describeWithTool(PYTHON3, 'rxchat on a real pseudo-terminal', () => {
  let server: ChatServer;
  let peer: LineClient | undefined;
  beforeEach(async () => {
    const names = ['alice', 'bob'];
    server = await createChatServer({
      host: '127.0.0.1',
      port: 0,
      names: () => names.shift() ?? 'guest',
      closeTimeoutMs: 200,
    });
  });
  afterEach(async () => {
    await killSpawned();
    peer?.socket.destroy();
    await server.close();
  });

  it('keeps the half-typed line under incoming lines, colours names, and leaves on Ctrl-C', async () => {
    const env = { TERM: 'xterm', NO_COLOR: undefined };
    const run = spawnCommand(
      'pty client',
      'python3',
      [PTY_RUN, process.execPath, CLIENT_JS, '--port', String(server.port)],
      env,
    );
    const screen = new Screen(80);
    let seen = 0;
    const lines = () => {
      screen.write(run.stdout().slice(seen));
      seen = run.stdout().length;
      return screen.lines();
    };
    const showing = (what: string, check: (l: string[]) => boolean) =>
      waitUntil(
        () => check(lines()),
        10_000,
        what,
        () => `${lines().join('\n')}\n--- stderr:\n${run.stderr()}`,
      );

    await showing('the welcome', (l) => l.some((x) => x.includes('Welcome, alice!')));
    peer = await LineClient.connect(server.port, 'peer');
    await showing('bob joining', (l) => l.some((x) => x.includes('bob joined the chat')));
    run.child.stdin.write('hello wor');
    await showing('the typed text', (l) => l.at(-1) === '> hello wor');
    peer.send('hi alice');
    await showing('the incoming line', (l) => l.includes('bob: hi alice'));

    expect(lines().slice(-2)).toEqual(['bob: hi alice', '> hello wor']);
    // A name is coloured on a terminal, and the same way each time.
    const bobColoured = run.stdout().match(/(\x1b\[\d+m)bob\x1b\[0m: hi alice/);
    expect(bobColoured).not.toBeNull();
    expect(run.stdout()).toContain(`${bobColoured![1]}bob\x1b[0m \x1b[2mjoined the chat`);

    run.child.stdin.write('\x03');
    expect(await waitForExit(run, 10_000)).toBe(0);
    await waitUntil(
      () => peer!.lines.includes('[-] alice left the chat.'),
      5_000,
      'alice to leave',
      () => peer!.lines.join('\n'),
    );
  });
});
