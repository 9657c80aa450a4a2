/**
 * The commands and protection policies end to end, over real sockets on 127.0.0.1 (port 0).
 * Servers run in-process, except the 100 MB test, which spawns the CLI so that its memory can be
 * read from /proc without the test runner's own allocations in it.
 */
import { readFileSync } from 'node:fs';
import { map } from 'rxjs';
import type { ChatOperator } from '../../src/pipeline/operator';
import type { LogEntry } from '../../src/core/events';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import { type ChatServer, type ChatServerOptions, createChatServer } from '../../src/server/create-chat-server';
import { HELP, joined, welcome } from '../support/chat-text';
import { LineClient, WAIT_MS, destroyAllClients } from '../support/line-client';
import { SERVER_JS, killSpawned, requireBuiltServer, spawnCommand, waitForStdout } from '../support/processes';
import { listSource } from '../support/test-server';
import { withTimeout } from '../support/waiting';

/** C0 except TAB, DEL, C1, bidi overrides and isolates, zero-width characters, BOM. */
const UNSAFE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B-\u200D\uFEFF]/;

let server: ChatServer | undefined;
let log: LogEntry[] = [];

/** Starts an in-process server whose clients are named from `names`, in connection order. */
async function start(
  options: ChatServerOptions = {},
  names = ['alice', 'bob', 'carol', 'dave', 'erin'],
): Promise<ChatServer> {
  log = [];
  server = await createChatServer({
    host: '127.0.0.1',
    port: 0,
    names: listSource(names),
    closeTimeoutMs: 200,
    onLog: (output) => log.push(output.entry),
    ...options,
  });
  return server;
}

/** Connects a client and consumes its welcome and its own join. */
async function joinAs(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port, name);
  expect(await client.readLines(2)).toEqual([welcome(name), joined(name)]);
  return client;
}

afterEach(async () => {
  destroyAllClients();
  await server?.close();
  server = undefined;
});

describe('commands end to end', () => {
  it('/nick /who /me /msg /help, unknown commands, // and /quit, each line to the right clients', async () => {
    const { port } = await start({ rate: 0 });
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));
    const carol = await joinAs(port, 'carol');
    await alice.readUntil(joined('carol'));
    await bob.readUntil(joined('carol'));

    alice.send('/nick Al.1');
    alice.send('/who');
    alice.send('/me waves');
    alice.send('/msg BOB psst');
    alice.send('/msg nobody hi');
    alice.send('/nick CAROL');
    alice.send('/nick bad name');
    alice.send('/nick b@d');
    alice.send('/help');
    alice.send('/xyz');
    alice.send('//slash');
    alice.send('/quit   see you ');

    const aliceSees = [
      'alice is now known as Al.1',
      '[*] 3 online: Al.1, bob, carol',
      '[!] no such user: nobody',
      '[!] name taken: CAROL',
      '[!] usage: /nick NEW',
      '[!] invalid name: b@d (use 1-32 of A-Z a-z 0-9 . _ -)',
      ...HELP,
      '[!] unknown command: /xyz (try /help)',
    ];
    const othersSee = [
      'alice is now known as Al.1',
      '* Al.1 waves',
      'Al.1: /slash',
      '[-] Al.1 left the chat. (see you)',
    ];
    expect(await alice.readUntilClosed()).toEqual(aliceSees);
    expect(alice.partial).toBe('');
    expect(await bob.readLines(5)).toEqual([othersSee[0], othersSee[1], '[pm] Al.1: psst', othersSee[2], othersSee[3]]);
    expect(await carol.readLines(4)).toEqual(othersSee);

    // Nothing else reached bob or carol: the next thing each reads is carol's /who answer or line.
    carol.send('/who');
    expect(await carol.nextLine()).toBe('[*] 2 online: bob, carol');
    carol.send('done');
    expect(await bob.nextLine()).toBe('carol: done');
    expect(log).toContainEqual({ type: 'renamed', from: 'alice', to: 'Al.1' });
    expect(log).toContainEqual({ type: 'disconnected', name: 'Al.1', reason: { kind: 'quit', text: 'see you' } });
    expect(log.filter((e) => e.type === 'said' && e.text.includes('psst'))).toEqual([]);
  });

  it('/quit without a reason announces the plain leave', async () => {
    const { port } = await start();
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));
    bob.send('/QUIT');
    expect(await bob.readUntilClosed()).toEqual([]);
    expect(await alice.nextLine()).toBe('[-] bob left the chat.');
  });
});

