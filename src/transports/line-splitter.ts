const LF = 0x0a;
const CR = 0x0d;
/** The smallest buffer for an unfinished line; it doubles as the line grows. */
const MIN_HOLD_BYTES = 256;

export interface LineSplitterHandlers {
  /** A complete line, decoded as UTF-8 (invalid bytes become U+FFFD), without its LF or a CR before it. */
  readonly line: (text: string) => void;
  /** A line grew past the limit: its bytes were dropped, and the rest of it up to the next LF will be too. */
  readonly overflow: () => void;
}

/**
 * Cuts a byte stream into LF-terminated lines. It splits bytes, not text, because LF never occurs
 * inside a multi-byte UTF-8 sequence: a character split across TCP segments is decoded whole.
 * An unfinished line is held in one buffer that grows by doubling, so a client dripping a line
 * one byte at a time costs what the line costs, and never more than `maxLineBytes` (+1 for a CR).
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
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    let lf = chunk.indexOf(LF, start);
    while (lf !== -1) {
      if (this.discarding) {
        this.discarding = false;
      } else if (this.heldBytes + (lf - start) - (this.endsWithCr(chunk, start, lf) ? 1 : 0) > this.maxLineBytes) {
        this.drop();
      } else {
        this.emit(chunk, start, lf);
      }
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.hold(chunk, start);
  }

  /** The stream ended: a last line without LF still counts. */
  end(): void {
    if (!this.discarding && this.heldBytes > 0) this.emit(Buffer.alloc(0), 0, 0);
    this.release();
    this.discarding = false;
  }

  private hold(chunk: Buffer, start: number): void {
    if (this.discarding) return;
    const size = chunk.length - start;
    const needed = this.heldBytes + size;
    // One byte of room for the CR of a CRLF line of exactly the limit.
    if (needed > this.maxLineBytes + 1) {
      this.drop();
      this.discarding = true;
      return;
    }
    if (this.held === undefined || this.held.length < needed) {
      // Not from the shared pool: a held line must not pin a pool slab, nor the caller's chunk.
      const grown = Buffer.allocUnsafeSlow(Math.min(Math.max(MIN_HOLD_BYTES, needed, 2 * (this.held?.length ?? 0)), this.maxLineBytes + 1));
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
