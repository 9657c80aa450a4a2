/**
 * The stamp that ends every line the load generator sends: `~K` + sender (5 digits) + sequence
 * (9 digits) + send time in µs (12 digits). Fixed width at the end of the line, so a receiver finds
 * it from the LF alone, whatever the sender's name, and parses it from bytes without allocating.
 * Joins, leaves and welcomes never end this way, so only chat lines are counted.
 */
export const STAMP_LEN = 28;
const SENDER_DIGITS = 5;
const SEQ_DIGITS = 9;
const TIME_DIGITS = 12;
const TILDE = 0x7e;
const ZERO = 0x30;

/** Measured traffic, and sync pings that only prove a client is in the broadcast audience. */
export const KIND_MEASURE = 0x4d; // 'M'
export const KIND_SYNC = 0x53; // 'S'

export function stampText(kind: number, sender: number, seq: number, micros: number): string {
  return (
    '~' +
    String.fromCharCode(kind) +
    String(sender).padStart(SENDER_DIGITS, '0') +
    String(seq).padStart(SEQ_DIGITS, '0') +
    String(Math.floor(micros)).padStart(TIME_DIGITS, '0')
  );
}

/** A parsed stamp, written into a reused object. */
export interface Stamp {
  kind: number;
  sender: number;
  seq: number;
  micros: number;
}

/** Parses the stamp at buf[at .. at+STAMP_LEN); false when those bytes are not a stamp. */
export function readStamp(buf: Uint8Array, at: number, out: Stamp): boolean {
  if (at < 0 || buf[at] !== TILDE) return false;
  const kind = buf[at + 1]!;
  if (kind !== KIND_MEASURE && kind !== KIND_SYNC) return false;
  let i = at + 2;
  const sender = digits(buf, i, SENDER_DIGITS);
  i += SENDER_DIGITS;
  const seq = digits(buf, i, SEQ_DIGITS);
  i += SEQ_DIGITS;
  const micros = digits(buf, i, TIME_DIGITS);
  if (sender < 0 || seq < 0 || micros < 0) return false;
  out.kind = kind;
  out.sender = sender;
  out.seq = seq;
  out.micros = micros;
  return true;
}

function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
