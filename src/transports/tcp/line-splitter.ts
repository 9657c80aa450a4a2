const LF = 0x0a;
const CR = 0x0d;

export interface LineSplitterHandlers {
  /** A complete line, decoded as UTF-8 (invalid bytes become U+FFFD), without its LF or a CR before it. */
  readonly line: (text: string) => void;
  /** A line grew past the limit: its bytes were dropped, and the rest of it up to the next LF will be too. */
  readonly overflow: () => void;
}

/**
 * Cuts a byte stream into LF-terminated lines. It splits bytes, not text, because LF never occurs
 * inside a multi-byte UTF-8 sequence: a character split across TCP segments is decoded whole.
 * It never holds more than `maxLineBytes` of an unfinished line.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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
      } else if (this.pendingBytes + (lf - start) - (this.endsWithCr(chunk, start, lf) ? 1 : 0) > this.maxLineBytes) {
        this.dropPending();
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
    if (!this.discarding && this.pendingBytes > 0) this.emit(Buffer.alloc(0), 0, 0);
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }

  private hold(chunk: Buffer, start: number): void {
    if (this.discarding) return;
    const size = chunk.length - start;
    // One byte of room for the CR of a CRLF line of exactly the limit.
    if (this.pendingBytes + size > this.maxLineBytes + 1) {
      this.dropPending();
      this.discarding = true;
      return;
    }
    // Copy: the caller may reuse its buffer, and a small slice must not pin a large chunk.
    this.pending.push(Buffer.from(chunk.subarray(start)));
    this.pendingBytes += size;
  }

  /** Whether the line ending at `lf` ends in CR, which does not count against the limit. */
  private endsWithCr(chunk: Buffer, start: number, lf: number): boolean {
    if (lf > start) return chunk[lf - 1] === CR;
    const last = this.pending[this.pending.length - 1];
    return last !== undefined && last[last.length - 1] === CR;
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.handlers.overflow();
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    let bytes: Buffer;
    if (this.pendingBytes === 0) {
      bytes = chunk.subarray(start, end);
    } else {
      this.pending.push(chunk.subarray(start, end));
      bytes = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const length = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    this.handlers.line(bytes.toString('utf8', 0, length));
  }
}