describe('control characters', () => {
  it('are stripped from what others receive and from the log', async () => {
    const { port } = await start();
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));

    alice.send('\x1b[2J\x1b[31mred\x1b[0m \u202Etxt.exe\u202C a\rb\x00c\x7f\x85\u200Bd\uFEFF\u2066e\u2069\tf');
    alice.send('\x1b]0;pwned\x07/me \u200Bsmiles');
    alice.send('/msg bob \x9b2Jsecret\u200D');
    alice.send('\u200B\u200C\x1b\x07');
    alice.send('end');

    expect(await bob.readLines(4)).toEqual([
      'alice: [2J[31mred[0m txt.exe abcde\tf',
      'alice: ]0;pwned/me smiles',
      '[pm] alice: 2Jsecret',
      'alice: end',
    ]);
    for (const line of bob.lines) expect(line).not.toMatch(UNSAFE);
    const said = log.filter((e) => e.type === 'said').map((e) => (e.type === 'said' ? e.text : ''));
    expect(said).toEqual(['[2J[31mred[0m txt.exe abcde\tf', ']0;pwned/me smiles', 'end']);
  });
});

describe('maxLineBytes', () => {
  it('drops a longer line for everyone and tells its sender; the next line is handled normally', async () => {
    const { port } = await start();
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));

    const exact = 'x'.repeat(4096);
    alice.send('y'.repeat(4097));
    alice.send(`${'é'.repeat(2048)}z`); // 4097 bytes, 2049 characters
    alice.send(exact);
    alice.send('next');
    expect(await alice.readLines(2)).toEqual([
      '[!] line too long (max 4096 bytes)',
      '[!] line too long (max 4096 bytes)',
    ]);
    expect(await bob.readLines(2)).toEqual([`alice: ${exact}`, 'alice: next']);
  });

  it('honours a configured limit', async () => {
    const { port } = await start({ maxLineBytes: 10 });
    const alice = await joinAs(port, 'alice');
    alice.send('12345678901');
    alice.send('1234567890');
    expect(await alice.nextLine()).toBe('[!] line too long (max 10 bytes)');
  });
});

