/**
 * Floods end to end, over TCP and WebSocket: once the rate limiter mutes a client, its transport
 * discards its lines before they become events (counted here by an operator in front of every
 * policy), `/quit` still passes, the partial line at a mute's edges is handled whole, and a flood
 * far past the rate ends with `[!] excess flood`.
 */
import { Observable } from 'rxjs';
import type { ChatOperator } from '../../src/pipeline/operator';
import type { PipelineEvent } from '../../src/pipeline/edge-signals';
import { type RateLimitOptions, commands, rateLimit, stripControl } from '../../src/operators';
import { joined, left } from '../support/chat-text';
import { destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { delay, waitUntil } from '../support/waiting';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

const RATE_NOTICE = '[!] rate limit exceeded, message dropped';

let server: TestServer | undefined;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
  server = undefined;
});

interface Counts {
  /** Line events the transports produced (one per decoded line). */
  lines: number;
  /** Lines the transports reported discarded unread. */
  discarded: number;
}

/** An operator in front of every policy that counts what the transports put into the pipeline. */
function counting(counts: Counts): ChatOperator {
  return (source) =>
    new Observable<PipelineEvent>((subscriber) =>
      source.subscribe({
        next(event) {
          if (event.type === 'line') counts.lines++;
          if (event.type === 'discarded') counts.discarded += event.lines;
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

/** A server (TCP and WebSocket) with this rate limit, counting the events that reach its pipeline. */
async function start(limit: RateLimitOptions, maxLineBytes?: number): Promise<{ server: TestServer; counts: Counts }> {
  const counts: Counts = { lines: 0, discarded: 0 };
  server = await startServer({
    httpPort: 0,
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
    operators: [counting(counts), stripControl(), rateLimit(limit), commands()],
  });
  return { server, counts };
}

const spam = (count: number, prefix = 'spam'): string =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i}\n`).join('');

/** A WebSocket client of `server` that has read its welcome and its own join. */
async function joinWs(at: TestServer, name: string): Promise<WsClient> {
  const client = await WsClient.connect(at.server.httpPort!, name);
  expect(await client.next()).toEqual({ type: 'welcome', name });
  expect(await client.next()).toEqual({ type: 'joined', name });
  return client;
}

// Where lines are counted, the rate is low enough (a token every 10 s) that the mute outlasts any
// stall of a loaded machine between the reads of one write.
describe('a muted TCP client', () => {
  it('has its lines discarded before they become events: 5000 lines in one write are 3 events and a count', async () => {
    const { server, counts } = await start({ rate: 0.1, burst: 2, excessFactor: 0 });
    const [alice, bob] = await server.joinAll(2);
    await bob!.write(spam(5000));
    expect(await bob!.nextLine()).toBe(RATE_NOTICE);
    await waitUntil(
      () => counts.lines + counts.discarded >= 5000,
      5_000,
      'every line counted',
      () => JSON.stringify(counts),
    );
    // Two with tokens, the one the limiter dropped (and muted on), then nothing decoded.
    expect(counts).toEqual({ lines: 3, discarded: 4997 });
    alice!.send('/who');
    expect(await alice!.readLines(3)).toEqual(['bob: spam 0', 'bob: spam 1', '[*] 2 online: alice, bob']);
  });

  it('still passes /quit, found among the discarded lines', async () => {
    const { server, counts } = await start({ rate: 0.1, burst: 2, excessFactor: 0 });
    const [alice, bob] = await server.joinAll(2);
    await bob!.write(`${spam(2000)}  /QUIT  flooded out\n${spam(100, 'after')}`);
    expect(await bob!.readUntilClosed()).toEqual([RATE_NOTICE]);
    expect(await alice!.readUntil(/left the chat/)).toBe('[-] bob left the chat. (flooded out)');
    expect(alice!.unread()).toEqual([]);
    expect(counts.lines).toBe(4); // the three before the mute, and /quit
  });

  it('reads the unfinished line at the edges of a mute whole: discarded if it ends muted, passed if after', async () => {
    const { server, counts } = await start({ rate: 1, burst: 1, excessFactor: 0 });
    const [alice, bob] = await server.joinAll(2);
    // "a" spends the token, "b" is dropped (muted for a second), "c" is discarded, "par" is held.
    await bob!.write('a\nb\nc\npar');
    await waitUntil(
      () => counts.discarded >= 1,
      5_000,
      '"c" discarded',
      () => JSON.stringify(counts),
    );
    // Still muted: "partial" ends inside the mute and is discarded like "d"; "hel" is held.
    await bob!.write('tial\nd\nhel');
    await waitUntil(
      () => counts.discarded >= 3,
      5_000,
      'three lines discarded',
      () => JSON.stringify(counts),
    );
    await delay(1_200); // the mute is over
    await bob!.write('lo\n');
    expect(await alice!.readLines(2)).toEqual(['bob: a', 'bob: hello']);
    expect(counts).toEqual({ lines: 3, discarded: 3 });
  });

  it('counts over-long lines among the discarded ones, without a notice for each', async () => {
    const { server, counts } = await start({ rate: 1, burst: 1, excessFactor: 0 }, 100);
    const [alice, bob] = await server.joinAll(2);
    // After "b" is dropped: a complete over-long line, then one that overflows before its LF comes.
    await bob!.write(`a\nb\n${'x'.repeat(500)}\n${'y'.repeat(300)}`);
    await waitUntil(
      () => counts.discarded >= 2,
      5_000,
      'two lines discarded',
      () => JSON.stringify(counts),
    );
    // Its end is not another line.
    await bob!.write(`${'y'.repeat(50_000)}\n`);
    await delay(1_200);
    bob!.send('after');
    expect(await alice!.readLines(2)).toEqual(['bob: a', 'bob: after']);
    expect(bob!.unread()).toEqual([RATE_NOTICE]);
    expect(counts).toEqual({ lines: 3, discarded: 2 });
  });
});

describe('a muted WebSocket client', () => {
  it('has its text frames discarded before they become events', async () => {
    const { server, counts } = await start({ rate: 0.1, burst: 2, excessFactor: 0 });
    const alice = await server.join();
    const bob = await joinWs(server, 'bob');
    await alice.readUntil(joined('bob'));
    for (let i = 0; i < 5000; i++) bob.send(`spam ${i}`);
    expect(await bob.until((frame) => frame.type === 'notice')).toMatchObject({ code: 'rate-limited', level: 'error' });
    await waitUntil(
      () => counts.lines + counts.discarded >= 5000,
      5_000,
      'every frame counted',
      () => JSON.stringify(counts),
    );
    expect(counts).toEqual({ lines: 3, discarded: 4997 });
    alice.send('/who');
    expect(await alice.readLines(3)).toEqual(['bob: spam 0', 'bob: spam 1', '[*] 2 online: alice, bob']);
  });

  it('still passes /quit', async () => {
    const { server, counts } = await start({ rate: 0.1, burst: 2, excessFactor: 0 });
    const alice = await server.join();
    const bob = await joinWs(server, 'bob');
    await alice.readUntil(joined('bob'));
    for (let i = 0; i < 2000; i++) bob.send(`spam ${i}`);
    bob.send('/quit flooded out');
    for (let i = 0; i < 100; i++) bob.send(`after ${i}`);
    expect(await bob.waitClosed()).toBe(1000);
    expect(await alice.readUntil(/left the chat/)).toBe('[-] bob left the chat. (flooded out)');
    expect(counts.lines).toBe(4);
  });
});

describe('excess flood', () => {
  it('disconnects a TCP client sending blank lines as fast as it can, with "[!] excess flood"', async () => {
    const { server, counts } = await start({ rate: 5, burst: 10 });
    const [alice, bob] = await server.joinAll(2);
    // Blank lines cost a token like any: a megabyte of them is a flood. The write fails once the
    // server has let the flooder go.
    bob!.write(Buffer.alloc(1024 * 1024, '\n')).catch(() => undefined);
    expect(await bob!.readUntilClosed()).toEqual([RATE_NOTICE, '[!] excess flood']);
    expect(await alice!.nextLine()).toBe(left('bob'));
    expect(counts.lines).toBe(11); // ten with tokens, the one dropped; the rest was counted unread
  });

  it('disconnects a WebSocket client the same way', async () => {
    const { server } = await start({ rate: 5, burst: 10 });
    const alice = await server.join();
    const bob = await joinWs(server, 'bob');
    await alice.readUntil(joined('bob'));
    for (let i = 0; i < 1000; i++) bob.send('');
    expect(await bob.until((frame) => frame.type === 'notice' && frame['code'] === 'excess-flood')).toEqual({
      type: 'notice',
      code: 'excess-flood',
      level: 'error',
      text: 'excess flood',
    });
    await bob.waitClosed();
    expect(await alice.readUntil(/left the chat/)).toBe(left('bob'));
  });
});
