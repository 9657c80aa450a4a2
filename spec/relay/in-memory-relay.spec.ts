import { Subject } from 'rxjs';
import { inMemoryRelay } from '../../src/relay/chat-relay';
import type { RelayEvent } from '../../src/relay/cluster-events';

describe('inMemoryRelay', () => {
  const host = { node: 'n1', snapshot: () => ({ clients: [], closing: false, stoppedNodes: [] }) };

  it('passes events straight through, and on close says the whole chat shuts down, then completes', async () => {
    const relay = inMemoryRelay();
    const local = new Subject<RelayEvent>();
    const received: RelayEvent[] = [];
    let completed = false;
    relay.connect(local, host).subscribe({ next: (event) => received.push(event), complete: () => (completed = true) });
    await relay.ready();
    const line: RelayEvent = { type: 'line', id: '1', text: 'hi' };
    local.next(line);
    expect(received).toEqual([line]);
    await relay.close();
    expect(received).toEqual([line, expect.objectContaining({ type: 'shutdown' })]);
    expect(completed).toBe(true);
    local.next(line);
    expect(received).toHaveLength(2);
  });
});
