import type { ClientId } from '../core/events';
import type { RelayEvent } from './cluster-events';

/** What became of an event handed to the outbox. */
export type Admission =
  | 'queued'
  /** A line (or the like) past the bound: it goes nowhere; tell its sender. */
  | 'dropped'
  /** A newcomer past the bound: turn it away. */
  | 'refused';

/**
 * This process's events not yet published, oldest first. While the relay is live it takes all (a
 * turn's worth goes out in one batch); while it is not (Redis away, starting), what it holds is
 * bounded: past `maxHeld`, lines are dropped and newcomers refused. Leaves (/quit too), kicks and
 * cluster events are always kept (there is at most one per connection, and dropping one would leave a ghost).
 */
export class Outbox {
  private events: RelayEvent[] = [];

  constructor(private readonly maxHeld: number) {}

  get size(): number {
    return this.events.length;
  }

  push(event: RelayEvent, holding: boolean): Admission {
    if (holding && this.events.length >= this.maxHeld) {
      if (isDroppable(event)) return 'dropped';
      if (event.type === 'connected') return 'refused';
    }
    this.events.push(event);
    return 'queued';
  }

  /**
   * The oldest events, at most `max`, removed: one batch. A node-gone goes alone, since the stream
   * checks, as it takes it, that the node is still without a lease.
   */
  take(max: number): RelayEvent[] {
    let count = 0;
    while (count < max && count < this.events.length && this.events[count]!.type !== 'node-gone') count++;
    if (count === 0 && this.events.length > 0) count = 1; // a node-gone, alone
    if (count === this.events.length) {
      const all = this.events;
      this.events = [];
      return all;
    }
    return this.events.splice(0, count);
  }

  /** Puts events back in front, to go out before everything held (re-announcements, re-publications). */
  prepend(events: readonly RelayEvent[]): void {
    if (events.length > 0) this.events = [...events, ...this.events];
  }

  /**
   * An outage starts: bring what is held down to the bound, dropping the newest lines and
   * newcomers first. Returns what was dropped, oldest first.
   */
  shed(): RelayEvent[] {
    let excess = this.events.length - this.maxHeld;
    if (excess <= 0) return [];
    const dropped: RelayEvent[] = [];
    const kept: RelayEvent[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const event = this.events[i]!;
      if (excess > 0 && (isDroppable(event) || event.type === 'connected')) {
        dropped.push(event);
        excess--;
      } else {
        kept.push(event);
      }
    }
    this.events = kept.reverse();
    return dropped.reverse();
  }

  /** The ids of newcomers held here (not yet in the chat). */
  heldNewcomers(): ClientId[] {
    return this.events.flatMap((event) => (event.type === 'connected' ? [event.id] : []));
  }
}

/** Events that only carry words: dropping one loses a message, never a client's presence (so /quit stays). */
function isDroppable(event: RelayEvent): boolean {
  switch (event.type) {
    case 'line':
    case 'notice':
    case 'line-too-long':
      return true;
    case 'command':
      return event.command.name !== 'quit';
    default:
      return false;
  }
}
