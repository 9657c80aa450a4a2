import { Observable, type SchedulerAction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import type { ChatMessage, ChatOutput, ClientId, Delivery, RoomAudience } from '../core/events';
import { withAudience } from '../core/lazy-delivery';
import type { OutputOperator } from '../pipeline/operator';
import { TokenBucket } from './token-bucket';

/** When `coalesceStorms` starts summarising joins and leaves, and how. */
export interface CoalesceStormsOptions {
  /** Joins (and, apart, leaves) a second announced one by one, as a burst too. Default 50. */
  readonly perSecond?: number;
  /** Past that pace, one summary per kind per this many ms. Default 1000. */
  readonly intervalMs?: number;
  /** Names a summary lists; the rest are counted. Default 10. */
  readonly listNames?: number;
  /** Whose clock measures time: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

export const DEFAULT_STORMS = { perSecond: 50, intervalMs: 1_000, listNames: 10 } as const;

type Kind = 'joined' | 'left';

interface Storm {
  readonly kind: Kind;
  /** The room it is about; undefined for leaves delivered without their rooms. */
  readonly room: string | undefined;
  /** Announcements that may still go out one by one. */
  readonly tokens: TokenBucket;
  /** Inside a storm every announcement of this kind is coalesced, until an interval is calm again. */
  timer: Subscription | undefined;
  names: string[];
  count: number;
  /**
   * The room's members as of its latest join or leave (an immutable list): who gets the summary.
   * Read only then: a join's audience is made into an array when first read (see `lazyDelivery`).
   */
  audience: Audience;
}

/** Where a storm's audience is read from when its summary goes out. */
type Audience = Pick<Delivery, 'to'> | Pick<RoomAudience, 'members'>;

const NOBODY: Audience = { to: [] };

function membersOf(audience: Audience): readonly ClientId[] {
  return 'to' in audience ? audience.to : audience.members;
}

/** Past this many storms kept, calm ones with a full bucket are forgotten (rooms come and go). */
const SWEEP_AFTER = 1_024;

/**
 * Join and leave storms, per room: a room joining at a normal pace (up to `perSecond` joins a
 * second, as a burst too) sees every join and leave as the core announces them. Past that, the
 * announcements to that room are coalesced into one summary per kind per `intervalMs`
 * (`joined-many`, `left-many`: the first `listNames` names and the count), sent to its members,
 * while each newcomer still gets its own join line at once. The storm ends after an interval with
 * fewer than `perSecond` announcements a second. So 10,000 joins cost a few summaries to everyone,
 * not 50 million lines. A leave from the chat is counted in each room the leaver was in.
 *
 * It works on the core's outputs (deliveries), not on its events:
 *
 * ```text
 * (12345)---------- 1s -----------   1..5: "cN joined", each delivered to the room's members
 *   [   coalesceStorms({ perSecond: 2 })   ]
 * (12345')--------- 1s ----------S   3'..5': each to its newcomer alone
 *                                    S (1 s after the burst): joined-many ["c3", "c4", "c5"], count 3, to the room
 * ```
 *
 * @example
 * ```ts
 * import { coalesceStorms } from 'rxchat';
 *
 * // Past 50 joins a second, one "[+] 1234 joined: ..." a second instead of a line per join.
 * const outputs$ = coreOutputs$.pipe(coalesceStorms({ perSecond: 50, intervalMs: 1_000, listNames: 10 }));
 * ```
 *
 * @see spec/operators/coalesce-storms.spec.ts
 */
export function coalesceStorms(options: CoalesceStormsOptions = {}): OutputOperator {
  const perSecond = options.perSecond ?? DEFAULT_STORMS.perSecond;
  const intervalMs = options.intervalMs ?? DEFAULT_STORMS.intervalMs;
  const listNames = options.listNames ?? DEFAULT_STORMS.listNames;
  const scheduler = options.scheduler ?? asyncScheduler;
  const calm = (perSecond * intervalMs) / 1_000;
  return (source) =>
    new Observable<ChatOutput>((subscriber) => {
      const storms = new Map<string, Storm>();
      let sweepAt = SWEEP_AFTER;
      /** The client just welcomed: the core announces its join right after. */
      let welcomed: { readonly id: ClientId; readonly name: string } | undefined;
      let over = false;

      const stop = () => {
        over = true;
        for (const storm of storms.values()) storm.timer?.unsubscribe();
      };

      const stormOf = (kind: Kind, room: string | undefined, now: number): Storm => {
        const key = `${kind}${room ?? ''}`;
        let storm = storms.get(key);
        if (storm === undefined) {
          if (storms.size >= sweepAt) sweep(now);
          storm = {
            kind,
            room,
            tokens: new TokenBucket(perSecond, perSecond, 1_000, now),
            timer: undefined,
            names: [],
            count: 0,
            audience: NOBODY,
          };
          storms.set(key, storm);
        }
        return storm;
      };

      /** Forgets storms that are over and would have a full bucket: they hold nothing a new one would not. */
      const sweep = (now: number): void => {
        for (const [key, storm] of storms) {
          if (storm.timer === undefined && storm.tokens.isFull(now)) storms.delete(key);
        }
        sweepAt = Math.max(SWEEP_AFTER, storms.size * 2);
      };

      /** A room's latest members, for both of its storms: a summary goes to who is there when it is sent. */
      const seen = (room: string | undefined, audience: Audience): void => {
        for (const kind of ['joined', 'left'] as const) {
          const storm = storms.get(`${kind}${room ?? ''}`);
          if (storm !== undefined) storm.audience = audience;
        }
      };

      /** Takes a token, if the storm is calm and has one: then the announcement goes out as it is. */
      const passes = (storm: Storm, now: number): boolean => {
        storm.tokens.refill(now);
        return storm.timer === undefined && storm.tokens.take(now);
      };

      const flush = (storm: Storm): void => {
        const { names, count, room } = storm;
        storm.names = [];
        storm.count = 0;
        if (count > 0) {
          const message: ChatMessage =
            storm.kind === 'joined'
              ? room === undefined
                ? { type: 'joined-many', names, count }
                : { type: 'joined-many', names, count, room }
              : room === undefined
                ? { type: 'left-many', names, count }
                : { type: 'left-many', names, count, room };
          subscriber.next({ kind: 'deliver', to: membersOf(storm.audience), message, at: scheduler.now() });
        }
        if (count < calm) {
          storm.timer?.unsubscribe();
          storm.timer = undefined;
        }
      };

      const coalesce = (storm: Storm, name: string): void => {
        storm.count++;
        if (storm.names.length < listNames) storm.names.push(name);
        if (storm.timer === undefined) {
          storm.timer = scheduler.schedule(function (this: SchedulerAction<undefined>) {
            flush(storm);
            if (storm.timer !== undefined) this.schedule(undefined, intervalMs);
          }, intervalMs);
        }
      };

      /** A join (to the chat or a room): at once to the newcomer, and to the others unless the room storms. */
      const onJoin = (delivery: Delivery, room: string | undefined, name: string): void => {
        const now = scheduler.now();
        const storm = stormOf('joined', room, now);
        seen(room, delivery);
        if (passes(storm, now)) return subscriber.next(delivery);
        coalesce(storm, name);
        // The newcomer's own join line, at once: the one the core welcomed just before, else the latest member.
        const id = welcomed?.name === name ? welcomed.id : delivery.to[delivery.to.length - 1];
        if (id !== undefined) subscriber.next(withAudience(delivery, [id]));
      };

      /** A leave from one room (/part), or from the chat (counted in each of the leaver's rooms). */
      const onLeave = (delivery: Delivery, name: string, rooms: readonly RoomAudience[] | undefined): void => {
        const now = scheduler.now();
        if (rooms === undefined || rooms.length <= 1) {
          const storm = stormOf('left', rooms?.[0]?.room, now);
          seen(rooms?.[0]?.room, delivery);
          if (passes(storm, now)) return subscriber.next(delivery);
          return coalesce(storm, name);
        }
        // A leaver in several rooms: rooms at a normal pace hear of it at once (once each member),
        // storming rooms count it in their summary.
        const calmRooms: RoomAudience[] = [];
        for (const room of rooms) {
          const storm = stormOf('left', room.room, now);
          seen(room.room, room);
          if (passes(storm, now)) calmRooms.push(room);
          else coalesce(storm, name);
        }
        if (calmRooms.length === rooms.length) return subscriber.next(delivery);
        if (calmRooms.length === 0) return;
        const to = new Set<ClientId>();
        for (const room of calmRooms) for (const id of room.members) to.add(id);
        subscriber.next({ ...withAudience(delivery, [...to]), rooms: calmRooms });
      };

      const subscription = source.subscribe({
        next(output) {
          if (over || output.kind !== 'deliver') return subscriber.next(output);
          const { message } = output;
          switch (message.type) {
            case 'welcome':
              welcomed = { id: output.to[0]!, name: message.name };
              return subscriber.next(output);
            case 'shutdown':
              stop();
              return subscriber.next(output);
            case 'joined':
            case 'entered':
              return onJoin(output, message.room, message.name);
            case 'parted':
              // Read only if the part is announced: a part's audience is made into an array when read.
              return onLeave(output, message.name, [
                {
                  room: message.room,
                  get members() {
                    return output.to;
                  },
                },
              ]);
            case 'left':
              return onLeave(output, message.name, output.rooms);
            default:
              return subscriber.next(output);
          }
        },
        error: (error: unknown) => {
          stop();
          subscriber.error(error);
        },
        complete: () => {
          stop();
          subscriber.complete();
        },
      });
      return () => {
        stop();
        subscription.unsubscribe();
      };
    });
}
