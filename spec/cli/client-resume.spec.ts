/**
 * The terminal client resumes by itself (issue 16): its connection to the real server CLI runs
 * through a proxy that the spec cuts; the server sees it drop, a peer speaks meanwhile, and the
 * client comes back under its name, in its rooms, with the missed line shown once, as history.
 */
import { startProxy, type TcpProxy } from '../relay/support/tcp-proxy';
import { LineClient } from '../support/line-client';
import { CLIENT_JS, PTY_RUN, killSpawned, spawnCommand, startServerCli, waitForExit } from '../support/processes';
import { Screen } from '../support/screen';
import { PYTHON3, describeWithTool } from '../support/system-tool';
import { waitUntil } from '../support/waiting';

jest.setTimeout(30_000);

describeWithTool(PYTHON3, 'rxchat resumes its session after a dropped connection', () => {
  let peer: LineClient | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    peer?.socket.destroy();
    await proxy?.close();
    await killSpawned();
  });

  it('comes back with its name and rooms, and shows the line said meanwhile once, as history', async () => {
    const { port } = await startServerCli();
    proxy = await startProxy(port);
    const run = spawnCommand('pty client', 'python3', [
      PTY_RUN,
      process.execPath,
      CLIENT_JS,
      '--port',
      new URL(proxy.url).port,
    ]);
    const screen = new Screen(200);
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

    await showing('the welcome', (l) => l.some((x) => x.includes('Welcome, ')));
    const me = /Welcome, (\S+)!/.exec(lines().join('\n'))![1]!;
    // Its /session went out after the welcome: the answer comes before the join's.
    run.child.stdin.write('/join #rust\r');
    await showing('the join', (l) => l.includes(`[#rust] ${me} joined`));
    peer = await LineClient.connect(port, 'peer');
    const them = /Welcome, (\S+)!/.exec(await peer.readUntil(/Welcome, /))![1]!;
    peer.send('/join #rust');
    await showing('the peer in #rust', (l) => l.includes(`[#rust] ${them} joined`));

    proxy.cut();
    await peer.readUntil(`[-] ${me} left the chat.`);
    peer.send('said while you were away');
    await showing('the reconnect', (l) => l.some((x) => x.startsWith('[*] reconnected to 127.0.0.1:')));
    await showing('the resume', (l) => l.some((x) => x.startsWith(`[*] resumed as ${me} in `)));
    await showing('the missed line', (l) =>
      l.some((x) => /^\[#rust\] \[history [0-9: -]+ UTC\] \S+: said while you were away$/.test(x)),
    );
    await showing('the prompt in #rust', (l) => l.at(-1) === '[#rust] >');

    // It is back as itself, and its plain lines go to #rust as before.
    run.child.stdin.write('back again\r');
    await peer.readUntil(`[#rust] ${me}: back again`);
    const screenText = lines();
    expect(screenText.filter((x) => x.includes('said while you were away'))).toHaveLength(1);
    expect(screenText.join('\n')).not.toContain('[*] session ');

    run.child.stdin.write('\x03');
    expect(await waitForExit(run, 10_000)).toBe(0);
  });
});
