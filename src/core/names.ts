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

/** The key under which names collide: names are unique case-insensitively. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Draws a valid name that is not in `taken` (lower-cased keys). Tries the source a few times,
 * then numbers the last draw, which always terminates because `taken` is finite.
 */
export function uniqueName(source: NameSource, taken: { has(key: string): boolean }): string {
  let candidate = FALLBACK_NAME;
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    candidate = cleanName(source());
    if (!taken.has(nameKey(candidate))) return candidate;
  }
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const numbered = candidate.slice(0, NAME_MAX_LENGTH - suffix.length) + suffix;
    if (!taken.has(nameKey(numbered))) return numbered;
  }
}
