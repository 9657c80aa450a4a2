/**
 * Joins and leaves must not copy the member list (issue 18): a storm of 20,000 joins once copied
 * 200 million ids (an audience array per join). Counted through `audienceCopies`, the hook every
 * audience array and compaction goes through, not timed.
 */
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { createChatState, reduceChat } from '../../src/core/chat';
import type { ChatEvent, ChatOutput, Delivery } from '../../src/core/events';
import { audienceCopies } from '../../src/core/member-log';
import { coalesceStorms } from '../../src/operators';

const CLIENTS = 20_000;
const remote = { address: '127.0.0.1', port: 1 };

/** Element copies while `run` runs. */
function copiesDuring(run: () => void): number {
  const before = audienceCopies.elements;
  run();
  return audienceCopies.elements - before;
}

/** The core's outputs through the storm operator, as the server runs them. */
function stormPipeline(): { readonly events: Subject<ChatEvent>; readonly outputs: ChatOutput[]; stop(): void } {
  const state = createChatState();
  const events = new Subject<ChatEvent>();
  const core = new Subject<ChatOutput>();
  const outputs: ChatOutput[] = [];
  const subscription = core
    .pipe(coalesceStorms({ scheduler: new VirtualTimeScheduler() }))
    .subscribe((output) => outputs.push(output));
  events.subscribe((event) => {
    for (const output of reduceChat(state, event).outputs) core.next(output);
  });
  return { events, outputs, stop: () => subscription.unsubscribe() };
}

describe('join and leave storms (issue 18)', () => {
  it('20,000 joins and 20,000 leaves copy O(n) ids, not O(n²), while the storm operator sums them up', () => {
    const { events, outputs, stop } = stormPipeline();
    const joins = copiesDuring(() => {
      for (let i = 0; i < CLIENTS; i++) events.next({ type: 'connected', id: `c${i}`, remote, names: [`n${i}`] });
    });
    // A copy per join would be 200 million; a few ids per join is linear.
    expect(joins).toBeLessThan(4 * CLIENTS);
    const leaves = copiesDuring(() => {
      for (let i = 0; i < CLIENTS; i++) events.next({ type: 'disconnected', id: `c${i}`, reason: 'closed' });
    });
    expect(leaves).toBeLessThan(4 * CLIENTS);
    // Every newcomer still had its own join line.
    const ownJoins = outputs.filter(
      (output): output is Delivery => output.kind === 'deliver' && output.message.type === 'joined',
    );
    expect(ownJoins).toHaveLength(CLIENTS);
    stop();
  });

  it('an audience handed out never changes: a join storm and its leaves later, each delivery still has its own', () => {
    const state = createChatState();
    const joins: Delivery[] = [];
    for (let i = 0; i < 300; i++) {
      const { outputs } = reduceChat(state, { type: 'connected', id: `c${i}`, remote, names: [`n${i}`] });
      joins.push(
        outputs.find((output): output is Delivery => output.kind === 'deliver' && output.message.type === 'joined')!,
      );
    }
    const leaves: Delivery[] = [];
    // Leaves from the front and the back, past compaction (more than half gone).
    for (let i = 0; i < 250; i++) {
      const id = i % 2 === 0 ? `c${i / 2}` : `c${299 - (i - 1) / 2}`;
      const { outputs } = reduceChat(state, { type: 'disconnected', id, reason: 'closed' });
      leaves.push(outputs.find((output): output is Delivery => output.kind === 'deliver')!);
    }
    reduceChat(state, { type: 'connected', id: 'late', remote, names: ['late'] });
    // Read only now: each as it was when handed out.
    joins.forEach((delivery, i) => {
      expect(delivery.to).toEqual(Array.from({ length: i + 1 }, (_, j) => `c${j}`));
    });
    const inAfter = (n: number): string[] => {
      const gone = new Set<string>();
      for (let i = 0; i < n; i++) gone.add(i % 2 === 0 ? `c${i / 2}` : `c${299 - (i - 1) / 2}`);
      return Array.from({ length: 300 }, (_, j) => `c${j}`).filter((id) => !gone.has(id));
    };
    leaves.forEach((delivery, i) => {
      expect(delivery.to).toEqual(inAfter(i + 1));
      expect(delivery.rooms).toEqual([{ room: '#lobby', members: inAfter(i + 1) }]);
    });
  });
});
