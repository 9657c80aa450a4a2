import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { RelayKeys } from './redis-keys';

/**
 * The relay's Redis side, as Lua scripts: each runs atomically, so the checks that keep the one order
 * (is this still the epoch I synced to? did the stream take this batch already?) cannot race.
 */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // A restarted Redis has an empty script cache; NOSCRIPT means nothing ran, so EVAL is no repeat.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Returns the current epoch's snapshot, first starting a new epoch when there is none for this Redis
 * run (a new chat, an empty restart, a restart from disk, a failover), when its snapshot is gone, or
 * when the current one is `stale`. A new epoch begins with a reset entry in the stream and an empty snapshot at that entry.
 */
const ENSURE_EPOCH = new LuaScript(`
local current = redis.call('GET', KEYS[1])
local prefix = ARGV[1] .. '/'
if (not current) or string.sub(current, 1, #prefix) ~= prefix or current == ARGV[3]
    or redis.call('EXISTS', KEYS[2]) == 0 then
  local n = redis.call('INCR', KEYS[4])
  local id = redis.call('XADD', KEYS[3], '*', 'n', n, 'reset', ARGV[1])
  current = prefix .. id
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'epoch', current, 'id', id, 'n', n, 'seqs', '{}', 'state', ARGV[2])
  redis.call('SET', KEYS[1], current)
end
return redis.call('HMGET', KEYS[2], 'epoch', 'id', 'n', 'seqs', 'state')
`);

/**
 * Appends one batch, numbered, unless:
 * -1: the epoch moved on (resync first);
 *  0: the stream already took this node's batch `seq` (a re-send after a lost reply);
 * -3: the publisher's own lease has run out (others may have reported it gone: re-announce first);
 * -2: the batch reports a node gone (ARGV[6]) that has a lease again.
 * The last two make a node-gone and the publisher's batches exclusive: a node's batches never land
 * between a node-gone of it and its re-announcements. The stream is capped at about ARGV[7] entries,
 * a safety net far past the snapshots' trimming (see SNAPSHOT).
 */
const PUBLISH = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
local seq = tonumber(ARGV[3])
if seq <= tonumber(redis.call('GET', KEYS[2]) or '0') then return {0} end
if redis.call('EXISTS', KEYS[5]) == 0 then return {-3} end
if ARGV[6] ~= '' and redis.call('EXISTS', KEYS[6]) == 1 then return {-2} end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5])
local n = redis.call('INCR', KEYS[3])
return {1, redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'n', n, 'node', ARGV[2], 'seq', ARGV[3], 'e', ARGV[4])}
`);

/**
 * Asks to build the next snapshot, at entry ARGV[2], before building it: granted (1) to one node at
 * a time (a claim that expires after ARGV[6] ms), so that the others never serialise it. Refused with
 * 0 when the stored snapshot is recent enough (the rule of SNAPSHOT), with 2 while another node
 * holds the claim. Every answer says the stored snapshot's n, age in ms and size.
 */
const CLAIM = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0, 0, 0} end
local n = tonumber(ARGV[2])
local stored = tonumber(redis.call('HGET', KEYS[2], 'n') or '-1')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local age = now - tonumber(redis.call('HGET', KEYS[2], 'at') or '0')
local size = redis.call('HSTRLEN', KEYS[2], 'state')
if n <= stored or (n < stored + tonumber(ARGV[4]) and age < tonumber(ARGV[5])) then return {0, stored, age, size} end
if redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', ARGV[6]) then return {1, stored, age, size} end
return {2, stored, age, size}
`);

/**
 * Stores a snapshot if it is `minGap` entries past the stored one, or the stored one is `maxAgeMs`
 * old (whichever process gets there first; the others are told the stored `n`), and lets go of the
 * writer's claim (ARGV[8]). Then trims the stream up to the previous snapshot: a newcomer that has
 * just read that one still finds every entry after it, and a process less than `minGap` entries
 * behind never loses an entry.
 */
