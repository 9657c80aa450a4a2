import type { ClientId } from './events';

/**
 * Elements copied into audience arrays and compactions since the process started: what a spec
 * reads to catch joins and leaves going quadratic again (counting, not timing).
 */
export const audienceCopies = { elements: 0 };

/** An audience as of one moment: its size now, its members in join order when first asked. */
export interface AudienceView {
  /** How many members it has (no array is made). */
  readonly size: number;
  /** The members in join order: made on first call, the same array afterwards. */
  resolve(): readonly ClientId[];
}

const EMPTY: readonly ClientId[] = [];

/**
 * Members in join order, for a room or for who is online: joins and leaves cost O(1) amortised
 * while every audience handed out stays as it was.
 *
 * Why this shape: an audience array per join (`[...members, id]`) made a storm of 10,000 joins
 * copy 50 million ids, though the storm operator sends most of those audiences nowhere. So the
 * log is append-only: a join appends, a leave stamps its slot with the version it left at (a
 * tombstone), and a view is just (log, length, version), turned into an array only when someone
 * reads it (the transport, which then writes that many sockets anyway). When more than half the
 * slots are dead the live ones move to a new log; older views keep the old one, which nothing
 * writes to any more. Lines, which read the current members again and again, share one cached
 * array, dropped on the next change. A copy-on-write array with a cached snapshot alone would not
 * do: every join's announcement reads the snapshot, so each join would copy it again.
 */
export class MemberLog {
  private ids: ClientId[] = [];
  /** Per slot: 0 while its member is in, else the version it left at. */
  private leftAt: number[] = [];
  /** Each member's slot. */
  private readonly slots = new Map<ClientId, number>();
  /** Counts changes: a view at version v sees members that had not left by v. */
  private version = 0;
  private current: readonly ClientId[] | undefined = EMPTY;

  constructor(ids: Iterable<ClientId> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.slots.size;
  }

  has(id: ClientId): boolean {
    return this.slots.has(id);
  }

  /** The members now, in join order: an immutable array, the same one until the next change. */
  get members(): readonly ClientId[] {
    if (this.current === undefined) {
      this.current = materialize(this.ids, this.leftAt, this.ids.length, this.version);
    }
    return this.current;
  }

  /** The members as of now, as an array only when read (`resolve`). */
  view(): AudienceView {
    return this.current !== undefined ? new FixedView(this.current) : new LogView(this, this.size);
  }

  /** Appends a member (already in: nothing changes). */
  add(id: ClientId): void {
    if (this.slots.has(id)) return;
    this.slots.set(id, this.ids.length);
    this.ids.push(id);
    this.leftAt.push(0);
    this.changed();
  }

  /** Takes a member out; false if it was not in. */
  remove(id: ClientId): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.changed();
    if (this.slots.size === 0) {
      // Nothing written to the old log any more: views of it stay as they were.
      this.ids = [];
      this.leftAt = [];
      this.current = EMPTY;
    } else {
      this.leftAt[slot] = this.version;
      if (this.ids.length > 2 * this.slots.size) this.compact();
    }
    return true;
  }

  /** The members at `version`, given the log it then had; shares the cached array when nothing changed since. */
  resolveAt(ids: readonly ClientId[], leftAt: readonly number[], length: number, version: number): readonly ClientId[] {
    if (version === this.version && ids === this.ids) return this.members;
    return materialize(ids, leftAt, length, version);
  }

  /** What a view captures: the log, its length, the version. */
  capture(): readonly [readonly ClientId[], readonly number[], number, number] {
    return [this.ids, this.leftAt, this.ids.length, this.version];
  }

  private changed(): void {
    this.version++;
    this.current = undefined;
  }

  /** The live slots into a new log: the old one stays as older views see it. */
  private compact(): void {
    const ids: ClientId[] = [];
    const leftAt: number[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      if (this.leftAt[i] !== 0) continue;
      const id = this.ids[i]!;
      this.slots.set(id, ids.length);
      ids.push(id);
      leftAt.push(0);
    }
    audienceCopies.elements += ids.length;
    this.ids = ids;
    this.leftAt = leftAt;
  }
}

function materialize(
  ids: readonly ClientId[],
  leftAt: readonly number[],
  length: number,
  version: number,
): readonly ClientId[] {
  const members: ClientId[] = [];
  for (let i = 0; i < length; i++) {
    const left = leftAt[i]!;
    if (left === 0 || left > version) members.push(ids[i]!);
  }
  audienceCopies.elements += members.length;
  return members;
}

/** A view of an array that exists already. */
export class FixedView implements AudienceView {
  constructor(private readonly members: readonly ClientId[]) {}

  get size(): number {
    return this.members.length;
  }

  resolve(): readonly ClientId[] {
    return this.members;
  }
}

class LogView implements AudienceView {
  private readonly ids: readonly ClientId[];
  private readonly leftAt: readonly number[];
  private readonly length: number;
  private readonly version: number;
  private log: MemberLog | undefined;
  private members: readonly ClientId[] | undefined;

  constructor(
    log: MemberLog,
    readonly size: number,
  ) {
    [this.ids, this.leftAt, this.length, this.version] = log.capture();
    this.log = log;
  }

  resolve(): readonly ClientId[] {
    if (this.members === undefined) {
      this.members = this.log!.resolveAt(this.ids, this.leftAt, this.length, this.version);
      this.log = undefined;
    }
    return this.members;
  }
}

/** Everyone in any of several views, once each, in the order first met: made when read. */
export class UnionView implements AudienceView {
  private members: readonly ClientId[] | undefined;

  constructor(readonly parts: readonly AudienceView[]) {}

  /** Makes the union to count it. */
  get size(): number {
    return this.resolve().length;
  }

  resolve(): readonly ClientId[] {
    if (this.members === undefined) {
      const union = new Set<ClientId>();
      for (const view of this.parts) for (const id of view.resolve()) union.add(id);
      this.members = [...union];
      audienceCopies.elements += this.members.length;
    }
    return this.members;
  }
}