describe('a 100 MB line without LF', () => {
  afterEach(killSpawned);

  /** The kB value of a /proc/PID/status field (VmRSS now, VmHWM the peak). */
  const memoryKb = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
  };

  it('keeps the server memory bounded: it never buffers more than the limit; the next line works', async () => {
    requireBuiltServer();
    // The server collects garbage every 20 ms, so that its peak RSS shows what it holds, not how lazily
    // V8 frees the 64 KB read buffers (it lets up to 64 MB of them pile up between collections).
    const collectOften = 'data:text/javascript,setInterval(() => globalThis.gc(), 20).unref()';
    const proc = spawnCommand('rxchat-server', process.execPath, [
      '--expose-gc',
      '--import',
      collectOften,
      SERVER_JS,
      '--port',
      '0',
      '--no-irc',
    ]);
    const port = Number((await waitForStdout(proc, /Server listening on 127\.0\.0\.1:(\d+)/, WAIT_MS * 2))[1]);
    const pid = proc.child.pid!;

    const streamer = await LineClient.connect(port, 'streamer');
    const name = /Welcome, (\S+)!/.exec(await streamer.nextLine())![1]!;
    expect(await streamer.nextLine()).toBe(joined(name));
    const watcher = await LineClient.connect(port, 'watcher');
    await watcher.readLines(2);
    await streamer.readUntil(/joined the chat$/);
    streamer.send('warm-up');
    await watcher.readUntil(`${name}: warm-up`);
    const baselineKb = memoryKb(pid, 'VmRSS');

    const chunk = Buffer.alloc(64 * 1024, 'A');
    const total = 100 * 1024 * 1024;
    await withTimeout(
      (async () => {
        for (let sent = 0; sent < total; sent += chunk.length) await streamer.write(chunk);
      })(),
      30_000,
      'streaming 100 MB to the server',
    );
    streamer.send('');
    streamer.send('after');
    await watcher.readUntil(`${name}: after`, 15_000);

    const growthMb = (memoryKb(pid, 'VmHWM') - baselineKb) / 1024;
    if (process.env['PROTECTION_DEBUG'])
      console.log(`baseline ${baselineKb} kB, peak growth ${growthMb.toFixed(1)} MB`);
    expect(streamer.unread()).toEqual(['[!] line too long (max 4096 bytes)']);
    expect(watcher.unread()).toEqual([]);
    // A server that held the line would grow by 100 MB or more; a bounded one stays near its baseline.
    expect(growthMb).toBeLessThan(25);
  }, 60_000);
});

describe('maxBufferBytes', () => {
  it('evicts a client that stops reading, while another receives every message in order', async () => {
    const { port } = await start({ rate: 0, maxBufferBytes: 64 * 1024 }, ['sender', 'fast', 'slow']);
    const sender = await joinAs(port, 'sender');
    const fast = await joinAs(port, 'fast');
    const slow = await joinAs(port, 'slow');
    await fast.readUntil(joined('slow'));
    await sender.readUntil(joined('slow'));
    slow.socket.pause();

    // Send in batches until the fast client hears of the eviction (kernel buffers absorb a few MB first),
    // waiting for each batch to reach the fast client; bounded at 32 MB.
    const padding = 'p'.repeat(1000);
    const batch = 20;
    const maxMessages = 32 * 1024;
    let sent = 0;
    const isLeave = (line: string) => line === '[-] slow left the chat.';
    while (!fast.lines.some(isLeave)) {
      if (sent >= maxMessages) throw new Error(`slow client not evicted after ${sent} messages of 1 KB`);
      let text = '';
      for (let i = 0; i < batch; i++) text += `m${sent++} ${padding}\n`;
      await sender.write(text);
      await fast.readUntil(`sender: m${sent - 1} ${padding}`, 15_000, `message m${sent - 1}`);
    }
    if (process.env['PROTECTION_DEBUG']) console.log(`slow client evicted after ${sent} messages`);
    // After the eviction the others carry on.
    sender.send('after');
    await fast.readUntil('sender: after');

    const said = fast.lines.filter((line) => line.startsWith('sender: m'));
    expect(said.length).toBe(sent);
    said.forEach((line, i) => {
      if (line !== `sender: m${i} ${padding}`)
        throw new Error(`message ${i} out of order or damaged: ${line.slice(0, 40)}`);
    });
    expect(fast.lines.filter(isLeave)).toHaveLength(1);
    expect(log).toContainEqual({
      type: 'error',
      name: 'slow',
      error: expect.stringContaining('output buffer over 65536 bytes'),
    });

    // The slow client's connection was destroyed by the server.
    slow.socket.resume();
    await slow.readUntilClosed(WAIT_MS * 2);
    sender.send('/who');
    expect(await sender.readUntil(/^\[\*\] \d+ online/)).toBe('[*] 2 online: sender, fast');
  }, 60_000);
});

