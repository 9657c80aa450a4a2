/**
 * When the event loop last polled for I/O, as far as the output side needs to know: a client counts
 * as stalled only if a whole poll phase began `stallMs` after its last progress and still brought
 * none. A wall clock alone would blame the readers for the server's own long turns (a flush to
 * 10,000 sockets can take seconds): their writes complete during the turn, but the callbacks that
 * say so run only at the next poll.
 */
class PollClock {
  private lastCheckAt = 0;
  private polled = 0;
  private armed = false;

  /**
   * A time such that a whole poll phase began after it (`Date.now()` ms): the check phase before the
   * last poll phase seen. 0 until two turns were seen.
   */
  get polledAfter(): number {
    return this.polled;
  }

  /** Notes this turn's end (once per turn, whoever asks): called by a queue in a turn with deliveries. */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    setImmediate(this.tick);
  }

  private readonly tick = (): void => {
    this.armed = false;
    this.polled = this.lastCheckAt;
    this.lastCheckAt = Date.now();
  };
}

/** The process's poll clock, shared by every output queue and the budget. */
export const pollClock = new PollClock();

/**
 * How long a backlog has gone without progress, by the poll clock: from its last progress to the
 * start of the last whole poll phase seen (negative if none began since).
 */
export function quietMs(progressAt: number): number {
  return pollClock.polledAfter - progressAt;
}