const SNAPSHOT = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0} end
local n = tonumber(ARGV[3])
local stored = tonumber(redis.call('HGET', KEYS[2], 'n') or '-1')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local age = now - tonumber(redis.call('HGET', KEYS[2], 'at') or '0')
if n <= stored or (n < stored + tonumber(ARGV[6]) and age < tonumber(ARGV[7])) then return {0, stored} end
local previous = redis.call('HGET', KEYS[2], 'id')
redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'id', ARGV[2], 'n', ARGV[3], 'seqs', ARGV[4], 'state', ARGV[5], 'at', now)
if previous then redis.call('XTRIM', KEYS[3], 'MINID', previous) end
if redis.call('GET', KEYS[4]) == ARGV[8] then redis.call('DEL', KEYS[4]) end
return {1, n}
`);

/**
 * Extends the node's lease and announces the node; with ARGV[3] = '1' also takes a lease that ran
 * out. Returns 1 if it had one. Only the publisher takes a lapsed lease back, right before it
 * re-announces its clients (see PUBLISH).
 */
const LEASE = new LuaScript(`
local had = redis.call('EXISTS', KEYS[1])
if had == 0 and ARGV[3] ~= '1' then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return had
`);

/** The announced nodes whose lease has expired. */
const EXPIRED = new LuaScript(`
local expired = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. node) == 0 then table.insert(expired, node) end
end
return expired
`);

/** Once its node-gone is in the stream, a dead node is no longer announced (unless it came back). */
const FORGET = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
`);

