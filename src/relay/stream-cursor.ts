import type { StoredSnapshot } from './redis-scripts';
import type { StreamEntry } from './stream-entries';

type BatchEntry = Extract<StreamEntry, { kind: 'batch' }>;

/**
 * Where this process is in the chat's stream: the epoch it is synced to, the last entry it applied
 * (id and number `n`), and the last batch seq it applied from each node, which a snapshot stores so
 * that a newcomer knows which of its own batches landed.
 */
export class StreamCursor {
  /** The Redis run the epoch was found on (a catch-up that fails starts a new epoch on it). */
  runId = '';
  private current?: string;
  private id = '0-0';
  private n = 0;
  private seqs: Record<string, number> = {};

  /** The epoch this process is synced to; none before the first sync. */
  get epoch(): string | undefined {
    return this.current;
  }

  /** The id of the last entry applied: reads go on after it. */
  get position(): string {
    return this.id;
  }

  /** The number of the last entry applied. */
  get lastN(): number {
    return this.n;
  }

  /** Goes to a stored snapshot: the state after its entry. */
  moveTo(stored: StoredSnapshot): void {
    this.current = stored.epoch;
    this.id = stored.id;
    this.n = stored.n;
    this.seqs = { ...stored.seqs };
  }

  /** Whether `entry` is the next one; if not, entries were trimmed before we read them, or the stream changed. */
  follows(entry: StreamEntry): boolean {
    return entry.n === this.n + 1;
  }

  /** `entry` (the next one) is applied. */
  advance(entry: BatchEntry): void {
    this.n = entry.n;
    this.id = entry.id;
    this.seqs[entry.node] = entry.seq;
  }

  /** `node` publishes no more (it stopped, or was reported gone). */
  forget(node: string): void {
    delete this.seqs[node];
  }

  /** A snapshot at this position, of `state` (the core's state here, as JSON). */
  snapshot(state: string): StoredSnapshot {
    return { epoch: this.current!, id: this.id, n: this.n, seqs: { ...this.seqs }, state };
  }
}
