/**
 * Rooms across processes (issue 15): real server processes (`rxchat-server --redis`) on one real
 * redis-server, nc-style clients on different ports. Each room's lines reach exactly its members
 * wherever they are connected, in one order; a process killed (-9) has its clients' leaves told
 * once to each client who shared a room with them; a late process restores rooms from the snapshot;
 * a Redis restart puts everyone back in their rooms.
 */
import Redis from 'ioredis';
import type { ChatSnapshot } from '../../src/core/events';
import { describeWithRedis } from '../support/redis-server';
import { type Member, NODE_TIMEOUT_SECONDS, clusterProcesses } from './support/cluster-processes';
import { delay, waitUntil } from '../support/waiting';

jest.setTimeout(40_000);

const ROOMS_REPLY = /^\[\*\] \d+ rooms?(?: matching "[^"]*")?: /;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** How often `line` occurs in `member`'s lines. */
const count = (member: Member, line: string) => member.client.lines.filter((l) => l === line).length;

describeWithRedis('rooms across processes, over Redis', () => {
  const { redis, startProcess, join, joinAll } = clusterProcesses();

  /**
   * `/join room`, waiting for the member list it gets back: from then on the join is in the one
   * order before anything this client sends, on every process.
   */
  async function enter(member: Member, room: string): Promise<void> {
    member.client.send(`/join ${room}`);
    await member.client.readUntil(new RegExp(`^\\[\\*\\] \\d+ online in ${escape(room)}: `, 'i'), 10_000);
  }

  /** `/join` of a room `member` is in: it only becomes current, with no answer; waits until that is applied. */
  async function switchTo(member: Member, room: string): Promise<void> {
    await settle(member, `/join ${room}`);
  }

  /** Sends `command` (a `/part` has no answer to its sender), then waits for a `/rooms` reply after it. */
  async function settle(member: Member, command?: string): Promise<string> {
    if (command !== undefined) member.client.send(command);
    member.client.send('/rooms');
    return member.client.readUntil(ROOMS_REPLY, 10_000);
  }

  it('delivers each room’s lines to exactly its members on both processes, in one order, with several senders on each', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const all = await joinAll([p1.port, p1.port, p1.port, p2.port, p2.port, p2.port, p2.port]);
    const [a0, a1, a2, b0, b1, b2, c] = all as [Member, Member, Member, Member, Member, Member, Member];
    // a1 and b1 are in both rooms; c only in the default room.
    const members: Record<string, Member[]> = { '#red': [a0, a1, b0, b1], '#blue': [a1, a2, b1, b2] };
    await enter(a1, '#blue');
    for (const member of [a0, a1, b0, b1]) await enter(member, '#red');
    for (const member of [a2, b1, b2]) await enter(member, '#blue');
    // The senders, each in its current room (a1: #red; b1: #blue; c: the default room, unprefixed).
    const senders: { member: Member; room: string }[] = [
      { member: a0, room: '#red' },
      { member: a1, room: '#red' },
      { member: b0, room: '#red' },
      { member: a2, room: '#blue' },
      { member: b1, room: '#blue' },
      { member: b2, room: '#blue' },
      { member: c, room: '#lobby' },
    ];
    const roomOf = (sender: number) => senders[sender]!.room;
    const isIn = (member: Member, room: string) => room === '#lobby' || members[room]!.includes(member);
    const LINES = 150;
    await Promise.all(
      senders.map(async ({ member }, sender) => {
        for (let n = 0; n < LINES; n++) await member.client.write(`m ${sender} ${n}\n`);
      }),
    );

    const CHAT = /^(?:\[(#\w+)\] )?(\S+): m (\d+) (\d+)$/;
    /** Every chat line received, as `room sender n`, checking the prefix names the sender's room and the name its own. */
    const said = (member: Member) =>
      member.client.lines.flatMap((line) => {
        const match = CHAT.exec(line);
        if (match === null) return [];
        const [, room = '#lobby', name, sender, n] = match;
        expect({ room, name }).toEqual({ room: roomOf(Number(sender)), name: senders[Number(sender)]!.member.name });
        return [{ room, sender: Number(sender), n: Number(n), text: `${room} ${sender} ${n}` }];
      });
    const expected = (member: Member, sender: number) =>
      senders[sender]!.member !== member && isIn(member, roomOf(sender));
    const total = (member: Member) => senders.filter((_, sender) => expected(member, sender)).length * LINES;
    await waitUntil(
      // At least: one too many fails below, with the lines.
      () => all.every((member) => said(member).length >= total(member)),
      20_000,
      'every member to receive its rooms’ lines',
      () => all.map((member) => `${member.client.label}: ${said(member).length}/${total(member)}`).join(', '),
    );

    for (const [x, memberX] of all.entries()) {
      const seqX = said(memberX);
      // Exactly its rooms' lines, each sender's in the order sent.
      for (const [sender] of senders.entries()) {
        const mine = seqX.filter((line) => line.sender === sender).map((line) => line.n);
        expect(mine).toEqual(expected(memberX, sender) ? Array.from({ length: LINES }, (_, n) => n) : []);
      }
      // Nothing at all from a room it is not in, not even the joins.
      for (const room of Object.keys(members)) {
        if (!isIn(memberX, room))
          expect(memberX.client.lines.filter((line) => line.startsWith(`[${room}] `))).toEqual([]);
      }
      // Pairwise: the lines both get (all rooms together), in the same order.
      for (const memberY of all.slice(x + 1)) {
        const both = (line: { sender: number }) => expected(memberX, line.sender) && expected(memberY, line.sender);
        expect(seqX.filter(both).map((line) => line.text)).toEqual(
          said(memberY)
            .filter(both)
            .map((line) => line.text),
        );
      }
    }
  });

  it('tells a -9 process’s clients’ leaves once to each client who shared a room with them, and not to the others', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [s1, s2, s3, d1, d2] = (await joinAll([p1.port, p1.port, p1.port, p2.port, p2.port])) as [
      Member,
      Member,
      Member,
      Member,
      Member,
    ];
    // s1 and d1 share exactly #x and #y; s2 and d2 the default room; s3 nothing with either (and
    // leaves the default room first, so it never hears of the others leaving it).
    await settle(s3, '/part #lobby');
    await enter(s3, '#z');
    for (const member of [s1, d1]) {
      await enter(member, '#x');
      await enter(member, '#y');
      await settle(member, '/part #lobby');
    }

    const killedAt = Date.now();
    p2.server.signal('SIGKILL');
    await s1.client.readUntil(`[-] ${d1.name} left the chat.`, 10_000);
    await s2.client.readUntil(`[-] ${d2.name} left the chat.`, 10_000);
    expect(Date.now() - killedAt).toBeLessThan((NODE_TIMEOUT_SECONDS + 1) * 1_000);
    // A /rooms sent now comes after the death in the one order: every survivor has applied it.
    const rooms = await Promise.all([s1, s2, s3].map((member) => settle(member)));
    expect(rooms).toEqual(Array(3).fill('[*] 4 rooms: #lobby (1), #x (1), #y (1), #z (1)'));

    const leaves = (member: Member) => member.client.lines.filter((line) => / left( |$)/.test(line));
    // s1: one leave line for d1 however many rooms they shared, none per room, none for d2.
    expect(count(s1, `[-] ${d1.name} left the chat.`)).toBe(1);
    expect(leaves(s1).filter((line) => line.includes(d1.name))).toEqual([`[-] ${d1.name} left the chat.`]);
    expect(leaves(s1).filter((line) => line.includes(d2.name))).toEqual([]);
    // s2: d2's leave once; of d1 only its earlier /part of the default room.
    expect(count(s2, `[-] ${d2.name} left the chat.`)).toBe(1);
    expect(leaves(s2).filter((line) => line.includes(d1.name))).toEqual([`[-] ${d1.name} left`]);
    // s3 shared nothing with either.
    expect(leaves(s3).filter((line) => line.includes(d1.name) || line.includes(d2.name))).toEqual([]);
  });

  it('gives a late process the rooms from the snapshot: its clients see them in /who and /rooms and join them', async () => {
    const p1 = await startProcess();
    const [a, b] = (await joinAll([p1.port, p1.port])) as [Member, Member];
    await enter(a, '#Rust');
    await enter(a, '#go');
    await enter(b, '#rust');
    await switchTo(a, '#rust');
    a.client.send('said before the late start');
    await b.client.readUntil(`[#Rust] ${a.name}: said before the late start`);

    // Wait for a snapshot that holds the rooms (one every 5 s when there is news: make some), so the
    // late process gets them from it, not by replaying the joins.
    const admin = new Redis(redis().url, { lazyConnect: true });
    try {
      await admin.connect();
      const snapshotRooms = async () => {
        const state = await admin.hget('rxchat:snapshot', 'state');
        return state === null ? undefined : (JSON.parse(state) as ChatSnapshot).rooms;
      };
      const deadline = Date.now() + 15_000;
      for (;;) {
        const rooms = await snapshotRooms();
        if (rooms?.some((room) => room.name === '#Rust' && room.members.length === 2)) break;
        if (Date.now() > deadline) throw new Error(`no snapshot with the rooms: ${JSON.stringify(rooms)}`);
        b.client.send('/rooms');
        await delay(250);
      }
    } finally {
      admin.disconnect();
    }

    const late = await startProcess();
    const c = await join(late.port, 'late');
    await a.client.readUntil(`${c.name} joined the chat`);
    c.client.send(`/who #RUST`);
    await c.client.readUntil(`[*] 2 online in #Rust: ${a.name}, ${b.name}`, 10_000);
    expect(await settle(c)).toBe('[*] 3 rooms: #lobby (3), #Rust (2), #go (1)');

    c.client.send('/join #rUST');
    await c.client.readUntil(`[#Rust] ${c.name} joined`);
    await c.client.readUntil(`[*] 3 online in #Rust: ${a.name}, ${b.name}, ${c.name}`);
    await a.client.readUntil(`[#Rust] ${c.name} joined`);
    await b.client.readUntil(`[#Rust] ${c.name} joined`);
    expect(await settle(c)).toBe('[*] 3 rooms: #lobby (3), #Rust (3), #go (1)');
    expect(await settle(a)).toBe('[*] 3 rooms: #lobby (3), #Rust (3), #go (1)');

    c.client.send('hello from the late process');
    await a.client.readUntil(`[#Rust] ${c.name}: hello from the late process`);
    await b.client.readUntil(`[#Rust] ${c.name}: hello from the late process`);
    a.client.send('/join #go');
    a.client.send('only in go');
    c.client.send(`/who #go`);
    await c.client.readUntil(`[*] 1 online in #go: ${a.name}`);
    a.client.send('/join #rust');
    a.client.send('back in rust');
    await c.client.readUntil(`[#Rust] ${a.name}: back in rust`);
    expect(c.client.lines.filter((line) => line.includes('only in go'))).toEqual([]);
    expect(b.client.lines.filter((line) => line.includes('only in go'))).toEqual([]);
  });

  it('puts everyone back in their rooms, with their current room, after a Redis restart', async () => {
    const [p1, p2] = await Promise.all([startProcess(), startProcess()]);
    const [a, b, c, d] = (await joinAll([p1.port, p2.port, p1.port, p2.port])) as [Member, Member, Member, Member];
    // a and b: #rust (current) and #go; c: #go (current); d: the default room only.
    await enter(a, '#rust');
    await enter(a, '#go');
    await switchTo(a, '#rust');
    await enter(b, '#go');
    await enter(b, '#rust');
    await enter(c, '#go');
    const before = await Promise.all([a, b, c, d].map((member) => settle(member)));
    expect(before).toEqual(Array(4).fill('[*] 3 rooms: #lobby (4), #go (3), #rust (2)'));
    const mark = [a, b, c, d].map((member) => member.client.lines.length);

    // Down for 3 s, then back empty (as with --save '').
    const restarted = redis().restart(3_000);
    await a.client.readUntil('[!] chat relay unavailable: your messages are held until it is back', 10_000);
    a.client.send('held in rust');
    await restarted;
    await a.client.readUntil('[*] chat relay is back', 10_000);
    await b.client.readUntil(`[#rust] ${a.name}: held in rust`, 10_000);

    b.client.send('rust after');
    await a.client.readUntil(`[#rust] ${b.name}: rust after`, 10_000);
    c.client.send('go after');
    await a.client.readUntil(`[#go] ${c.name}: go after`, 10_000);
    await b.client.readUntil(`[#go] ${c.name}: go after`, 10_000);
    d.client.send('lobby after');
    for (const member of [a, b, c]) await member.client.readUntil(`${d.name}: lobby after`, 10_000);

    for (const member of [a, d]) member.client.send('/who #rust');
    const whoA = await a.client.readUntil(/^\[\*\] 2 online in #rust: /);
    const whoD = await d.client.readUntil(/^\[\*\] 2 online in #rust: /);
    expect(whoA).toBe(whoD);
    expect(whoA.slice('[*] 2 online in #rust: '.length).split(', ').sort()).toEqual([a.name, b.name].sort());
    const after = await Promise.all([a, b, c, d].map((member) => settle(member)));
    expect(after).toEqual(before);

    const since = (member: Member, i: number) => member.client.lines.slice(mark[i]);
    // Not in #rust: none of its lines; d not in #go either.
    expect(since(c, 2).filter((line) => line.startsWith('[#rust] '))).toEqual([]);
    expect(since(d, 3).filter((line) => line.startsWith('[#'))).toEqual([]);
    // Back silently: no joins, parts or leaves told by the restart.
    for (const [i, member] of [a, b, c, d].entries()) {
      expect(since(member, i).filter((line) => / joined|\] \[-\]|^\[-\]/.test(line))).toEqual([]);
    }
  });
});
