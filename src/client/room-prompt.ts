import { roomTag } from './line-style';
import { DEFAULT, type RoomState } from './room-tracker';

/** Shown instead of a room when you are in none (you parted them all). */
const NO_ROOM = '(no room)';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/**
 * The prompt for where your plain lines go: `[#rust] > ` for a room, the bare `base` for the default
 * room (its lines are unprefixed, and so is its prompt), `(no room) > ` when you are in none.
 */
export function roomPrompt(state: RoomState, colour: boolean, base = '> '): string {
  if (state.current === DEFAULT) return base;
  if (state.current === undefined) return `${colour ? `${DIM}${NO_ROOM}${RESET}` : NO_ROOM} ${base}`;
  return `${roomTag(state.current, colour)} ${base}`;
}
