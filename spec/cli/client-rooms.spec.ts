import { execFileSync } from 'node:child_process';
import { roomColour } from '../../src/client/line-style';
import { LineClient } from '../support/line-client';
import { CLIENT_JS, PTY_RUN, killSpawned, spawnCommand, startServerCli, waitForExit } from '../support/processes';
import { Screen } from '../support/screen';
import { waitUntil } from '../support/waiting';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const RESET = '\x1b[0m';

(hasPython() ? describe : describe.skip)('rxchat in rooms, on a real pseudo-terminal, against the server CLI', () => {
  let peer: LineClient | undefined;
  afterEach(async () => {
    peer?.socket.destroy();
    await killSpawned();
  });

  it('shows the current room in the prompt and colours room prefixes', async () => {
    const { port } = await startServerCli();
    const run = spawnCommand('pty client', 'python3', [PTY_RUN, process.execPath, CLIENT_JS, '--port', String(port)], {
      TERM: 'xterm',
      NO_COLOR: undefined,
    });
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
    const prompt = (text: string) => showing(`the prompt ${JSON.stringify(text)}`, (l) => l.at(-1) === text);

    await showing('the welcome', (l) => l.some((x) => x.includes('Welcome, ')));
    const me = /Welcome, (\S+)!/.exec(lines().join('\n'))![1]!;
    // The default room keeps the bare prompt.
    await prompt('>');

    run.child.stdin.write('/join #rust\r');
    await showing('the join', (l) => l.includes(`[#rust] ${me} joined`));
    await prompt('[#rust] >');
    const tag = `${roomColour('#rust')}[#rust]${RESET}`;
    expect(run.stdout()).toContain(`${tag} `); // in the prompt and before the join line

    peer = await LineClient.connect(port, 'peer');
    const them = /Welcome, (\S+)!/.exec(await peer.readUntil(/Welcome, /))![1]!;
    peer.send('/join #rust');
    peer.send('hi from rust');
    await showing('the line in #rust', (l) => l.includes(`[#rust] ${them}: hi from rust`));
    expect(run.stdout()).toMatch(new RegExp(`${escape(tag)} \\x1b\\[\\d+m${them}${escape(RESET)}: hi from rust`));
    // A plain line goes to #rust, the current room.
    run.child.stdin.write('hello rust\r');
    await peer.readUntil(`[#rust] ${me}: hello rust`);

    // /part falls back to the default room, and its bare prompt.
    run.child.stdin.write('/part\r');
    await peer.readUntil(`[#rust] [-] ${me} left`);
    await prompt('>');
    run.child.stdin.write('back in the lobby\r');
    await peer.readUntil(`${me}: back in the lobby`);

    run.child.stdin.write('\x03');
    expect(await waitForExit(run, 10_000)).toBe(0);
  });
});

function escape(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
