/**
 * The TCP transport against fake sockets: `stream.Duplex` objects emitted by an EventEmitter posing as
 * a `net.Server`. No network, so it can run 100,000 connections through the transport and the core
 * and check that nothing per connection outlives its socket.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Subscription, observeOn, queueScheduler } from 'rxjs';
import { createChatState, reduceChat } from '../../../src/core/chat';
import type { ChatOutput } from '../../../src/core/events';
import { type PipelineEvent, isEdgeSignal } from '../../../src/pipeline/edge-signals';
import { TcpTransport } from '../../../src/transports/tcp/tcp-transport';
import { delay, nextTurn, waitUntil } from '../../support/waiting';

/** Enough of a net.Socket for the transport: a Duplex that records what is written to it. */
class FakeSocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  readonly written: Buffer[] = [];
  /** When set, every write fails with this error. */
  failWrites: Error | undefined;
  /** When set, writes never complete: a peer that stopped reading. */
  stalled = false;

  constructor(readonly remotePort: number) {
    // Like a net.Socket on a server: when the peer ends, end our side too.
    super({ allowHalfOpen: false });
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failWrites) return callback(this.failWrites);
    if (this.stalled) return;
    this.written.push(chunk);
    callback();
  }

  /** What the transport wrote, as text. */
  text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }
}

const asServer = (emitter: EventEmitter) => emitter as unknown as Server;
const asSocket = (socket: FakeSocket) => socket as unknown as Socket;

/** The transport and the core wired as in createChatServer, with the core's state kept in view. */
function harness(options: ConstructorParameters<typeof TcpTransport>[1] = {}) {
  const server = new EventEmitter();
  const transport = new TcpTransport(asServer(server), { closeTimeoutMs: 50, ...options });
  const h = {
    server,
    transport,
    // No scrollback: these specs count the lines a connection gets (history has specs of its own).
    state: createChatState(undefined, { scrollback: 0 }),
    outputs: [] as ChatOutput[],
    keepOutputs: true,
    subscription: undefined as Subscription | undefined,
    connect(port: number): FakeSocket {
      const socket = new FakeSocket(port);
      server.emit('connection', asSocket(socket));
      return socket;
    },
  };
  h.subscription = transport.events$.pipe(observeOn(queueScheduler)).subscribe((event: PipelineEvent) => {
    // As the server does: the edge signals (a muted client's discarded lines) stop before the core.
    if (isEdgeSignal(event)) return;
    const step = reduceChat(h.state, event);
    h.state = step.state;
    for (const output of step.outputs) {
      if (h.keepOutputs) h.outputs.push(output);
      if (output.kind !== 'log') transport.handle(output);
    }
  });
  return h;
}

/** Listener counts of the events the transport listens to. */
function listeners(socket: Duplex): Record<string, number> {
  return Object.fromEntries(
    ['data', 'end', 'error', 'close', 'finish'].map((name) => [name, socket.listenerCount(name)]),
  );
}

/** Resolves once the socket has emitted 'close' (and the events before it have been handled). */
function closed(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    // `closed` turns true before 'error' and 'close' are emitted: let them go first.
    if (socket.closed) setImmediate(resolve);
    else socket.once('close', () => setImmediate(resolve));
  });
}

