/**
 * The whole server over real sockets on 127.0.0.1 (a free port each time), with deterministic names:
 * clients join in the order alice, bob, carol, dave...
 */
import { Socket } from 'node:net';
import { isRecipient } from '../../src/core/events';
import { formatText } from '../../src/format/text-format';
import { welcome } from '../support/chat-text';
import { LineClient } from '../support/line-client';
import { type TestServer, listSource, startServer } from '../support/test-server';
import { delay, waitUntil } from '../support/waiting';

let chat: TestServer | undefined;
afterEach(async () => {
  await chat?.stop();
  chat = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  chat = await startServer(options);
  return chat;
}

describe('createChatServer over TCP', () => {
  describe('joining', () => {
    it('welcomes a newcomer, then announces it to everyone, each line ending with LF', async () => {
      const { join } = await start();
      const alice = await join();
      const bob = await join();

      expect(bob.received.toString('utf8')).toBe(`${welcome('bob')}\nbob joined the chat\n`);
      await waitUntil(() => alice.received.toString().endsWith('bob joined the chat\n'), 1_000, "bob's join at alice");
      expect(alice.received.toString('utf8')).toBe(`${welcome('alice')}\nalice joined the chat\nbob joined the chat\n`);
    });

    it('logs each connection with the name and the address it came from', async () => {
      const { join, logLines } = await start();
      const alice = await join();

      expect(logLines()).toEqual([`[+] alice connected from 127.0.0.1:${alice.socket.localPort}`]);
    });

    it('keeps names unique, case-insensitively, even when the name source repeats', async () => {
      const { port } = await start({ names: listSource(['Sam', 'sam', 'SAM']) });
      const first = await connect(port);
      expect(await first.readLines(2)).toEqual([welcome('Sam'), 'Sam joined the chat']);
      const second = await connect(port);
      // Sam is taken whatever the case, so the second client gets a numbered variant.
      expect(await second.nextLine()).toMatch(/^\[\*\] Welcome, sam2! Type \/help for commands\.$/i);
    });
  });

  describe('messages', () => {
    it('sends "name: text" to everyone but the sender, and logs it', async () => {
      const { joinAll, logLines } = await start();
      const [alice, bob, carol] = await joinAll(3);

      await alice!.write('hello everyone\n');
      expect(await bob!.nextLine()).toBe('alice: hello everyone');
      expect(await carol!.nextLine()).toBe('alice: hello everyone');

      // Alice's next line is bob's, not her own echo.
      await bob!.write('hi alice\n');
      expect(await alice!.nextLine()).toBe('bob: hi alice');
      expect(logLines()).toContain('alice: hello everyone');
    });

    it('assembles one line written over many TCP segments', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      for (const piece of ['he', 'llo ', 'wor', 'ld', '\n']) {
        await alice!.write(piece);
        await delay(5);
      }
      expect(await bob!.nextLine()).toBe('alice: hello world');
    });

    it('splits many lines written in one segment, keeping their order', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      await alice!.write('one\ntwo\nthree\n');
      expect(await bob!.readLines(3)).toEqual(['alice: one', 'alice: two', 'alice: three']);
    });

    it('accepts CRLF line endings without passing the CR on', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      await alice!.write('from windows\r\nand again\r\n');
      expect(await bob!.readLines(2)).toEqual(['alice: from windows', 'alice: and again']);
      expect(bob!.received.includes(0x0d)).toBe(false);
    });

    it('decodes a multi-byte character split between segments intact', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      const bytes = Buffer.from('café 🙂\n', 'utf8');
      const cuts = [bytes.indexOf(0xc3) + 1, bytes.indexOf(0xf0) + 2, bytes.length];
      let from = 0;
      for (const cut of cuts) {
        await alice!.write(bytes.subarray(from, cut));
        from = cut;
        await delay(5);
      }
      expect(await bob!.nextLine()).toBe('alice: café 🙂');
    });

    it('turns invalid UTF-8 into U+FFFD and keeps serving the sender', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      await alice!.write(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0xc3, 0x0a]));
      expect(await bob!.nextLine()).toBe('alice: bad\uFFFD\uFFFD\uFFFD');
      await alice!.write('still fine\n');
      expect(await bob!.nextLine()).toBe('alice: still fine');
    });

    it('trims lines and ignores empty ones', async () => {
      const { joinAll } = await start();
      const [alice, bob] = await joinAll(2);

      await alice!.write('\n   \n\t\r\n   spaced out   \nnext\n');
      expect(await bob!.readLines(2)).toEqual(['alice: spaced out', 'alice: next']);
    });

    it('tells the sender of an over-long line that it was dropped, and goes on', async () => {
      const { joinAll } = await start({ maxLineBytes: 64 });
      const [alice, bob] = await joinAll(2);

      await alice!.write(`${'x'.repeat(200)}\nshort\n`);
      expect(await alice!.nextLine()).toBe('[!] line too long (max 64 bytes)');
      expect(await bob!.nextLine()).toBe('alice: short');
    });
  });

  describe('leaving', () => {
    it('announces a client who hangs up to everyone left, and logs it', async () => {
      const { joinAll, logLines } = await start();
      const [alice, bob, carol] = await joinAll(3);

      alice!.end();
      expect(await bob!.nextLine()).toBe('[-] alice left the chat.');
      expect(await carol!.nextLine()).toBe('[-] alice left the chat.');
      expect(logLines()).toContain('[-] alice disconnected');
    });

    it('announces a client whose connection is reset, and logs the error', async () => {
      const { joinAll, logLines } = await start();
      const [alice, bob] = await joinAll(2);

      alice!.reset();
      expect(await bob!.nextLine()).toBe('[-] alice left the chat.');
      await waitUntil(
        () => logLines().includes('[-] alice disconnected'),
        1_000,
        'the disconnection in the log',
        () => logLines().join('\n'),
      );
      expect(logLines()).toContainEqual(expect.stringMatching(/^\[!\] Error with alice: .*ECONNRESET/));
    });

    it('evicts a client whose socket write fails, announces its leave, and the others go on', async () => {
      const { joinAll, logLines, port } = await start();
      const [alice, bob, carol] = await joinAll(3);

      const victimPort = bob!.socket.localPort;
      // The kernel fails bob's writes: the stream sees the error, whether the write carried a callback or not.
      const sockets = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => void };
      const realWrite = sockets._writeGeneric;
      const failing = jest.spyOn(sockets, '_writeGeneric').mockImplementation(function (
        this: Socket,
        ...args: unknown[]
      ) {
        if (this.localPort === port && this.remotePort === victimPort) {
          const callback = args[3] as (error?: Error) => void;
          const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
          process.nextTick(() => callback(error));
          return;
        }
        realWrite.apply(this, args);
      });
      try {
        await alice!.write('are you there?\n');
        expect(await carol!.readLines(2)).toEqual(['alice: are you there?', '[-] bob left the chat.']);
        expect(await alice!.nextLine()).toBe('[-] bob left the chat.');
        await bob!.waitClosed();
      } finally {
        failing.mockRestore();
      }
      expect(bob!.unread()).toEqual([]);
      expect(logLines()).toEqual(expect.arrayContaining(['[!] Error with bob: write EPIPE', '[-] bob disconnected']));

      await carol!.write('still here\n');
      expect(await alice!.nextLine()).toBe('carol: still here');
    });

    it('evicts a client that stops reading once its unsent output passes maxBufferBytes', async () => {
      const maxBufferBytes = 256 * 1024;
      const { joinAll, logLines } = await start({ maxBufferBytes });
      const [alice, bob, carol] = await joinAll(3);

      bob!.socket.pause();
      const perBatch = 64;
      const batch = `${'m'.repeat(1000)}\n`.repeat(perBatch);
      const evicted = () => logLines().includes('[-] bob disconnected');
      const before = carol!.lines.length;
      // Carol reads each batch (64 KB) before the next is sent, so only bob, who reads nothing, falls
      // behind. Bounded: at most 256 MB, far more than loopback buffers can hold.
      for (let batches = 1; !evicted() && batches <= 4096; batches++) {
        await alice!.write(batch);
        await waitUntil(
          () => evicted() || carol!.lines.length - before >= batches * perBatch,
          3_000,
          `carol to read batch ${batches}`,
        );
      }
      await waitUntil(evicted, 3_000, 'bob to be evicted', () => logLines().slice(-5).join('\n'));

      expect(logLines()).toContain(
        `[!] Error with bob: output buffer over ${maxBufferBytes} bytes (client not reading)`,
      );
      expect(await carol!.readUntil('[-] bob left the chat.', 10_000)).toBeDefined();
      expect(await alice!.readUntil('[-] bob left the chat.')).toBeDefined();
      await alice!.write('done\n');
      expect(await carol!.readUntil('alice: done', 10_000)).toBe('alice: done');
    });
  });

  describe('ordering', () => {
    it("gives each client its lines in the order the server handled them, each sender's in the order sent", async () => {
      const { joinAll, outputs } = await start();
      const clients = await joinAll(4);
      const [alice, bob, carol, dave] = clients as [LineClient, LineClient, LineClient, LineClient];
      const count = 300;
      const messages = (who: string) => Array.from({ length: count }, (_, i) => `${who} message ${i}`);

      // Two senders at once, in writes of varying size (1 to 7 lines), some cut mid-line.
      const send = async (client: LineClient, lines: string[]) => {
        const text = lines.map((l) => `${l}\n`).join('');
        let from = 0;
        for (let i = 0; from < text.length; i++) {
          const size = 5 + ((i * 37) % 90);
          await client.write(text.slice(from, from + size));
          from += size;
        }
      };
      await Promise.all([send(alice, messages('alice')), send(bob, messages('bob'))]);

      const said = (client: LineClient, name: string) => client.lines.filter((l) => l.startsWith(`${name}: `));
      const received = () =>
        said(carol, 'alice').length + said(carol, 'bob').length + said(dave, 'alice').length + said(dave, 'bob').length;
      await waitUntil(
        () => received() === 4 * count && said(alice, 'bob').length === count && said(bob, 'alice').length === count,
        10_000,
        'every message to arrive',
        () => `received ${received()} of ${4 * count}`,
      );

      for (const client of [bob, carol, dave])
        expect(said(client, 'alice')).toEqual(messages('alice').map((m) => `alice: ${m}`));
      for (const client of [alice, carol, dave])
        expect(said(client, 'bob')).toEqual(messages('bob').map((m) => `bob: ${m}`));

      // Every client got exactly the lines the core addressed to it, in the core's order.
      const idOf = new Map<string, string>();
      for (const output of outputs) {
        if (output.kind === 'deliver' && output.message.type === 'welcome')
          idOf.set(output.message.name, output.to[0]!);
      }
      const names = ['alice', 'bob', 'carol', 'dave'];
      clients.forEach((client, i) => {
        const id = idOf.get(names[i]!)!;
        const expected = outputs.flatMap((o) =>
          o.kind === 'deliver' && isRecipient(o, id) ? [formatText(o.message)] : [],
        );
        expect(client.lines).toEqual(expected);
      });
    });
  });

  describe('close()', () => {
    it('tells every client "[*] server shutting down", announces nothing after it, and closes every socket', async () => {
      const { joinAll, server, logLines } = await start();
      const [alice, bob] = await joinAll(2);

      await server.close();
      expect(await alice!.nextLine()).toBe('[*] server shutting down');
      expect(await bob!.nextLine()).toBe('[*] server shutting down');
      await alice!.waitClosed();
      await bob!.waitClosed();
      expect(alice!.unread()).toEqual([]);
      expect(bob!.unread()).toEqual([]);
      expect(logLines().filter((l) => l.startsWith('[-]'))).toEqual([]);
    });
  });
});

async function connect(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  chat?.clients.push(client);
  return client;
}
