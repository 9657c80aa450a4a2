import type { RelayEvent } from './cluster-events';

/** One batch of this process's events: published (or being published), not yet read back. */
export interface Batch {
  readonly seq: number;
  readonly events: readonly RelayEvent[];
  readonly payload: string;
  /** The node this batch reports gone (a node-gone batch holds nothing else). */
  readonly gone?: string;
  /** The stream has it (the publish script answered). */
  acked: boolean;
}

/**
 * This process's batches from publish until read back, oldest first, numbered by `seq`: a batch
 * whose reply was lost goes out again with its seq (the stream takes each seq once), and what a new
 * epoch may have lost is published again.
 */
export class UnconfirmedBatches {
  private nextSeq = 1;
  private batches: Batch[] = [];

  /** The oldest batch the stream has not acknowledged: it goes out (again) before any new one. */
  unacked(): Batch | undefined {
    return this.batches.find((candidate) => !candidate.acked);
  }

  /** A new batch of `events` (a node-gone goes alone), with the next seq. */
  open(events: readonly RelayEvent[]): Batch {
    const first = events[0]!;
    const gone = first.type === 'node-gone' ? first.node : undefined;
    const batch: Batch = { seq: this.nextSeq++, events, payload: JSON.stringify(events), gone, acked: false };
    this.batches.push(batch);
    return batch;
  }

  /** The stream refused `batch`: it is no longer on its way (its events may go out in another). */
  remove(batch: Batch): void {
    this.batches = this.batches.filter((candidate) => candidate !== batch);
  }

  /** Our batches up to `seq` came back through the stream: they are safe. */
  confirm(seq: number): void {
    while (this.batches.length > 0 && this.batches[0]!.seq <= seq) this.batches.shift();
  }

  /** A new epoch may not have them: every batch's events, oldest first, to publish again; none left. */
  takeEvents(): RelayEvent[] {
    const events = this.batches.flatMap((batch) => batch.events);
    this.batches = [];
    return events;
  }
}
