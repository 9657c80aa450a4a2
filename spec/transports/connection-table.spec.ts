/**
 * What both transports share once a connection is accepted: ids, the id → connection map, output
 * routed to the queue, closes that end the event stream at once, and mutes. Fake sockets, no network.
 */
import { Duplex } from 'node:stream';
import { Observable } from 'rxjs';
import type { ChatEvent, ChatOutput } from '../../src/core/events';
import { type Connection, ConnectionTable } from '../../src/transports/connection-table';
import type { LineSink } from '../../src/transports/connection-events';
import { nextTurn, waitUntil } from '../support/waiting';

/** A Duplex that records what is written to it. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written.push(chunk);
    callback();
  }
  text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }
}

/** The wire a transport would read and end: here, a record of its ends. */
interface FakeWire {
  ended: number;
}

const remote = { address: '127.0.0.1', port: 1000 };
const encode = (message: { type: string }) => Buffer.from(`${message.type}\n`);

function setUp(idPrefix = 'p') {
  const table = new ConnectionTable<FakeWire>(encode, {
    idPrefix,
    closeTimeoutMs: 50,
    end: (wire) => void wire.ended++,
    maxLineBytes: 100,
  });
  const sinks = new Map<string, LineSink>();
  /** Opens a connection and subscribes to its events, with a reader that just keeps its sink. */
  const open = () => {
    const socket = new FakeSocket();
    const wire: FakeWire = { ended: 0 };
    const connection = table.open(table.newId(), socket, wire);
    const events: ChatEvent[] = [];
    new Observable<ChatEvent>((subscriber) =>
      connection.start(subscriber, remote, (sink: Connection<FakeWire>) => {
        sinks.set(sink.id, sink);
        return () => sinks.delete(sink.id);
      }),
    ).subscribe((event) => events.push(event));
    return { connection, socket, wire, events };
  };
  return { table, open, sinks };
}

const deliver = (to: string[], type: 'welcome' | 'shutdown'): ChatOutput =>
  ({ kind: 'deliver', to, message: { type }, at: 0 }) as unknown as ChatOutput;

describe('ConnectionTable', () => {
  it('gives each connection the prefix and a count as its id', () => {
    const { table } = setUp('tcp-');
    expect([table.newId(), table.newId(), table.newId()]).toEqual(['tcp-1', 'tcp-2', 'tcp-3']);
  });

  it("routes deliveries to its connections' sockets, encoded once", async () => {
    const { table, open } = setUp();
    const alice = open();
    const bob = open();
    table.handle(deliver([alice.connection.id, bob.connection.id, 'elsewhere'], 'welcome'));
    await nextTurn();

    expect(alice.socket.text()).toBe('welcome\n');
    expect(bob.socket.text()).toBe('welcome\n');
    expect(alice.socket.written[0]).toBe(bob.socket.written[0]);
    expect(table.size).toBe(2);
  });

  it('on a close, ends the event stream at once, then the wire once the output before it is written', async () => {
    const { table, open, sinks } = setUp();
    const alice = open();
    table.handle(deliver([alice.connection.id], 'shutdown'));
    table.handle({ kind: 'close', id: alice.connection.id });

    expect(alice.events.at(-1)).toEqual({ type: 'disconnected', id: alice.connection.id, reason: 'closed' });
    expect(sinks.has(alice.connection.id)).toBe(false);
    expect(alice.wire.ended).toBe(0);
    await nextTurn();
    expect(alice.socket.text()).toBe('shutdown\n');
    expect(alice.wire.ended).toBe(1);
    // The peer does not hang up: the close timeout destroys the socket, and the table forgets it.
    await waitUntil(() => table.size === 0, 1_000, 'the connection to be forgotten');
  });

  it('mutes the connection with that id, and nothing for an id it does not hold', () => {
    const { table, open } = setUp();
    const alice = open();
    const bob = open();
    table.mute(alice.connection.id, 12_345);
    table.mute('another transport', 99);

    expect(alice.connection.until).toBe(12_345);
    expect(bob.connection.until).toBe(0);
  });

  it('forgets a connection when its socket closes: a later mute finds nothing', async () => {
    const { table, open } = setUp();
    const alice = open();
    alice.socket.destroy();
    await waitUntil(() => table.size === 0, 1_000, 'the connection to be forgotten');
    table.mute(alice.connection.id, 12_345);

    expect(alice.connection.until).toBe(0);
  });

  it('writes a refusal to a connection without a stream, then ends its wire', async () => {
    const { table } = setUp();
    const socket = new FakeSocket();
    const wire: FakeWire = { ended: 0 };
    table.refuse('p9', socket, wire, [deliver(['p9'], 'shutdown'), { kind: 'close', id: 'p9' }]);
    await nextTurn();

    expect(socket.text()).toBe('shutdown\n');
    expect(wire.ended).toBe(1);
  });
});
