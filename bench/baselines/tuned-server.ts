/**
 * Baseline 2: a hand-tuned `net` chat server, the bar rxchat's throughput is held to.
 * Lines are split as bytes and never decoded; each broadcast is one Buffer shared by all
 * recipients; output is queued per socket and written once per socket per event-loop turn.
 */
import { type Socket, createServer } from 'node:net';
import { listenFromArgs } from './listen';

const LF = 0x0a;

class Client {
  pending: Buffer[] = [];
  pendingBytes = 0;
  dirty = false;
  /** Bytes of an unfinished line from earlier reads. */
  partial: Buffer | undefined;
  index = -1;

  constructor(
    readonly socket: Socket,
    readonly prefix: Buffer,
  ) {}
}

/** Dense array: iterating it is cheaper than a Map, and removal is swap-with-last. */
const clients: Client[] = [];
let dirty: Client[] = [];
let flushScheduled = false;
let nextId = 0;

function flush(): void {
  const list = dirty;
  dirty = [];
  flushScheduled = false;
  for (const client of list) {
    client.dirty = false;
    const { pending, pendingBytes } = client;
    client.pending = [];
    client.pendingBytes = 0;
    if (!client.socket.destroyed) {
      client.socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
    }
  }
}

function broadcast(from: Client, line: Buffer, start: number, end: number): void {
  // Trim spaces and a CR like a text server would, on bytes.
  while (start < end && line[start]! <= 0x20) start++;
  while (end > start && line[end - 1]! <= 0x20) end--;
  if (start === end) return;
  const message = Buffer.allocUnsafe(from.prefix.length + (end - start) + 1);
  from.prefix.copy(message, 0);
  line.copy(message, from.prefix.length, start, end);
  message[message.length - 1] = LF;
  for (let i = 0; i < clients.length; i++) {
    const to = clients[i]!;
    if (to === from) continue;
    to.pending.push(message);
    to.pendingBytes += message.length;
    if (!to.dirty) {
      to.dirty = true;
      dirty.push(to);
    }
  }
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function onData(client: Client, chunk: Buffer): void {
  let start = 0;
  let lf = chunk.indexOf(LF);
  if (lf !== -1 && client.partial !== undefined) {
    const whole = Buffer.concat([client.partial, chunk.subarray(0, lf)]);
    client.partial = undefined;
    broadcast(client, whole, 0, whole.length);
    start = lf + 1;
    lf = chunk.indexOf(LF, start);
  }
  while (lf !== -1) {
    broadcast(client, chunk, start, lf);
    start = lf + 1;
    lf = chunk.indexOf(LF, start);
  }
  if (start < chunk.length) {
    const rest = chunk.subarray(start);
    client.partial = client.partial === undefined ? Buffer.from(rest) : Buffer.concat([client.partial, rest]);
  }
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  const client = new Client(socket, Buffer.from(`user${++nextId}: `));
  client.index = clients.push(client) - 1;
  socket.on('data', (chunk: Buffer) => onData(client, chunk));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    const last = clients.pop()!;
    if (last !== client) {
      clients[client.index] = last;
      last.index = client.index;
    }
    client.pending = [];
  });
});

listenFromArgs(server);
