import type { ClientId } from './events';
import { nameKey } from './names';
import type { SessionRecord } from './records';

/** A session in the core's state: its record, and the connection holding it (none while detached). */
interface Session {
  hash: string;
  name: string;
  rooms: readonly string[];
  current: string | undefined;
  seen: Readonly<Record<string, number>>;
  /** Resumable until then, while detached. */
  until: number | undefined;
  holder: ClientId | undefined;
}

/** Why a session cannot be resumed. */
export type ResumeRefusal = 'unknown' | 'in-use';

/**
 * The sessions clients may resume, part of the core's state. A session is held by its connection;
 * when that connection goes, it is detached and resumable for `windowMs`, and its name is reserved
 * for it meanwhile. Times are the events' `at`, so every process expires the same sessions.
 */
export class SessionTable {
  private readonly byHash = new Map<string, Session>();
  private readonly byClient = new Map<ClientId, Session>();
  /** Detached sessions by their name's look-alike key: nobody else may take the name. */
  private readonly reserved = new Map<string, Session>();
  /** Detached sessions in the order they were detached, to expire them without a scan. */
  private expiries: { session: Session; until: number }[] = [];
  private expiriesHead = 0;

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.byHash.size;
  }

  /** The session `id` holds, if any. */
  heldBy(id: ClientId): SessionRecord | undefined {
    const session = this.byClient.get(id);
    return session === undefined ? undefined : toRecord(session);
  }

  /**
   * Opens a session held by `id` (replacing one it held: returned as `ended`), named and placed as
   * the client is now.
   */
  open(
    hash: string,
    id: ClientId,
    name: string,
    rooms: readonly string[],
    current: string | undefined,
  ): { readonly opened: SessionRecord; readonly ended?: string } {
    const old = this.byClient.get(id);
    if (old !== undefined) this.remove(old);
    const session: Session = { hash, name, rooms, current, seen: {}, until: undefined, holder: id };
    this.byHash.set(hash, session);
    this.byClient.set(id, session);
    return old === undefined ? { opened: toRecord(session) } : { opened: toRecord(session), ended: old.hash };
  }

  /**
   * The connection holding a session went: the session keeps where it was and what it was sent, and
   * waits `windowMs` for a resume, holding its name.
   */
  detach(
    id: ClientId,
    rooms: readonly string[],
    current: string | undefined,
    seen: Readonly<Record<string, number>>,
    at: number,
  ): SessionRecord | undefined {
    const session = this.byClient.get(id);
    if (session === undefined) return undefined;
    this.byClient.delete(id);
    Object.assign(session, { rooms, current, seen, until: at + this.windowMs, holder: undefined });
    this.reserved.set(nameKey(session.name), session);
    this.expiries.push({ session, until: session.until! });
    return toRecord(session);
  }

  /** Ends the session `id` holds (it quit); returns its hash. */
  end(id: ClientId): string | undefined {
    const session = this.byClient.get(id);
    if (session === undefined) return undefined;
    this.remove(session);
    return session.hash;
  }

  /** The session with this hash if `id` may take it now, else why not. */
  check(hash: string, at: number): SessionRecord | ResumeRefusal {
    const session = this.byHash.get(hash);
    if (session === undefined || (session.until !== undefined && session.until < at)) return 'unknown';
    if (session.holder !== undefined) return 'in-use';
    return toRecord(session);
  }

  /** The connection holding a session, if one does. */
  holderOf(hash: string): ClientId | undefined {
    return this.byHash.get(hash)?.holder;
  }

  /** `id` takes the detached session back. */
  attach(hash: string, id: ClientId): SessionRecord | undefined {
    const session = this.byHash.get(hash);
    if (session === undefined || session.holder !== undefined) return undefined;
    this.unreserve(session);
    session.until = undefined;
    session.holder = id;
    this.byClient.set(id, session);
    return toRecord(session);
  }

  /** The holder of a session renamed itself: the session follows. */
  rename(id: ClientId, name: string): SessionRecord | undefined {
    const session = this.byClient.get(id);
    if (session === undefined) return undefined;
    session.name = name;
    return toRecord(session);
  }

  /** Whether a name (by look-alike key) is held for a detached session at time `at`. */
  reserves(key: string, at: number): boolean {
    const session = this.reserved.get(key);
    return session !== undefined && session.until !== undefined && session.until >= at;
  }

  /** Ends the detached sessions whose window closed before `at`; returns their hashes. */
  expire(at: number): string[] {
    const ended: string[] = [];
    while (this.expiriesHead < this.expiries.length) {
      const { session, until } = this.expiries[this.expiriesHead]!;
      if (until >= at) break;
      this.expiriesHead += 1;
      // Resumed (or detached again later) since: not this entry's to end.
      if (session.until !== until || session.holder !== undefined || this.byHash.get(session.hash) !== session)
        continue;
      this.remove(session);
      ended.push(session.hash);
    }
    if (this.expiriesHead > 1024 && this.expiriesHead * 2 > this.expiries.length) {
      this.expiries = this.expiries.slice(this.expiriesHead);
      this.expiriesHead = 0;
    }
    return ended;
  }

  /** Every session, for a snapshot (held ones name their holder). */
  snapshot(): (SessionRecord & { readonly holder?: ClientId })[] {
    return [...this.byHash.values()].map((session) =>
      session.holder === undefined ? toRecord(session) : { ...toRecord(session), holder: session.holder },
    );
  }

  /**
   * Replaces every session with these. One whose holder is not given (or is not in `online`) is
   * detached, resumable until its `until`, or for `windowMs` from `at` if it had none (a process
   * restarting from its store: the connections that held sessions are gone).
   */
  restore(
    sessions: readonly (SessionRecord & { readonly holder?: ClientId })[],
    at: number,
    online: (id: ClientId) => boolean = () => false,
  ): void {
    this.byHash.clear();
    this.byClient.clear();
    this.reserved.clear();
    this.expiries = [];
    this.expiriesHead = 0;
    const detached: Session[] = [];
    for (const record of sessions) {
      const holder = record.holder !== undefined && online(record.holder) ? record.holder : undefined;
      const session: Session = {
        hash: record.hash,
        name: record.name,
        rooms: record.rooms,
        current: record.current,
        seen: record.seen,
        until: holder === undefined ? (record.until ?? at + this.windowMs) : undefined,
        holder,
      };
      this.byHash.set(session.hash, session);
      if (holder !== undefined) this.byClient.set(holder, session);
      else detached.push(session);
    }
    detached.sort((a, b) => a.until! - b.until!);
    for (const session of detached) {
      this.reserved.set(nameKey(session.name), session);
      this.expiries.push({ session, until: session.until! });
    }
  }

  private remove(session: Session): void {
    this.byHash.delete(session.hash);
    if (session.holder !== undefined) this.byClient.delete(session.holder);
    this.unreserve(session);
  }

  private unreserve(session: Session): void {
    const key = nameKey(session.name);
    if (this.reserved.get(key) === session) this.reserved.delete(key);
  }
}

function toRecord(session: Session): SessionRecord {
  const { hash, name, rooms, current, seen, until } = session;
  return {
    hash,
    name,
    rooms: [...rooms],
    ...(current === undefined ? {} : { current }),
    seen: { ...seen },
    ...(until === undefined ? {} : { until }),
  };
}
