/**
 * The WebSocket baseline: the broadcast server anyone would write with `ws`. Each text frame is a
 * line; it goes to every other client as the same JSON object rxchat sends (`said`), one `send`
 * per recipient. Compression off, as in rxchat. No joins or leaves: the bench counts chat lines.
 */
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1]! : fallback;
};

const clients = new Map<WebSocket, string>();
let nextId = 0;
const http = createServer();
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });

wss.on('connection', (ws) => {
  const name = `user${++nextId}`;
  clients.set(ws, name);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const text = data.toString('utf8').trim();
    if (text.length === 0) return;
    const json = JSON.stringify({ type: 'said', name, text });
    for (const other of clients.keys()) if (other !== ws) other.send(json);
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => clients.delete(ws));
});

http.listen({ host: flag('--host', '127.0.0.1'), port: 0, backlog: 4096 }, () => {
  const address = http.address() as AddressInfo;
  process.stdout.write(`Server listening on ${address.address}:${address.port}\n`);
  process.stdout.write(`Web chat on http://${address.address}:${address.port}/\n`);
});
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
