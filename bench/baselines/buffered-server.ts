/**
 * Baseline 3: the tuned server with one Buffer per socket per event-loop turn, the bar for rxchat's
 * CPU per delivered line. Where the tuned server pushes each line onto every recipient's list and
 * concatenates the list per socket, this one lays each line of the turn once into a turn buffer and
 * owes a recipient nothing per line: at the end of the turn each socket gets one Buffer, the turn's
 * bytes minus its own lines (copied as at most k + 1 spans for a client that sent k), in one write.
 * Everyone is in one chat, so everyone gets everything: that is what makes the turn buffer enough.
 */
import { type Socket, createServer } from 'node:net';
import { listenFromArgs } from './listen';

const LF = 0x0a;

class Client {
  /** Start and end offsets in the turn buffer of the lines this client sent this turn, flattened. */
  own: number[] = [];
  ownBytes = 0;
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
/** Clients with lines in this turn. */
let senders: Client[] = [];
/** This turn's lines, each once, as recipients get them; reused every turn (each socket gets a copy). */
let turn = Buffer.allocUnsafe(64 * 1024);
let turnBytes = 0;
let flushScheduled = false;
let nextId = 0;

function flush(): void {
  flushScheduled = false;
  const total = turnBytes;
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i]!;
    const size = total - client.ownBytes;
    if (size === 0 || client.socket.destroyed) continue;
    const out = Buffer.allocUnsafe(size);
    const own = client.own;
    let from = 0;
    let at = 0;
    for (let k = 0; k < own.length; k += 2) {
      at += turn.copy(out, at, from, own[k]!);
      from = own[k + 1]!;
    }
    turn.copy(out, at, from, total);
    client.socket.write(out);
  }
  for (const sender of senders) {
    sender.own = [];
    sender.ownBytes = 0;
  }
  senders = [];
  turnBytes = 0;
}

function broadcast(from: Client, line: Buffer, start: number, end: number): void {
  // Trim spaces and a CR like a text server would, on bytes.
  while (start < end && line[start]! <= 0x20) start++;
  while (end > start && line[end - 1]! <= 0x20) end--;
  if (start === end) return;
  const size = from.prefix.length + (end - start) + 1;
  if (turnBytes + size > turn.length) {
    const grown = Buffer.allocUnsafe(Math.max(turn.length * 2, turnBytes + size));
    turn.copy(grown, 0, 0, turnBytes);
    turn = grown;
  }
  const at = turnBytes;
  let to = at + from.prefix.copy(turn, at);
  to += line.copy(turn, to, start, end);
  turn[to++] = LF;
  turnBytes = to;
  if (from.own.length === 0) senders.push(from);
  from.own.push(at, to);
  from.ownBytes += size;
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
  });
});

listenFromArgs(server);