describe('maxClients', () => {
  it('refuses one more connection with "[!] server full" (no welcome, no join), and reuses a freed slot', async () => {
    // maxClients 3 in-process for speed; the default (10000) is checked in builtin-operators.spec.ts.
    const { port } = await start({ maxClients: 3 });
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    const carol = await joinAs(port, 'carol');
    await alice.readUntil(joined('carol'));

    const refused = await LineClient.connect(port, 'refused');
    expect(await refused.readUntilClosed()).toEqual(['[!] server full']);
    expect(refused.partial).toBe('');

    alice.send('/who');
    expect(await alice.nextLine()).toBe('[*] 3 online: alice, bob, carol');

    carol.socket.end(); // hangs up: the leave is announced once the slot is free
    expect(await alice.nextLine()).toBe('[-] carol left the chat.');
    const dave = await joinAs(port, 'dave');
    expect(await alice.nextLine()).toBe(joined('dave'));
    expect(await bob.readUntil(joined('dave'))).toBe(joined('dave'));
    dave.send('/who');
    expect(await dave.nextLine()).toBe('[*] 3 online: alice, bob, dave');

    const again = await LineClient.connect(port, 'refused again');
    expect(await again.readUntilClosed()).toEqual(['[!] server full']);
    expect(log.filter((e) => e.type === 'connected').map((e) => (e.type === 'connected' ? e.name : ''))).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
  });
});

describe('maxClients after /quit', () => {
  it('frees the slot of a client that quit once its leave is announced, even if its socket lingers', async () => {
    // The server reports the disconnect when it closes the connection, not when the peer (here a
    // half-open one) hangs up, which may be closeTimeoutMs later.
    const { port } = await start({ maxClients: 2, closeTimeoutMs: 5_000 });
    const alice = await joinAs(port, 'alice');
    const bob = await LineClient.connect(port, 'bob', { allowHalfOpen: true });
    expect(await bob.readLines(2)).toEqual([welcome('bob'), joined('bob')]);
    await alice.readUntil(joined('bob'));
    bob.send('/quit');
    expect(await alice.nextLine()).toBe('[-] bob left the chat.');
    const carol = await LineClient.connect(port, 'carol');
    expect(await carol.nextLine()).toBe(welcome('carol'));
  });
});

describe('idleTimeoutSeconds', () => {
  it('disconnects a silent client with "[!] idle timeout" and announces its leave', async () => {
    const { port } = await start({ idleTimeoutSeconds: 0.5 });
    const alice = await joinAs(port, 'alice'); // silent from the start: timed out first
    const bob = await joinAs(port, 'bob');
    expect(await alice.readUntilClosed()).toEqual([joined('bob'), '[!] idle timeout']);
    expect(await bob.readUntil(/left the chat/)).toBe('[-] alice left the chat.');
    expect(await bob.readUntilClosed()).toEqual(['[!] idle timeout']);
    expect(log).toContainEqual({
      type: 'disconnected',
      name: 'alice',
      reason: { kind: 'kicked', notice: { code: 'idle-timeout' } },
    });
  });
});

describe('operators option', () => {
  it('a function receives the built-ins to reorder, replace or drop, and add its own', async () => {
    const shout: ChatOperator = map((event: PipelineEvent) =>
      event.type === 'line' ? { ...event, text: event.text.toUpperCase() } : event,
    );
    // No rate limit and no stripping; commands still parsed.
    const { port } = await start({ rate: 1, burst: 1, operators: (builtins) => [shout, builtins.commands] });
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));
    for (let i = 0; i < 5; i++) alice.send(`hi\x07 ${i}`);
    alice.send('/who');
    expect(await alice.nextLine()).toBe('[*] 2 online: alice, bob');
    expect(await bob.readLines(5)).toEqual([0, 1, 2, 3, 4].map((i) => `alice: HI\x07 ${i}`));
  });

  it('an array replaces every built-in', async () => {
    const { port } = await start({ operators: [] });
    const alice = await joinAs(port, 'alice');
    const bob = await joinAs(port, 'bob');
    await alice.readUntil(joined('bob'));
    alice.send('/who');
    expect(await bob.nextLine()).toBe('alice: /who');
  });
});
