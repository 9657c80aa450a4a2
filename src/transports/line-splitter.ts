import { type MuteSwitch, countLf, findQuitLine, isMuted, isQuitLine } from './muted-input';

const LF = 0x0a;
const CR = 0x0d;
/** The smallest buffer for an unfinished line; it doubles as the line grows. */
const MIN_HOLD_BYTES = 256;

export interface LineSplitterHandlers {
  /** A complete line, decoded as UTF-8 (invalid bytes become U+FFFD), without its LF or a CR before it. */
  readonly line: (text: string) => void;
  /** A line grew past the limit: its bytes were dropped, and the rest of it up to the next LF will be too. */
  readonly overflow: () => void;
  /**
   * While muted: this many lines (blank and over-long ones too) were discarded unread. Called at
   * most once a chunk, and before a `/quit` line that follows them.
   */
  readonly discarded?: (lines: number) => void;
}

/**
 * Cuts a byte stream into LF-terminated lines. It splits bytes, not text, because LF never occurs
 * inside a multi-byte UTF-8 sequence: a character split across TCP segments is decoded whole.
 * An unfinished line is held in one buffer that grows by doubling, so a client dripping a line
 * one byte at a time costs what the line costs, and never more than `maxLineBytes` (+1 for a CR).
 *
 * Muted (its `MuteSwitch`, set from the rate limiter's `mute`), it discards complete lines without
 * decoding them: their LFs are counted in the raw bytes and only `/quit` lines are passed on. An
 * unfinished line is held as usual, so the line that ends after the mute is read whole.
 */
export class LineSplitter {
  /** The unfinished line's bytes are `held[0, heldBytes)`. */
  private held: Buffer | undefined;
  private heldBytes = 0;
  /** Inside a line that overflowed: discard up to the next LF. */
  private discarding = false;

  constructor(
    private readonly handlers: LineSplitterHandlers,
    private readonly maxLineBytes: number = Number.POSITIVE_INFINITY,
    /** Until `mute.until` (ms on `clock`), complete lines are counted and discarded, except `/quit`. */
    readonly mute: MuteSwitch = { until: 0 },
    private readonly clock: () => number = Date.now,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      // Checked after every line: a line handled synchronously may have muted its sender.
      if (this.muted()) {
        start = this.discard(chunk, start);
        break;
      }
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) break;
      if (this.discarding) {
        this.discarding = false;
      } else if (this.tooLong(chunk, start, lf)) {
        this.drop();
      } else {
        this.emit(chunk, start, lf);
      }
      start = lf + 1;
    }
    if (start < chunk.length) this.hold(chunk, start);
  }

  /** The stream ended: a last line without LF still counts (muted, it is discarded unless it is /quit). */
  end(): void {
    if (!this.discarding && this.heldBytes > 0) {
      if (this.muted() && !isQuitLine(this.held!, 0, this.heldBytes)) this.handlers.discarded?.(1);
      else this.emit(Buffer.alloc(0), 0, 0);
    }
    this.release();
    this.discarding = false;
  }

  private muted(): boolean {
    return this.mute.until !== 0 && isMuted(this.mute, this.clock());
  }

  /** Whether the line `held + chunk[start, lf)` is over the limit (a CR before the LF does not count). */
  private tooLong(chunk: Buffer, start: number, lf: number): boolean {
    return this.heldBytes + (lf - start) - (this.endsWithCr(chunk, start, lf) ? 1 : 0) > this.maxLineBytes;
  }

  /**
   * Discards the complete lines of `chunk` from `start`, counting them, and passes on the `/quit`
   * lines among them. Returns where the unfinished rest begins.
   */
  private discard(chunk: Buffer, start: number): number {
    const end = chunk.lastIndexOf(LF) + 1;
    if (end <= start) return start;
    let lines = 0;
    let from = start;
    if (this.heldBytes > 0 || this.discarding) {
      // The first line began in an earlier chunk: its held bytes decide what it is.
      const lf = chunk.indexOf(LF, start);
      if (this.discarding) {
        this.discarding = false; // an over-long line, reported when it overflowed
      } else if (!this.tooLong(chunk, start, lf) && this.heldLineIsQuit(chunk, start, lf)) {
        this.emit(chunk, start, lf);
      } else {
        this.release();
        lines++;
      }
      from = lf + 1;
    }
    for (;;) {
      const quit = findQuitLine(chunk, from, end);
      if (quit === -1) break;
      const lf = chunk.indexOf(LF, quit);
      lines += countLf(chunk, from, quit);
      if (this.tooLong(chunk, quit, lf)) {
        lines++;
      } else {
        if (lines > 0) this.handlers.discarded?.(lines);
        lines = 0;
        this.emit(chunk, quit, lf);
      }
      from = lf + 1;
    }
    lines += countLf(chunk, from, end);
    if (lines > 0) this.handlers.discarded?.(lines);
    return end;
  }

  private heldLineIsQuit(chunk: Buffer, start: number, lf: number): boolean {
    const line = Buffer.concat([this.held!.subarray(0, this.heldBytes), chunk.subarray(start, lf)]);
    return isQuitLine(line, 0, line.length);
  }

  private hold(chunk: Buffer, start: number): void {
    if (this.discarding) return;
    const size = chunk.length - start;
    const needed = this.heldBytes + size;
    // One byte of room for the CR of a CRLF line of exactly the limit.
    if (needed > this.maxLineBytes + 1) {
      if (this.muted()) {
        this.release();
        this.handlers.discarded?.(1);
      } else {
        this.drop();
      }
      this.discarding = true;
      return;
    }
    if (this.held === undefined || this.held.length < needed) {
      // Not from the shared pool: a held line must not pin a pool slab, nor the caller's chunk.
      const grown = Buffer.allocUnsafeSlow(
        Math.min(Math.max(MIN_HOLD_BYTES, needed, 2 * (this.held?.length ?? 0)), this.maxLineBytes + 1),
      );
      this.held?.copy(grown, 0, 0, this.heldBytes);
      this.held = grown;
    }
    chunk.copy(this.held, this.heldBytes, start);
    this.heldBytes = needed;
  }

  /** Whether the line ending at `lf` ends in CR, which does not count against the limit. */
  private endsWithCr(chunk: Buffer, start: number, lf: number): boolean {
    if (lf > start) return chunk[lf - 1] === CR;
    return this.heldBytes > 0 && this.held![this.heldBytes - 1] === CR;
  }

  private drop(): void {
    this.release();
    this.handlers.overflow();
  }

  /** Lets the buffer go: an idle connection holds nothing. */
  private release(): void {
    this.held = undefined;
    this.heldBytes = 0;
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    let bytes = chunk.subarray(start, end);
    if (this.heldBytes > 0) {
      bytes = Buffer.concat([this.held!.subarray(0, this.heldBytes), bytes]);
      this.release();
    }
    const length = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    this.handlers.line(bytes.toString('utf8', 0, length));
  }
}
