import { STAMP_LEN, type Stamp, readStamp } from './stamp';

const LF = 0x0a;

/**
 * Finds the stamped lines in one connection's byte stream without allocating per line: stamps
 * are read in place, and of an unfinished line only its last STAMP_LEN bytes are carried over.
 */
export class LineScanner {
  /** Every line seen, chat or not. */
  lines = 0;
  private tail: Buffer | undefined;
  private tailLen = 0;
  private readonly stamp: Stamp = { kind: 0, sender: 0, seq: 0, micros: 0 };

  /** Scans `chunk` (a view of exactly the bytes read) and calls `onStamp` for each stamped line. */
  scan(chunk: Buffer, onStamp: (stamp: Stamp) => void): void {
    let start = 0;
    let lf = chunk.indexOf(LF);
    while (lf !== -1) {
      this.lines++;
      if (lf - start >= STAMP_LEN) {
        if (readStamp(chunk, lf - STAMP_LEN, this.stamp)) onStamp(this.stamp);
      } else if (start === 0 && this.tailLen > 0) {
        // The line began in an earlier read: its stamp straddles the carried tail and this chunk.
        this.carry(chunk, 0, lf);
        if (this.tailLen === STAMP_LEN && readStamp(this.tail!, 0, this.stamp)) onStamp(this.stamp);
      }
      this.tailLen = 0;
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.carry(chunk, start, chunk.length);
  }

  /** Appends bytes to the carried tail, keeping only its last STAMP_LEN bytes. */
  private carry(chunk: Buffer, start: number, end: number): void {
    const tail = (this.tail ??= Buffer.allocUnsafe(STAMP_LEN));
    const size = end - start;
    if (size >= STAMP_LEN) {
      chunk.copy(tail, 0, end - STAMP_LEN, end);
      this.tailLen = STAMP_LEN;
      return;
    }
    const keep = Math.min(this.tailLen, STAMP_LEN - size);
    tail.copyWithin(0, this.tailLen - keep, this.tailLen);
    chunk.copy(tail, keep, start, end);
    this.tailLen = keep + size;
  }
}
