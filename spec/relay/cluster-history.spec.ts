/**
 * History and sessions across processes (issue 16): real server processes over one real
 * redis-server. A newcomer on one process sees the scrollback of lines said on another, with the
 * same ids; a session resumes on a surviving process after the process it was on died (-9).
 */
import { LineClient } from '../support/line-client';
import { describeWithRedis } from '../support/redis-server';
import { NODE_TIMEOUT_SECONDS, WELCOME, clusterProcesses } from './support/cluster-processes';

jest.setTimeout(40_000);

const HISTORY = /^\[history [^\]]+\] /;
const SESSION = /^\[\*\] session ([A-Za-z0-9_-]{24}) \(/;

describeWithRedis('history and sessions across processes, over Redis', () => {
  const { startProcess, joinAll } = clusterProcesses();

  it('resumes a session on a surviving process after its process was killed (-9), replaying what it missed once', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [alice, bob] = await joinAll([p1.port, p2.port]);
    bob!.client.send('/session');
    const token = (await bob!.client.readUntil(SESSION, 10_000)).match(SESSION)![1]!;
    alice!.client.send('seen by bob');
    await bob!.client.readUntil(`${alice!.name}: seen by bob`, 10_000);

    p2.server.signal('SIGKILL');
    await alice!.client.readUntil(`[-] ${bob!.name} left the chat.`, (NODE_TIMEOUT_SECONDS + 3) * 1_000);
    // More than the scrollback (20): the newcomer's scrollback shows the last ones, the replay the rest.
    for (let i = 1; i <= 25; i++) alice!.client.send(`missed ${i}`);

    // Back on the surviving process.
    const back = await LineClient.connect(p1.port, 'bob again');
    const welcome = await back.readUntil(WELCOME, 10_000);
    expect(welcome).not.toContain(`Welcome, ${bob!.name}!`);
    back.send(`/resume ${token}`);
    await back.readUntil(`[*] resumed as ${bob!.name} in #lobby`, 10_000);
    back.send('/rooms');
    await back.readUntil(/^\[\*\] 1 room: /, 10_000);

    const said = back.lines
      .filter((line) => line.includes(`${alice!.name}: `))
      .map((line) => line.replace(HISTORY, ''));
    // Each missed line once (scrollback and replay together), and nothing from before the drop again.
    for (let i = 1; i <= 25; i++) expect(said.filter((line) => line === `${alice!.name}: missed ${i}`)).toHaveLength(1);
    expect(said).not.toContain(`${alice!.name}: seen by bob`);
    expect(said).toHaveLength(25);
    await alice!.client.readUntil(new RegExp(`is now known as ${bob!.name}$`), 10_000);
  });

  it('shows a newcomer on one process the scrollback of lines said on another', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [alice] = await joinAll([p1.port]);
    alice!.client.send('from p1');
    alice!.client.send('/rooms');
    await alice!.client.readUntil(/^\[\*\] 1 room: /, 10_000);
    const bob = await LineClient.connect(p2.port, 'bob');
    await bob.readUntil(WELCOME, 10_000);
    expect((await bob.nextLine(10_000)).replace(HISTORY, '')).toBe(`${alice!.name}: from p1`);
  });
});
