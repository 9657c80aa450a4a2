/** Produces raw name candidates; the core cleans them and makes them unique. Injected so tests are deterministic. */
export type NameSource = () => string;

export const NAME_MAX_LENGTH = 32;
/** The name rule, as a regular expression source without anchors: the one definition clients and servers share. */
export const NAME_PATTERN_SOURCE = '[A-Za-z0-9._-]{1,32}';
const NAME_PATTERN = new RegExp(`^${NAME_PATTERN_SOURCE}$`);
const NOT_NAME_CHARS = /[^A-Za-z0-9._-]+/g;
const FALLBACK_NAME = 'guest';
/** Fresh draws before falling back to numbered suffixes, so a source that keeps repeating cannot loop forever. */
const MAX_DRAWS = 16;

/** True for a name the protocol accepts: 1-32 chars of [A-Za-z0-9._-]. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Fits any string to the name rules (faker yields apostrophes, accents, spaces): drop other chars, cut to 32. */
export function cleanName(raw: string): string {
  const cleaned = raw.normalize('NFKD').replace(NOT_NAME_CHARS, '').slice(0, NAME_MAX_LENGTH);
  return cleaned.length > 0 ? cleaned : FALLBACK_NAME;
}

/** A name with its case folded: `/msg` tries this exact (case-insensitive) match before the look-alike key. */
export function foldName(name: string): string {
  return name.toLowerCase();
}

/**
 * Characters that look alike once case is folded (capital I and small l, O and 0, S and 5, ...),
 * each mapped to one representative. `_`, `-` and `.` stay distinct: they do not pass for letters.
 */
const LOOKALIKE_CHARS: Readonly<Record<string, string>> = {
  '1': 'l',
  i: 'l',
  '|': 'l',
  '0': 'o',
  '5': 's',
  '2': 'z',
  '8': 'b',
};
const LOOKALIKE_CHAR = /[1i|0528]/g;
/** Pairs that read as one letter in most fonts; applied after the characters above (so `c1` reads `d` too). */
const LOOKALIKE_PAIRS: Readonly<Record<string, string>> = { rn: 'm', vv: 'w', cl: 'd' };
const LOOKALIKE_PAIR = /rn|vv|cl/g;

/**
 * The key under which names collide: a skeleton in the spirit of Unicode TR39, restricted to the
 * ASCII names allow. After folding case: `1 i l |` → `l`, `0 o` → `o`, `5 s` → `s`, `2 z` → `z`,
 * `8 b` → `b`, then `rn` → `m`, `vv` → `w`, `cl` → `d`. So `aIice`, `a1ice` and `al1ce` all
 * collide with `alice`, and `rnary` with `mary`.
 */
export function nameKey(name: string): string {
  return foldName(name)
    .replace(LOOKALIKE_CHAR, (char) => LOOKALIKE_CHARS[char]!)
    .replace(LOOKALIKE_PAIR, (pair) => LOOKALIKE_PAIRS[pair]!);
}

/** What a name picker needs to know: whether a name key (see `nameKey`) is in use. */
export interface TakenNames {
  has(key: string): boolean;
}

/**
 * The first of `candidates`, cleaned, whose key is free; when none is (or none is given), the last
 * cleaned candidate (or `guest`) numbered 2, 3, ... until free. Deterministic: the same candidates
 * and the same names taken always give the same name.
 */
export function pickName(candidates: readonly string[], taken: TakenNames): string {
  let candidate = FALLBACK_NAME;
  if (candidates.length === 0 && !taken.has(nameKey(candidate))) return candidate;
  for (const raw of candidates) {
    candidate = cleanName(raw);
    if (!taken.has(nameKey(candidate))) return candidate;
  }
  return numberedName(candidate, taken);
}

/**
 * Draws a valid name that is not in `taken`. Tries the source a few times, then numbers the last
 * draw, which always terminates because `taken` is finite.
 */
export function uniqueName(source: NameSource, taken: TakenNames): string {
  let candidate = FALLBACK_NAME;
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    candidate = cleanName(source());
    if (!taken.has(nameKey(candidate))) return candidate;
  }
  return numberedName(candidate, taken);
}

/** `name` with the smallest suffix 2, 3, ... that makes it free, cut to fit 32 characters. */
function numberedName(name: string, taken: TakenNames): string {
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const numbered = name.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
    if (!taken.has(nameKey(numbered))) return numbered;
  }
}