const LEAVE = new LuaScript(`
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/** A stored snapshot: the state after entry `id` (number `n`) of `epoch`. */
export interface StoredSnapshot {
  readonly epoch: string;
  readonly id: string;
  readonly n: number;
  /** The last batch seq applied from each node. */
  readonly seqs: Readonly<Record<string, number>>;
  /** The core's snapshot, as JSON text. */
  readonly state: string;
}

/** When a snapshot replaces the stored one: `minGap` entries later, or once the stored one is `maxAgeMs` old. */
export interface SnapshotRule {
  readonly minGap: number;
  readonly maxAgeMs: number;
}

export type SnapshotResult = { readonly kind: 'stored' | 'skipped'; readonly n: number } | { readonly kind: 'stale' };

/**
 * The answer to a claim: build it ('granted'), or not: the stored one is recent enough ('skipped'),
 * another process is building one ('busy'), or the epoch moved on ('stale'). Each but the last says
 * the stored snapshot's `n`, age and size (characters of state).
 */
export type ClaimResult =
  | {
      readonly kind: 'granted' | 'skipped' | 'busy';
      readonly n: number;
      readonly ageMs: number;
      readonly size: number;
    }
  | { readonly kind: 'stale' };

export type PublishResult =
  | { readonly kind: 'added'; readonly id: string }
  | { readonly kind: 'duplicate' }
  /** The epoch moved on. */
  | { readonly kind: 'stale' }
  /** The publisher's lease ran out. */
  | { readonly kind: 'expired' }
  /** The node reported gone has a lease. */
  | { readonly kind: 'alive' };

/** How long the stream remembers a node's last batch seq (re-sends come within seconds). */
const SEQ_TTL_MS = 10 * 60_000;

/** The relay's Redis operations for one chat. */
export class RelayScripts {
  constructor(private readonly keys: RelayKeys) {}

  async ensureEpoch(redis: Redis, runId: string, emptyState: string, stale = ''): Promise<StoredSnapshot> {
    const { keys } = this;
    const reply = await ENSURE_EPOCH.run(
      redis,
      [keys.epoch, keys.snapshot, keys.stream, keys.counter],
      [runId, emptyState, stale],
    );
    const snapshot = parseSnapshot(reply);
    if (snapshot === undefined) throw new Error(`unexpected reply to the epoch script: ${JSON.stringify(reply)}`);
    return snapshot;
  }

  async readSnapshot(redis: Redis): Promise<StoredSnapshot | undefined> {
    return parseSnapshot(await redis.hmget(this.keys.snapshot, 'epoch', 'id', 'n', 'seqs', 'state'));
  }

  /** Appends a batch of `node`'s; `gone` names the node a node-gone batch reports. */
  async publish(
    redis: Redis,
    batch: { epoch: string; node: string; seq: number; payload: string; gone?: string },
    maxEntries = 100_000,
  ): Promise<PublishResult> {
    const { keys } = this;
    const gone = batch.gone ?? '';
    const reply = (await PUBLISH.run(
      redis,
      [
        keys.epoch,
        keys.seq(batch.node),
        keys.counter,
        keys.stream,
        keys.lease(batch.node),
        keys.lease(gone || batch.node),
      ],
      [batch.epoch, batch.node, batch.seq, batch.payload, SEQ_TTL_MS, gone, maxEntries],
    )) as [number, string?];
    switch (reply[0]) {
      case 1:
        return { kind: 'added', id: String(reply[1]) };
      case 0:
        return { kind: 'duplicate' };
      case -2:
        return { kind: 'alive' };
      case -3:
        return { kind: 'expired' };
      default:
        return { kind: 'stale' };
    }
  }

  /** Asks for `node` to build the snapshot at entry `n` of `epoch` (see CLAIM); the claim lasts `ttlMs`. */
  async claimSnapshot(
    redis: Redis,
    ask: { readonly epoch: string; readonly n: number; readonly node: string },
    rule: SnapshotRule,
    ttlMs: number,
  ): Promise<ClaimResult> {
    const { keys } = this;
    const args = [ask.epoch, ask.n, ask.node, rule.minGap, rule.maxAgeMs, Math.max(1, Math.ceil(ttlMs))];
    const reply = (await CLAIM.run(redis, [keys.epoch, keys.snapshot, keys.snapshotClaim], args)) as number[];
    const [code, n, ageMs, size] = reply.map(Number) as [number, number, number, number];
    if (code === -1) return { kind: 'stale' };
    return { kind: code === 1 ? 'granted' : code === 0 ? 'skipped' : 'busy', n, ageMs, size };
  }

  /**
   * Stores `snapshot` unless the stored one is recent enough (see SNAPSHOT); says which `n` is stored
   * now. Storing it ends `node`'s claim.
   */
  async writeSnapshot(redis: Redis, snapshot: StoredSnapshot, rule: SnapshotRule, node = ''): Promise<SnapshotResult> {
    const { keys } = this;
    const args = [
      snapshot.epoch,
      snapshot.id,
      snapshot.n,
      JSON.stringify(snapshot.seqs),
      snapshot.state,
      rule.minGap,
      rule.maxAgeMs,
      node,
    ];
    const [code, n] = (await SNAPSHOT.run(
      redis,
      [keys.epoch, keys.snapshot, keys.stream, keys.snapshotClaim],
      args,
    )) as [number, number];
    if (code === -1) return { kind: 'stale' };
    return { kind: code === 1 ? 'stored' : 'skipped', n: Number(n) };
  }

  /** Extends `node`'s lease if it still has one; true if it had. */
  async extendLease(redis: Redis, node: string, leaseMs: number): Promise<boolean> {
    return (await LEASE.run(redis, [this.keys.lease(node), this.keys.nodes], [node, leaseMs, '0'])) === 1;
  }

  /** Gives `node` a lease, whether or not it had one; true if it had. */
  async takeLease(redis: Redis, node: string, leaseMs: number): Promise<boolean> {
    return (await LEASE.run(redis, [this.keys.lease(node), this.keys.nodes], [node, leaseMs, '1'])) === 1;
  }

  async expiredNodes(redis: Redis): Promise<string[]> {
    return (await EXPIRED.run(redis, [this.keys.nodes], [this.keys.leasePrefix])) as string[];
  }

  async forget(redis: Redis, node: string): Promise<void> {
    await FORGET.run(redis, [this.keys.lease(node), this.keys.nodes], [node]);
  }

  async leave(redis: Redis, node: string): Promise<void> {
    const { keys } = this;
    await LEAVE.run(redis, [keys.lease(node), keys.nodes, keys.seq(node)], [node]);
  }
}

function parseSnapshot(reply: unknown): StoredSnapshot | undefined {
  const [epoch, id, n, seqs, state] = reply as (string | null)[];
  if (epoch == null || id == null || n == null || seqs == null || state == null) return undefined;
  return { epoch, id, n: Number(n), seqs: JSON.parse(seqs) as Record<string, number>, state };
}
