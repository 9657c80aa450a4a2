/**
 * A stand-in for the core's registry under the cluster events (reset, rejoined, node-gone,
 * node-stopping), as the `core` branch specifies them, so the relay can be tested before that lands.
 * Once it has, the relay specs can run the real `chat()` over the relay's output instead.
 */
import type { ChatSnapshot, RelayEvent, SnapshotClient } from '../../../src/relay/cluster-events';

export class ModelChat {
  private clients: SnapshotClient[] = [];
  private closing = false;
  private stoppedNodes: string[] = [];

  apply(event: RelayEvent): void {
    switch (event.type) {
      case 'reset':
        this.clients = [...event.snapshot.clients];
        this.closing = event.snapshot.closing;
        this.stoppedNodes = [...event.snapshot.stoppedNodes];
        return;
      case 'connected':
        if (event.node !== undefined && this.stoppedNodes.includes(event.node)) return;
        return this.join({ id: event.id, name: event.names?.[0] ?? event.id, remote: event.remote, node: event.node });
      case 'rejoined':
        return this.join({ id: event.id, name: event.name, remote: event.remote, node: event.node });
      case 'disconnected':
      case 'kick':
        return this.leave((client) => client.id === event.id);
      case 'command':
        if (event.command.name === 'quit') this.leave((client) => client.id === event.id);
        return;
      case 'node-gone':
        return this.leave((client) => client.node === event.node);
      case 'node-stopping':
        if (!this.stoppedNodes.includes(event.node)) this.stoppedNodes.push(event.node);
        return this.leave((client) => client.node === event.node);
      case 'shutdown':
        this.closing = true;
        return;
      default:
        return;
    }
  }

  snapshot(): ChatSnapshot {
    return { clients: [...this.clients], closing: this.closing, stoppedNodes: [...this.stoppedNodes] };
  }

  names(): string[] {
    return this.clients.map((client) => client.name);
  }

  has(id: string): boolean {
    return this.clients.some((client) => client.id === id);
  }

  private join(client: SnapshotClient): void {
    if (this.has(client.id)) return;
    let name = client.name;
    for (let n = 2; this.clients.some((other) => other.name.toLowerCase() === name.toLowerCase()); n++)
      name = `${client.name}${n}`;
    this.clients.push({ ...client, name });
  }

  private leave(which: (client: SnapshotClient) => boolean): void {
    this.clients = this.clients.filter((client) => !which(client));
  }
}
