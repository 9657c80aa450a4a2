/**
 * Several real server processes (`rxchat-server --redis`) and one real redis-server behave as one
 * chat for nc-style clients on different ports: the TCP contract across processes, one order for
 * everyone, a process killed (-9) or stopped (SIGTERM), a late start, and a Redis restart.
 */
import { LineClient } from '../support/line-client';
import { describeWithRedis } from '../support/redis-server';
import { NODE_TIMEOUT_SECONDS, clusterProcesses } from './support/cluster-processes';
import { waitUntil } from '../support/waiting';

jest.setTimeout(40_000);

describeWithRedis('several processes, one chat over Redis', () => {
  const { redis, startProcess, join, joinAll } = clusterProcesses();

  it('keeps the TCP contract across processes: joins, lines to all but the sender, /who, /msg, /me and one winner of a /nick race', async () => {
    const ports = await Promise.all([startProcess(), startProcess(), startProcess()]).then((all) =>
      all.map((p) => p.port),
    );
    const [a, b, c] = await joinAll(ports);

    a!.client.send('hello from the first process');
    await b!.client.readUntil(`${a!.name}: hello from the first process`);
    await c!.client.readUntil(`${a!.name}: hello from the first process`);
    c!.client.send('/me waves');
    await a!.client.readUntil(`* ${c!.name} waves`);
    await b!.client.readUntil(`* ${c!.name} waves`);
    // Never back to its sender.
    expect(a!.client.lines).not.toContain(`${a!.name}: hello from the first process`);

    a!.client.send(`/msg ${c!.name} psst`);
    await c!.client.readUntil(`[pm] ${a!.name}: psst`);

    const who = `[*] 3 online: ${a!.name}, ${b!.name}, ${c!.name}`;
    for (const { client } of [a!, b!, c!]) client.send('/who');
    for (const { client } of [a!, b!, c!]) await client.readUntil(who);

    // Two clients on two processes claim one name at the same moment: the shared order decides.
    b!.client.send('/nick Contested');
    c!.client.send('/nick Contested');
    const renamed = await a!.client.readUntil(/ is now known as Contested$/);
    const winner = renamed.startsWith(`${b!.name} `) ? b! : c!;
    const loser = winner === b! ? c! : b!;
    await winner.client.readUntil(renamed);
    await loser.client.readUntil('[!] name taken: Contested');
    // The loser saw the winner's rename first: its own claim came later in the one order.
    expect(loser.client.lines.indexOf(renamed)).toBeGreaterThanOrEqual(0);
    expect(loser.client.lines.indexOf(renamed)).toBeLessThan(loser.client.lines.indexOf('[!] name taken: Contested'));
    a!.client.send('/who');
    await a!.client.readUntil(/^\[\*\] 3 online: /);
    expect(a!.client.lines.filter((line) => line.endsWith('is now known as Contested'))).toHaveLength(1);
  });

  it('gives everyone one order: any two clients see the lines they both get in the same order, each sender’s in the order sent', async () => {
    const ports = await Promise.all([startProcess(), startProcess(), startProcess()]).then((all) =>
      all.map((p) => p.port),
    );
    const members = await joinAll([ports[0]!, ports[1]!, ports[2]!, ports[0]!, ports[1]!, ports[2]!]);
    const LINES = 400;
    // Every client sends as fast as its socket takes it, interleaved across processes.
    await Promise.all(
      members.map(async ({ client }, sender) => {
        for (let n = 0; n < LINES; n++) await client.write(`m ${sender} ${n}\n`);
      }),
    );
    const said = (client: LineClient) =>
      client.lines.filter((line) => /: m \d+ \d+$/.test(line)).map((line) => line.slice(line.indexOf(': ') + 2));
    await waitUntil(
      () => members.every(({ client }) => said(client).length === LINES * (members.length - 1)),
      20_000,
      'every client to receive every other client’s lines',
      () => members.map(({ client }) => `${client.label}: ${said(client).length}`).join(', '),
    );
    const sequences = members.map(({ client }) => said(client));
    for (const [x, seqX] of sequences.entries()) {
      // Per sender, in the order sent.
      for (let sender = 0; sender < members.length; sender++) {
        if (sender === x) continue;
        const mine = seqX.filter((line) => line.startsWith(`m ${sender} `));
        expect(mine).toEqual(Array.from({ length: LINES }, (_, n) => `m ${sender} ${n}`));
      }
      // Pairwise: what both received, in the same order.
      for (let y = x + 1; y < sequences.length; y++) {
        const shared = (line: string) => !line.startsWith(`m ${x} `) && !line.startsWith(`m ${y} `);
        expect(seqX.filter(shared)).toEqual(sequences[y]!.filter(shared));
      }
    }
  });

  it('announces each client of a process killed with -9 as gone, once, within --node-timeout, and frees their names', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [a, b1, b2] = await joinAll([p1.port, p2.port, p2.port]);
    const killedAt = Date.now();
    p2.server.signal('SIGKILL');
    await a!.client.readUntil(`[-] ${b1!.name} left the chat.`, 10_000);
    await a!.client.readUntil(`[-] ${b2!.name} left the chat.`, 10_000);
    // Within the timeout, with a second of slack for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan((NODE_TIMEOUT_SECONDS + 1) * 1_000);
    a!.client.send(`/nick ${b1!.name}`);
    await a!.client.readUntil(`${a!.name} is now known as ${b1!.name}`);
    a!.client.send('/who');
    await a!.client.readUntil(`[*] 1 online: ${b1!.name}`);
    expect(a!.client.lines.filter((line) => line === `[-] ${b1!.name} left the chat.`)).toHaveLength(1);
  });

  it('stops one process with SIGTERM: its clients get the goodbye, the others see them leave and chat on', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [a, b] = await joinAll([p1.port, p2.port]);
    p2.server.signal('SIGTERM');
    expect(await b!.client.readUntilClosed(10_000)).toContain('[*] server shutting down');
    await a!.client.readUntil(`[-] ${b!.name} left the chat.`);
    expect((await p2.server.waitExit(10_000)).code).toBe(0);
    const c = await join(p1.port, 'c');
    await a!.client.readUntil(`${c.name} joined the chat`);
    c.client.send('still here');
    await a!.client.readUntil(`${c.name}: still here`);
    expect(a!.client.lines).not.toContain('[*] server shutting down');
  });

  it('gives a process that starts late the current state: its first client’s /who lists everyone', async () => {
    const p1 = await startProcess();
    const [a, b] = await joinAll([p1.port, p1.port]);
    a!.client.send('said before the late start');
    await b!.client.readUntil(`${a!.name}: said before the late start`);
    const late = await startProcess();
    const c = await join(late.port, 'late');
    c.client.send('/who');
    await c.client.readUntil(`[*] 3 online: ${a!.name}, ${b!.name}, ${c.name}`, 10_000);
    await a!.client.readUntil(`${c.name} joined the chat`);
    c.client.send('hello from the late process');
    await a!.client.readUntil(`${c.name}: hello from the late process`);
  });

  it('shows the relay on /metrics and /readyz: up and counting, then down (503) while Redis is away', async () => {
    const p1 = await startProcess(true);
    const [, httpPort] = await p1.server.waitForLine(/^Web chat on http:\/\/127\.0\.0\.1:(\d+)\/$/);
    const p2 = await startProcess();
    const [a, b] = await joinAll([p1.port, p2.port]);
    b!.client.send('counted');
    await a!.client.readUntil(`${b!.name}: counted`);
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${httpPort}${path}`);
      return { status: response.status, text: await response.text() };
    };
    const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const up = await get('/metrics');
    expect(metric(up.text, 'rxchat_relay_up')).toBe(1);
    // Its own client's join; everyone's joins and the line from the other process.
    expect(metric(up.text, 'rxchat_relay_events_published_total')).toBeGreaterThanOrEqual(1);
    expect(metric(up.text, 'rxchat_relay_events_applied_total')).toBeGreaterThanOrEqual(3);
    expect((await get('/readyz')).status).toBe(200);
    const restarted = redis().restart(3_000);
    await a!.client.readUntil('[!] chat relay unavailable: your messages are held until it is back', 10_000);
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(down.text).toContain('relay');
    expect(metric((await get('/metrics')).text, 'rxchat_relay_up')).toBe(0);
    await restarted;
    await a!.client.readUntil('[*] chat relay is back', 10_000);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('rides out a Redis restart: clients are told once, a line sent meanwhile arrives after, /who agrees everywhere', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [a, b] = await joinAll([p1.port, p2.port]);
    // Down for 3 s, then back empty (as with --save '').
    const restarted = redis().restart(3_000);
    await a!.client.readUntil('[!] chat relay unavailable: your messages are held until it is back', 10_000);
    a!.client.send('sent while Redis was away');
    await restarted;
    await a!.client.readUntil('[*] chat relay is back', 10_000);
    await b!.client.readUntil(`${a!.name}: sent while Redis was away`, 10_000);
    for (const { client } of [a!, b!]) client.send('/who');
    // One join order everywhere (after a reset: the order of re-announcement).
    const whoA = await a!.client.readUntil(/^\[\*\] 2 online: /);
    const whoB = await b!.client.readUntil(/^\[\*\] 2 online: /);
    expect(whoA).toBe(whoB);
    expect(whoA.slice('[*] 2 online: '.length).split(', ').sort()).toEqual([a!.name, b!.name].sort());
    expect(a!.client.lines.filter((line) => line.includes('chat relay unavailable'))).toHaveLength(1);
    // Nobody was declared dead by the restart.
    expect([...a!.client.lines, ...b!.client.lines].filter((line) => line.includes('left the chat'))).toEqual([]);
  });
});
