/**
 * A snapshot is offered only once the stream since the last one holds at least this many times its
 * size: so the snapshot bytes written stay within a constant factor of the stream's bytes, however
 * large the chat's state (members, history) grows while little is said.
 */
export const STREAM_BYTES_PER_SNAPSHOT_BYTE = 1;

/**
 * However little the stream holds, a snapshot is due this many times `everyEntries` after the last
 * one (less with a small stream cap: see `SnapshotSchedule`): a newcomer (or a process that fell
 * behind) never replays more entries than that.
 */
export const MAX_ENTRIES_FACTOR = 10;

/**
 * The stream is trimmed only up to the snapshot before the latest, so it holds up to about three
 * waits: the longest wait is at most this fraction of the stream's cap, so that the cap never cuts
 * past the latest snapshot (which would start a new epoch for everyone).
 */
const CAP_SHARE_PER_WAIT = 1 / 4;

/**
 * When this process asks to build the chat's snapshot: `everyEntries` entries after the last one
 * known, or `everyMs` after it if there is news, and only once the stream since then is about as big
 * as the last snapshot (see STREAM_BYTES_PER_SNAPSHOT_BYTE; MAX_ENTRIES_FACTOR bounds the wait). A
 * process holding a small share of the chat's clients waits up to half as long again, so that one
 * holding many asks first and, being granted the claim, builds it (see RelaySession.maybeSnapshot):
 * the others then learn its `n` and never build that one. One request at a time.
 */
export class SnapshotSchedule {
  private offering = false;
  private lastN = 0;
  private lastAt = 0;
  /** The last known stored snapshot's size (JSON's length; Redis's count is in UTF-8 bytes, near enough). */
  private lastSize = 0;
  /** Stream payload read since `lastN` (characters). */
  private bytes = 0;
  /** The last entry read. */
  private readN = 0;
  /** How much longer than the floors this process waits: asked once per snapshot (the share walks the clients). */
  private stretch: number | undefined;

  /** Entries after the last snapshot at which one is due whatever the stream's size. */
  private readonly maxEntries: number;

  /**
   * `maxStreamEntries` is the stream's cap: the wait the size rule may add stays well under it (but
   * never below `everyEntries`, the wait before this rule).
   */
  constructor(
    private readonly everyEntries: number,
    private readonly everyMs: number,
    maxStreamEntries = Infinity,
  ) {
    this.maxEntries = Math.min(
      everyEntries * MAX_ENTRIES_FACTOR,
      Math.max(everyEntries, Math.floor(maxStreamEntries * CAP_SHARE_PER_WAIT)),
    );
  }

  /** A snapshot at entry `n`, `size` characters long, was adopted at `now`. */
  restart(n: number, now: number, size = 0): void {
    this.lastN = n;
    this.readN = n;
    this.lastAt = now;
    this.lastSize = size;
    this.bytes = 0;
    this.stretch = undefined;
  }

  /** Entry `n` was read, with `size` characters of payload. */
  read(n: number, size: number): void {
    this.readN = n;
    this.bytes += size;
  }

  /**
   * Whether to ask now, at entry `n`. `share` (asked only when the rest says yes) is the fraction
   * of the chat's clients this process holds, from 0 to 1.
   */
  due(n: number, now: number, share: () => number = () => 1): boolean {
    if (this.offering) return false;
    const fresh = n - this.lastN;
    if (fresh <= 0) return false;
    if (fresh >= this.maxEntries) return true;
    if (this.bytes < this.lastSize * STREAM_BYTES_PER_SNAPSHOT_BYTE) return false;
    if (fresh < this.everyEntries && now - this.lastAt < this.everyMs) return false;
    const stretch = (this.stretch ??= 1 + (1 - Math.min(1, Math.max(0, share()))) / 2);
    return fresh >= this.everyEntries * stretch || now - this.lastAt >= this.everyMs * stretch;
  }

  /** A request at entry `n` goes out: counting starts again from `n`. */
  offered(n: number, now: number): void {
    this.moveTo(n);
    this.lastAt = now;
    this.offering = true;
  }

  /** Ours was stored, `size` characters long. */
  stored(size: number): void {
    this.lastSize = size;
  }

  /**
   * Ours will not be built or stored: the stored one is at entry `n` (another process's, recent
   * enough, or one being built), `size` characters long and stored at `at` if known. Counting goes
   * on from whichever is later, it or ours.
   */
  skipped(n: number, stored?: { readonly size: number; readonly at: number }): void {
    if (stored !== undefined) this.lastSize = stored.size;
    if (n < this.lastN) return;
    this.moveTo(n);
    if (stored !== undefined) this.lastAt = stored.at;
  }

  /** The request settled, or will never count (a resync). */
  done(): void {
    this.offering = false;
  }

  /** Counts from entry `n`: the bytes read after it, estimated in proportion when some were read before it. */
  private moveTo(n: number): void {
    const since = this.readN - this.lastN;
    const after = this.readN - n;
    this.bytes = since <= 0 || after <= 0 ? 0 : (this.bytes * Math.min(after, since)) / since;
    this.lastN = n;
    this.stretch = undefined;
  }
}
