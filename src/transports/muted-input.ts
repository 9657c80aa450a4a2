import type { Duplex } from 'node:stream';

/**
 * Reading a muted client's input without paying for it: its lines are counted in the raw bytes,
 * never decoded or cut into strings, and only a `/quit` among them is looked at more closely.
 * The cost is what native byte searches and a word-at-a-time count cost, whatever the content.
 */

/**
 * A connection's mute, shared by its transport's `ConnectionTable` (which sets it from the rate
 * limiter's `mute`) and its reader (which discards while `Date.now() < until`). `until` is 0 when not muted, so that the
 * reader looks at the clock only while a mute is on; the reader resets it when it expires.
 */
export interface MuteSwitch {
  until: number;
}

/** Whether `mute` is on at `now`; turns it off (to 0) once it has expired. */
export function isMuted(mute: MuteSwitch, now: number): boolean {
  if (mute.until === 0) return false;
  if (now < mute.until) return true;
  mute.until = 0;
  return false;
}

const LF = 0x0a;
const SLASH = 0x2f;
/** Below this many bytes a plain loop beats setting up the word view. */
const WORD_COUNT_MIN_BYTES = 64;

/** The number of LF bytes in `buf[start, end)`, counted four bytes at a time. */
export function countLf(buf: Uint8Array, start: number, end: number): number {
  let count = 0;
  let i = start;
  if (end - i >= WORD_COUNT_MIN_BYTES) {
    // Byte by byte to a 4-byte boundary of the underlying memory, then whole words.
    while (((buf.byteOffset + i) & 3) !== 0) if (buf[i++] === LF) count++;
    const words = (end - i) >>> 2;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = view[w]! ^ 0x0a0a0a0a; // each LF byte becomes 0
      // Bit 7 of each byte of `zeros` is set exactly where `x` has a zero byte.
      const zeros = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
      count += Math.imul(zeros >>> 7, 0x01010101) >>> 24;
    }
    i += words << 2;
  }
  while (i < end) if (buf[i++] === LF) count++;
  return count;
}

/** The ASCII whitespace that `trimStart` and `\s` treat as blank (TAB, VT, FF, CR, space). */
function isBlank(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d && byte !== LF);
}

/** Whether `/quit` (any case) starts at `slash`, followed by a blank or the end of the line at `end`. */
function quitAt(buf: Uint8Array, slash: number, end: number): boolean {
  if (slash + 5 > end) return false;
  if ((buf[slash + 1]! | 0x20) !== 0x71 || (buf[slash + 2]! | 0x20) !== 0x75) return false; // q u
  if ((buf[slash + 3]! | 0x20) !== 0x69 || (buf[slash + 4]! | 0x20) !== 0x74) return false; // i t
  return slash + 5 === end || buf[slash + 5] === LF || isBlank(buf[slash + 5]!);
}

/** Whether the line `buf[start, end)` (without its LF) is a `/quit` command, as the rate limiter would see it. */
export function isQuitLine(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isBlank(buf[i]!)) i++;
  return i < end && buf[i] === SLASH && quitAt(buf, i, end);
}

/**
 * The start of the first `/quit` line among the complete lines of `buf[start, end)`: `start` is the
 * start of a line and `end` just past an LF. -1 if there is none. Only slashes are looked at, so
 * a flood without `/` costs one native search.
 */
export function findQuitLine(buf: Buffer, start: number, end: number): number {
  let slash = buf.indexOf(SLASH, start);
  while (slash !== -1 && slash < end) {
    let lineStart = slash;
    while (lineStart > start && isBlank(buf[lineStart - 1]!)) lineStart--;
    if ((lineStart === start || buf[lineStart - 1] === LF) && quitAt(buf, slash, end)) return lineStart;
    slash = buf.indexOf(SLASH, slash + 1);
  }
  return -1;
}

/** What a client let go may still send before the server stops reading it. */
const AFTER_HANG_UP_BYTES = 64 * 1024;

/**
 * Once the server has let a client go, its input means nothing, yet a flooder keeps sending until
 * its socket is gone (up to the close timeout after its last output). Past a little of it, the
 * socket is no longer read: the close timeout ends it.
 */
export function stopReadingAfterHangUp(socket: Duplex, bytes = AFTER_HANG_UP_BYTES): void {
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= bytes) return;
    socket.off('data', onData);
    socket.pause();
  };
  socket.on('data', onData);
}
