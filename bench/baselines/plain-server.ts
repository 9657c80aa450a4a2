/**
 * Baseline 1: the chat server anyone would write with `net`. A string line buffer split on LF,
 * a Map of sockets, one `write` per recipient per line. No joins or leaves: the bench counts only
 * chat lines. Nagle is off, as in rxchat, so latency compares servers rather than TCP settings.
 */
import { type Socket, createServer } from 'node:net';
import { listenFromArgs } from './listen';

const clients = new Map<Socket, string>();
let nextId = 0;

const server = createServer((socket) => {
  const name = `user${++nextId}`;
  clients.set(socket, name);
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let lf = buffer.indexOf('\n');
    while (lf !== -1) {
      const text = buffer.slice(0, lf).trim();
      buffer = buffer.slice(lf + 1);
      if (text.length > 0) {
        for (const other of clients.keys()) {
          if (other !== socket) other.write(`${name}: ${text}\n`);
        }
      }
      lf = buffer.indexOf('\n');
    }
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => clients.delete(socket));
});

listenFromArgs(server);
