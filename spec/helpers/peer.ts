import { type Socket, connect } from 'node:net';
import { LineSplitter } from '../../src/transports/tcp/line-splitter';

/** A bare protocol client for the other end of a conversation: sends lines, collects the ones it gets. */
export interface Peer {
  readonly socket: Socket;
  readonly lines: string[];
  send(line: string): void;
}

export function connectPeer(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const lines: string[] = [];
    const splitter = new LineSplitter({ line: (text) => lines.push(text), overflow: () => undefined });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, lines, send: (line) => void socket.write(`${line}\n`) }));
  });
}
