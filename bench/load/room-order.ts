/**
 * The rooms scenarios' bookkeeping: which room each load client is in, and whether the members of
 * a room saw its lines in one order.
 */

/** The room of client `index` when clients fill rooms of `roomSize` in turn: 0-9 in room 0, and so on. */
export function roomOf(index: number, roomSize: number): number {
  return Math.floor(index / roomSize);
}

/** A line as its receivers record it: its sender's place in the room and its sequence number, in one integer. */
export function lineId(seq: number, slot: number, roomSize: number): number {
  return seq * roomSize + slot;
}

/**
 * How many members of one room saw its lines in an order another member contradicts. `views[m]` is
 * what member m received, in order: every line of the room but its own. Each member is compared
 * with three references on the lines both saw. That covers every pair of members and lines: of any
 * two lines, one reference sent neither, so saw both, and two members who agree with it agree with
 * each other. Lost or duplicated lines are counted elsewhere; a duplicate also counts here.
 */
export function roomOrderBreaks(views: readonly (readonly number[])[]): number {
  const references = Math.min(3, views.length);
  let breaks = 0;
  for (let m = 0; m < views.length; m++) {
    for (let r = 0; r < references; r++) {
      if (r !== m && !sameOrderOnCommonLines(views[m]!, views[r]!)) {
        breaks++;
        break;
      }
    }
  }
  return breaks;
}

function sameOrderOnCommonLines(a: readonly number[], b: readonly number[]): boolean {
  const inA = new Set(a);
  const inB = new Set(b);
  const commonA = a.filter((id) => inB.has(id));
  const commonB = b.filter((id) => inA.has(id));
  return commonA.length === commonB.length && commonA.every((id, i) => id === commonB[i]);
}

/**
 * The `k`-th of the rooms client `index` joins in the join scenario, out of `rooms` rooms: one
 * round of rooms per `k`, and a different shuffle of the clients in each round (multiplying by a
 * number prime to `clients` permutes them), so a client's rooms hold different people.
 */
export function joinRoomOf(index: number, k: number, clients: number, roomSize: number): number {
  const roomsPerRound = Math.ceil(clients / roomSize);
  const coprime = MULTIPLIERS.filter((m) => gcd(m, clients) === 1);
  const multiplier = coprime[k % coprime.length]!;
  return k * roomsPerRound + Math.floor(((index * multiplier) % clients) / roomSize);
}

const MULTIPLIERS = [1, 3, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47];

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
