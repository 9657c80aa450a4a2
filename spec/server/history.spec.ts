/**
 * History and lossless reconnects through the whole server (issue 16): scrollback, /history and a
 * session resumed over TCP after a dropped connection, and the ids and times WebSocket frames carry.
 */
import { LineClient, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer | undefined;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
  server = undefined;
});

const HISTORY = /^\[history \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\] /;
const SESSION = /^\[\*\] session ([A-Za-z0-9_-]{24}) \(/;

/** The text of a history line without its mark. */
const unmarked = (line: string) => line.replace(HISTORY, '');

describe('history on a real server', () => {
  it('shows a newcomer the last --scrollback lines, marked, between the welcome and its join', async () => {
    server = await startServer({ scrollback: 2 });
    const alice = await server.join();
    for (const text of ['one', 'two', 'three']) alice.send(text);
    alice.send('/me waves');
    alice.send('/who');
    await alice.readUntil(/^\[\*\] 1 online/);

    const bob = await LineClient.connect(server.port, 'bob');
    expect(await bob.nextLine()).toBe('[*] Welcome, bob! Type /help for commands.');
    const scrollback = [await bob.nextLine(), await bob.nextLine()];
    expect(scrollback.every((line) => HISTORY.test(line))).toBe(true);
    expect(scrollback.map(unmarked)).toEqual(['alice: three', '* alice waves']);
    expect(await bob.nextLine()).toBe('bob joined the chat');

    bob.send('/history');
    const page = [await bob.nextLine(), await bob.nextLine()];
    expect(page.map(unmarked)).toEqual(['alice: one', 'alice: two']);
    expect(await bob.nextLine()).toBe('[*] no earlier messages');
    bob.send('/history #lobby 1 before=3');
    expect(unmarked(await bob.nextLine())).toBe('alice: two');
    bob.send('/history 1 before=x');
    expect(await bob.nextLine()).toBe('[!] usage: /history [#ROOM] [N] [before=ID]');
  });

  it('resumes a dropped TCP client: its name held, then back, every missed line once, the scrollback not repeated', async () => {
    server = await startServer({ scrollback: 3 });
    const alice = await server.join();
    const bob = await server.join();
    bob.send('/session');
    const token = (await bob.readUntil(SESSION)).match(SESSION)![1]!;
    bob.send('/join #side');
    await bob.readUntil('[*] 1 online in #side: bob');
    alice.send('before the drop');
    await bob.readUntil('alice: before the drop');

    bob.destroy();
    await alice.readUntil('[-] bob left the chat.');
    for (let i = 1; i <= 6; i++) alice.send(`missed ${i}`);
    // The name is held for the session: a newcomer does not get it, nor can anyone take it.
    alice.send('/nick bob');
    await alice.readUntil('[!] name taken: bob');

    const back = await LineClient.connect(server.port, 'bob again');
    const welcome = await back.nextLine();
    expect(welcome).toMatch(/^\[\*\] Welcome, (?!bob!)/);
    await back.readUntil(/ joined the chat$/);
    back.send(`/resume ${token}`);
    await back.readUntil('[*] resumed as bob in #lobby, #side');
    // The replay is sent with the resume; a /rooms answer comes after it.
    back.send('/rooms');
    await back.readUntil(/^\[\*\] 2 rooms: /);

    const said = back.lines.filter((line) => /alice: /.test(line)).map(unmarked);
    // The scrollback (missed 4-6) came before the resume; the replay adds 1-3; nothing twice.
    expect([...said].sort()).toEqual([
      'alice: missed 1',
      'alice: missed 2',
      'alice: missed 3',
      'alice: missed 4',
      'alice: missed 5',
      'alice: missed 6',
    ]);
    expect(await alice.readUntil(/is now known as bob$/)).toMatch(/^\S+ is now known as bob$/);
  });

  it('with `/resume TOKEN all` (the client hid its scrollback), replays everything missed, in order, after the resume', async () => {
    server = await startServer({ scrollback: 2 });
    const alice = await server.join();
    const bob = await server.join();
    bob.send('/session');
    const token = (await bob.readUntil(SESSION)).match(SESSION)![1]!;
    bob.destroy();
    await alice.readUntil('[-] bob left the chat.');
    for (let i = 1; i <= 4; i++) alice.send(`missed ${i}`);
    const back = await LineClient.connect(server.port, 'bob again');
    await back.readUntil(/ joined the chat$/);
    back.send(`/resume ${token} all`);
    await back.readUntil('[*] resumed as bob in #lobby');
    back.send('/rooms');
    await back.readUntil(/^\[\*\] 1 room: /);
    const afterResume = back.lines.slice(back.lines.indexOf('[*] resumed as bob in #lobby'));
    expect(afterResume.filter((line) => HISTORY.test(line)).map(unmarked)).toEqual(
      [1, 2, 3, 4].map((i) => `alice: missed ${i}`),
    );
  });

  it('refuses a forged token; a second resume of one session takes it over, the first connection let go', async () => {
    server = await startServer();
    const alice = await server.join();
    alice.send('/session');
    const token = (await alice.readUntil(SESSION)).match(SESSION)![1]!;
    alice.destroy();
    const first = await LineClient.connect(server.port, 'first');
    await first.readUntil(/ joined the chat$/);
    const second = await LineClient.connect(server.port, 'second');
    await second.readUntil(/ joined the chat$/);
    second.send(`/resume ${'A'.repeat(24)}`);
    await second.readUntil('[!] cannot resume: no such session (unknown, expired or ended)');
    first.send(`/resume ${token}`);
    await first.readUntil('[*] resumed as alice in #lobby');
    second.send(`/resume ${token}`);
    await first.readUntil('[!] your session was resumed by another connection');
    await first.waitClosed();
    await second.readUntil('[*] resumed as alice in #lobby');
    const third = await LineClient.connect(server.port, 'third');
    await third.readUntil(/ joined the chat$/);
    third.send('still here');
    await second.readUntil(/: still here$/);
  });

  it('words the lines of a client that asked for ids with each message id (`@id=N `), and only its lines', async () => {
    server = await startServer();
    const alice = await server.join();
    const bob = await server.join();
    bob.send('/session ids');
    const token = (await bob.readUntil(SESSION)).match(SESSION)![1]!;
    alice.send('hello');
    alice.send('/me waves');
    expect(await bob.readUntil(/hello$/)).toBe('@id=1 alice: hello');
    expect(await bob.nextLine()).toBe('@id=2 * alice waves');
    const carol = await server.join();
    carol.send('/who');
    expect(await carol.readUntil(/online/)).toMatch(/^\[\*\] 3 online/);
    expect(carol.lines.filter((line) => line.startsWith('@id='))).toEqual([]);
    // A resume with ids: the replay's history lines carry them too.
    bob.destroy();
    await alice.readUntil('[-] bob left the chat.');
    alice.send('while away');
    const back = await LineClient.connect(server.port, 'bob again');
    await back.readUntil(/ joined the chat$/);
    back.send(`/resume ${token} all ids #lobby=2`);
    await back.readUntil('[*] resumed as bob in #lobby');
    expect(await back.nextLine()).toMatch(/^@id=3 \[history [^\]]+\] alice: while away$/);
  });

  it('gives WebSocket clients ids and times, and the scrollback as one history frame', async () => {
    server = await startServer({ httpPort: 0 });
    const alice = await server.join();
    alice.send('hello');
    const before = Date.now();
    alice.send('/who');
    await alice.readUntil(/^\[\*\] 1 online/);
    const ws = await WsClient.connect(server.server.httpPort!, 'ws', { keepIds: true, keepDefaultRoom: true });
    expect(await ws.next()).toEqual({ type: 'welcome', name: 'bob' });
    const history = await ws.next();
    expect(history).toMatchObject({ type: 'history', room: '#lobby', reason: 'scrollback' });
    expect(history['entries']).toEqual([
      { id: 1, at: expect.any(Number) as number, type: 'said', name: 'alice', text: 'hello' },
    ]);
    await ws.until((f) => f.type === 'joined');
    alice.send('second');
    const said = await ws.until((f) => f.type === 'said');
    expect(said).toMatchObject({ type: 'said', name: 'alice', text: 'second', id: 2 });
    expect(said['at']).toBeGreaterThanOrEqual(before - 1_000);
  });
});
