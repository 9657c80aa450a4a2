import type { SchedulerLike } from 'rxjs';
import type { ChatOperator } from '../pipeline/operator';
import type { LineDrops } from '../pipeline/reports';
import { commands } from './commands';
import { connectRate } from './connect-rate';
import { idleTimeout } from './idle-timeout';
import { maxClients } from './max-clients';
import { maxClientsPerIp } from './max-clients-per-ip';
import { rateLimit } from './rate-limit';
import { stripControl } from './strip-control';

/** The limits behind the built-in policies; each is also a flag of `rxchat-server`. */
export interface PolicyOptions {
  /** Lines per second per client (token bucket); 0 turns rate limiting off. Default 5. */
  readonly rate?: number;
  /** Lines a client may send at once. Default 10. */
  readonly burst?: number;
  /** Open connections past which newcomers are refused. Default 10000. */
  readonly maxClients?: number;
  /**
   * Open connections per address (IPv6: per /64) past which newcomers are refused; 0 turns it off.
   * Default 128: a room of 100 behind one NAT, with room for reconnects.
   */
  readonly maxClientsPerIp?: number;
  /**
   * New connections per address (IPv6: per /64) per minute, all of them at once if need be; 0 turns
   * it off. Default 120: a room of 100 behind one NAT joins at once, a connect/quit loop gets two a second.
   */
  readonly connectRate?: number;
  /** Seconds of silence before a client is disconnected; 0 (the default) turns it off. */
  readonly idleTimeoutSeconds?: number;
  /** Whose clock the timed policies use: virtual in marble tests. */
  readonly scheduler?: SchedulerLike;
}

/** The built-in policies' limits when `PolicyOptions` leaves them out (and the `rxchat-server` flags' defaults). */
export const DEFAULT_POLICY = {
  rate: 5,
  burst: 10,
  maxClients: 10_000,
  idleTimeoutSeconds: 0,
  maxClientsPerIp: 128,
  connectRate: 120,
} as const;

/** The built-in operators, configured, by name: pick, reorder, replace or drop them. */
export interface BuiltinOperators {
  readonly stripControl: ChatOperator;
  readonly maxClients: ChatOperator;
  readonly maxClientsPerIp: ChatOperator;
  readonly connectRate: ChatOperator;
  readonly idleTimeout: ChatOperator;
  readonly rateLimit: ChatOperator;
  readonly commands: ChatOperator;
}

/** Where the built-ins report what they drop (the server passes its metrics). */
export interface BuiltinHooks {
  readonly metrics?: LineDrops;
}

/** The built-in operators, configured by `policy`'s limits, by name (`defaultOperators` orders them). */
export function builtinOperators(policy: PolicyOptions = {}, hooks: BuiltinHooks = {}): BuiltinOperators {
  const scheduler = policy.scheduler;
  return {
    stripControl: stripControl(),
    maxClients: maxClients(policy.maxClients ?? DEFAULT_POLICY.maxClients),
    maxClientsPerIp: maxClientsPerIp(policy.maxClientsPerIp ?? DEFAULT_POLICY.maxClientsPerIp),
    connectRate: connectRate(policy.connectRate ?? DEFAULT_POLICY.connectRate, { scheduler }),
    idleTimeout: idleTimeout((policy.idleTimeoutSeconds ?? DEFAULT_POLICY.idleTimeoutSeconds) * 1_000, { scheduler }),
    rateLimit: rateLimit({
      rate: policy.rate ?? DEFAULT_POLICY.rate,
      burst: policy.burst ?? DEFAULT_POLICY.burst,
      scheduler,
      metrics: hooks.metrics,
    }),
    commands: commands(),
  };
}

/** A built-in operator's name: where `OperatorSlots` put your operators. */
export type BuiltinName = keyof BuiltinOperators;

/**
 * Your operators among the built-ins, placed by a built-in's name instead of restating the whole
 * list: `before` or `after` it, or in its stead (`replace`; `false` drops it). A dropped or replaced
 * built-in keeps its place, so operators before and after it stay where they were.
 *
 *   defaultOperators(builtins, { before: { commands: [diceRoll()] }, replace: { idleTimeout: false } })
 */
export interface OperatorSlots {
  readonly before?: Partial<Record<BuiltinName, readonly ChatOperator[]>>;
  readonly after?: Partial<Record<BuiltinName, readonly ChatOperator[]>>;
  readonly replace?: Partial<Record<BuiltinName, ChatOperator | false>>;
}

/**
 * The order the server installs them in: text is cleaned before anyone reads it, refused clients
 * go no further (the connect throttle first, so that a refused try takes no one's place), silence
 * is measured before the rate limiter drops lines, and commands are parsed last so that operators
 * before them can add commands of their own.
 */
const ORDER: readonly BuiltinName[] = [
  'stripControl',
  'connectRate',
  'maxClientsPerIp',
  'maxClients',
  'idleTimeout',
  'rateLimit',
  'commands',
];

/** Throws on a slot or a built-in name that does not exist (a typo would leave an operator silently out). */
function checkSlots(slots: OperatorSlots): void {
  for (const [slot, byName] of Object.entries(slots) as [string, object | undefined][]) {
    if (!['before', 'after', 'replace'].includes(slot)) {
      throw new RangeError(`defaultOperators: no slot "${slot}" (before, after, replace)`);
    }
    for (const name of Object.keys(byName ?? {})) {
      if (!(ORDER as readonly string[]).includes(name)) {
        throw new RangeError(`defaultOperators: no built-in operator "${name}" in ${slot} (${ORDER.join(', ')})`);
      }
    }
  }
}

/**
 * The built-ins in the order the server installs them (see `ORDER` for why), with your own operators
 * in the `slots` you name: `defaultOperators(builtins, { before: { commands: [diceRoll()] } })`.
 */
export function defaultOperators(builtins: BuiltinOperators, slots: OperatorSlots = {}): ChatOperator[] {
  checkSlots(slots);
  return ORDER.flatMap((name) => {
    const replacement = slots.replace?.[name];
    const own = replacement === undefined ? [builtins[name]] : replacement === false ? [] : [replacement];
    return [...(slots.before?.[name] ?? []), ...own, ...(slots.after?.[name] ?? [])];
  });
}