describe('TcpTransport', () => {
  it('turns a connection into connected, line and disconnected events, and writes the replies', async () => {
    const h = harness();
    const alice = h.connect(1000);
    const bob = h.connect(1001);
    alice.push('hi bob\r\n');
    await nextTurn();

    expect(h.transport.size).toBe(2);
    expect(bob.text()).toBe('[*] Welcome, guest2! Type /help for commands.\nguest2 joined the chat\nguest: hi bob\n');
    expect(alice.text()).toBe(
      '[*] Welcome, guest! Type /help for commands.\nguest joined the chat\nguest2 joined the chat\n',
    );

    alice.push(null);
    await closed(alice);
    await nextTurn();
    expect(bob.text().endsWith('[-] guest left the chat.\n')).toBe(true);
    expect(h.transport.size).toBe(1);
    h.subscription!.unsubscribe();
  });

  it("reads a last line the peer ended without LF, and an idle socket's events have one listener each", async () => {
    const h = harness();
    const alice = h.connect(1000);
    const bob = h.connect(1001);
    await nextTurn();
    // Idle: no splitter, no listener arrays (the fake socket adds no 'end' listener of its own as net's does).
    expect(listeners(alice)).toMatchObject({ data: 1, end: 0, error: 1, close: 1 });

    alice.push('one\ntwo without LF');
    alice.push(null);
    await closed(alice);
    await nextTurn();
    expect(bob.text()).toContain('guest: one\nguest: two without LF\n');
    h.subscription!.unsubscribe();
  });

  it('writes everything delivered to a socket in one event-loop turn with a single write', async () => {
    const h = harness();
    const alice = h.connect(1000);
    const bob = h.connect(1001);
    await nextTurn();
    const writesBefore = bob.written.length;

    alice.push('one\ntwo\nthree\n');
    await nextTurn();
    expect(bob.written.length).toBe(writesBefore + 1);
    expect(bob.text().endsWith('guest: one\nguest: two\nguest: three\n')).toBe(true);
    h.subscription!.unsubscribe();
  });

  it('after a flush to many sockets, batches the next turns into one write per socket', async () => {
    // "Many" is 3 here, and the window long enough that the test cannot race it.
    const h = harness({ coalesceSockets: 3, coalesceMs: 300 });
    const [alice, bob] = [h.connect(1000), h.connect(1001)];
    h.connect(1002);
    await waitUntil(() => h.state.registry.size === 3, 1_000, 'three clients to join');
    await delay(400); // the joins went out to three sockets: the transport is busy
    const writesBefore = bob.written.length;

    alice.push('one\n');
    await nextTurn();
    alice.push('two\n');
    await nextTurn();
    expect(bob.written.length).toBe(writesBefore);
    await waitUntil(() => bob.written.length > writesBefore, 1_000, 'the coalesced write');
    await delay(50);
    expect(bob.written.length).toBe(writesBefore + 1);
    expect(bob.text().endsWith('guest: one\nguest: two\n')).toBe(true);
    h.subscription!.unsubscribe();
  });

  it('writes next turn when the last flush was small: a quiet room keeps its latency', async () => {
    const h = harness({ coalesceSockets: 3, coalesceMs: 300 });
    const [alice, bob] = [h.connect(1000), h.connect(1001)];
    await waitUntil(() => h.state.registry.size === 2, 1_000, 'two clients to join');
    await nextTurn();
    const writesBefore = bob.written.length;

    alice.push('one\n');
    await nextTurn();
    alice.push('two\n');
    await nextTurn();
    expect(bob.written.length).toBe(writesBefore + 2);
    h.subscription!.unsubscribe();
  });

  it('evicts a client whose write fails: its leave is announced and the others go on', async () => {
    const h = harness();
    const alice = h.connect(1000);
    const bob = h.connect(1001);
    const carol = h.connect(1002);
    await nextTurn();

    bob.failWrites = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    alice.push('hello\n');
    await closed(bob);
    await nextTurn();

    expect(carol.text().endsWith('guest: hello\n[-] guest2 left the chat.\n')).toBe(true);
    expect(h.outputs).toContainEqual(
      expect.objectContaining({ kind: 'log', entry: { type: 'error', name: 'guest2', error: 'write EPIPE' } }),
    );
    carol.push('still here\n');
    await nextTurn();
    expect(alice.text().endsWith('guest3: still here\n')).toBe(true);
    expect(h.transport.size).toBe(2);
    h.subscription!.unsubscribe();
  });

  it('evicts a client whose unsent output passes maxBufferBytes', async () => {
    // stallMs 0: a client whose backlog made no progress through a whole poll phase counts as stalled.
    const h = harness({ maxBufferBytes: 100, stallMs: 0 });
    const alice = h.connect(1000);
    const bob = h.connect(1001);
    await nextTurn();

    bob.stalled = true;
    // One turn's burst is not a backlog: bob is evicted only once output from earlier turns is stuck past 100 bytes.
    alice.push(`${'x'.repeat(60)}\n${'y'.repeat(60)}\n`);
    await nextTurn();
    expect(bob.destroyed).toBe(false);
    // A line a turn: bob is found stalled at one once a whole turn went by without progress.
    for (let i = 0; i < 20 && !bob.destroyed; i++) {
      alice.push(`${'z'.repeat(10)}\n`);
      await nextTurn();
    }
    await closed(bob);
    expect(h.outputs).toContainEqual(
      expect.objectContaining({
        entry: { type: 'error', name: 'guest2', error: 'output buffer over 100 bytes (client not reading)' },
      }),
    );
    expect(h.state.registry.order).toHaveLength(1);
    h.subscription!.unsubscribe();
  });

  it('closes a connection on request once what was delivered to it is written', async () => {
    const h = harness();
    const alice = h.connect(1000);
    await nextTurn();
    h.transport.handle({ kind: 'deliver', to: ['1'], message: { type: 'shutdown' }, at: 0 });
    h.transport.handle({ kind: 'close', id: '1' });
    // The peer does not hang up: the close timeout destroys the socket.
    await closed(alice);
    expect(alice.text().endsWith('[*] server shutting down\n')).toBe(true);
    await waitUntil(() => h.transport.size === 0, 1_000, 'the connection to be forgotten');
    h.subscription!.unsubscribe();
  });

  it("discards a muted client's lines unread, reporting how many, and reads them again once the mute ends", async () => {
    const server = new EventEmitter();
    const transport = new TcpTransport(asServer(server), { closeTimeoutMs: 50 });
    const events: PipelineEvent[] = [];
    const subscription = transport.events$.subscribe((event) => events.push(event));
    const alice = new FakeSocket(1000);
    server.emit('connection', asSocket(alice));
    transport.mute('1', Date.now() + 60_000);
    transport.mute('other', Date.now() + 60_000); // another transport's client: ignored
    alice.push('one\ntwo\n\nthree\n');
    await nextTurn();
    transport.mute('1', 1); // already over
    alice.push('four\n');
    await nextTurn();
    expect(events.filter((e) => e.type !== 'connected')).toEqual([
      { type: 'discarded', id: '1', lines: 4 },
      { type: 'line', id: '1', text: 'four' },
    ]);
    subscription.unsubscribe();
    alice.destroy();
  });

  it('stops reading every open connection when its events are unsubscribed, and takes no new ones', async () => {
    const server = new EventEmitter();
    const transport = new TcpTransport(asServer(server));
    const events: PipelineEvent[] = [];
    const subscription = transport.events$.subscribe((event) => events.push(event));
    const alice = new FakeSocket(1000);
    const bob = new FakeSocket(1001);
    server.emit('connection', asSocket(alice));
    server.emit('connection', asSocket(bob));
    subscription.unsubscribe();
    const carol = new FakeSocket(1002);
    server.emit('connection', asSocket(carol));
    alice.push('hello\n');
    bob.destroy();
    await nextTurn();
    expect(events.map((e) => [e.type, 'id' in e ? e.id : undefined])).toEqual([
      ['connected', '1'],
      ['connected', '2'],
    ]);
    expect(server.listenerCount('connection')).toBe(0);
    expect([alice.listenerCount('data'), alice.listenerCount('end'), alice.listenerCount('close')]).toEqual([0, 0, 1]);
    alice.destroy();
    carol.destroy();
  });

  it('stops reading a client it let go once 64 KiB more arrive from it: the close timeout ends it', async () => {
    const h = harness({ closeTimeoutMs: 60_000 });
    const alice = h.connect(1000);
    await nextTurn();
    h.transport.handle({ kind: 'close', id: '1' });
    alice.push(Buffer.alloc(60 * 1024, '\n'));
    expect(alice.isPaused()).toBe(false);
    alice.push(Buffer.alloc(8 * 1024, '\n'));
    expect(alice.isPaused()).toBe(true);
    alice.destroy();
    h.subscription!.unsubscribe();
  });

  it('leaves nothing behind after 100,000 connections: no connection, no registry entry, no listener, bounded heap', async () => {
    const h = harness();
    h.keepOutputs = false;
    const baseline = listeners(new FakeSocket(0));
    const connectionListeners = h.server.listenerCount('connection');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;

    // One error object per kind, reused: building 50,000 stack traces would dominate the run.
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const broken = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const total = 100_000;
    const perBatch = 10;
    const sample: FakeSocket[] = [];
    const weak: WeakRef<FakeSocket>[] = [];
    let port = 0;
    let heapAfterWarmUp = 0;

    for (let done = 0; done < total; done += perBatch) {
      const sockets: FakeSocket[] = [];
      for (let i = 0; i < perBatch; i++) sockets.push(h.connect(++port % 65536));
      for (const socket of sockets) socket.push(`hello from ${socket.remotePort}\n`);
      // Every way of leaving: EOF, reset, a plain close, and a write that fails.
      sockets.forEach((socket, i) => {
        switch (i % 4) {
          case 0:
            return void socket.push(null);
          case 1:
            return void socket.destroy(reset);
          case 2:
            return void socket.destroy();
          default:
            socket.failWrites = broken;
            return void socket.push('one more\n');
        }
      });
      await Promise.all(sockets.map(closed));
      await nextTurn();
      if (done % 10_000 === 0) sample.push(sockets[0]!, sockets[1]!, sockets[2]!, sockets[3]!);
      // (Not the very last batch: this test's own suspended frame may still point at it.)
      if (done >= total - 50 * perBatch && done < total - perBatch)
        weak.push(...sockets.map((socket) => new WeakRef(socket)));
      if (done + perBatch === 10_000) {
        gc();
        heapAfterWarmUp = process.memoryUsage().heapUsed;
      }
    }
    await waitUntil(
      () => h.transport.size === 0,
      2_000,
      'every connection to be forgotten',
      () => `size ${h.transport.size}`,
    );

    expect(h.transport.size).toBe(0);
    expect(h.state.registry.size).toBe(0);
    expect(h.state.registry.order).toHaveLength(0);
    expect(h.state.registry.names()).toEqual([]);
    expect(h.server.listenerCount('connection')).toBe(connectionListeners);
    // A closed socket keeps only the transport's no-op error listener.
    for (const socket of sample) expect(listeners(socket)).toEqual({ ...baseline, error: baseline['error']! + 1 });

    await nextTurn();
    gc();
    const growth = process.memoryUsage().heapUsed - heapAfterWarmUp;
    // 90,000 leaked subscriptions or sockets would take far more than this.
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    // The last sockets are garbage once closed: nothing in the transport or the core holds them.
    const alive = weak.map((ref, i) => [i, ref.deref()] as const).filter(([, socket]) => socket !== undefined);
    expect(alive.map(([i, socket]) => `#${i} port ${socket!.remotePort}`)).toEqual([]);

    h.subscription!.unsubscribe();
    expect(h.server.listenerCount('connection')).toBe(0);
  }, 30_000);
});
