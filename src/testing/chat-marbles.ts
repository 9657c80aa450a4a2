import {
  type MonoTypeOperatorFunction,
  type Observable,
  asyncScheduler,
  defer,
  filter,
  map,
  merge,
  mergeMap,
  share,
  takeWhile,
} from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { chat } from '../core/chat';
import {
  type ChatEvent,
  type ChatMessage,
  type ChatOutput,
  type ClientId,
  type Delivery,
  type LogEntry,
  isRecipient,
} from '../core/events';
import type { NameSource } from '../core/names';
import { type PipelineEvent, isEdgeSignal } from '../pipeline/edge-signals';
import type { ChatOperator, OutputOperator } from '../pipeline/operator';
import { formatText } from '../format/text-format';
import { DEFAULT_ROOM, type RoomLimits } from '../core/rooms';
import { stampEvents } from '../server/stamp-events';

/** Marks a client connecting on its input timeline. */
export const connect = Symbol('connect');
/** Marks a client hanging up cleanly (EOF). */
export const hangUp = Symbol('hang up');
/**
 * Marks a client's connection failing (reset, write error): the core sees it disconnect with
 * reason `error` and this message. (Not `fail`, which would shadow Jest's global.)
 */
export function connectionError(error = 'ECONNRESET: connection reset'): { readonly fail: string } {
  return { fail: error };
}

/** What a letter on a client's input timeline stands for: a line it sends, a marker, or any event (an edge signal too). */
export type ClientAction = string | typeof connect | typeof hangUp | { readonly fail: string } | PipelineEvent;

/** What `chatMarbles` runs: the names handed out and the operators around the core. */
export interface ChatMarblesOptions {
  /**
   * Names handed out in connection order (a list: the n-th connection is offered the list from its
   * n-th name on, so a taken name passes to the next), or any name source (each connection is
   * offered 4 draws, as the server does).
   */
  readonly names: readonly string[] | NameSource;
  /** Operators in front of the core, as `createChatServer` installs them. */
  readonly operators?: readonly ChatOperator[];
  /** Operators after the core (such as `coalesceStorms`), between it and the clients. */
  readonly outputOperators?: readonly OutputOperator[];
  /** The default room and the room limits, as the server's options give them. */
  readonly rooms?: RoomLimits;
}

/** A marble test's chat: declare the clients' timelines, then read what each one receives. */
export interface ChatMarbles {
  /** Declares a client's input timeline: letters map to actions (`connect`, lines, `hangUp`, ...). */
  client(id: ClientId, marbles: string, actions: Record<string, ClientAction>): void;
  /** Injects server-side events (a `shutdown`, a notice) on a timeline. */
  server(marbles: string, events: Record<string, PipelineEvent>): void;
  /** The text lines a client receives; completes when the server closes it (a `close` output). */
  linesOf(id: ClientId): Observable<string>;
  /** The messages a client receives, as data (what the JSON protocol sends); completes when the server closes it. */
  messagesOf(id: ClientId): Observable<ChatMessage>;
  /** The server log's entries. */
  log(): Observable<LogEntry>;
  /** Every output of the core. */
  outputs(): Observable<ChatOutput>;
}

/**
 * Drives the real core (and any operators) from marble timelines, inside `TestScheduler.run`.
 * Declare every client before the run's first frame; expectations read each client's lines.
 *
 *   scheduler.run((helpers) => {
 *     const chat = chatMarbles(helpers, { names: ['alice', 'bob'] });
 *     chat.client('alice', 'c--h', { c: connect, h: 'hello' });
 *     chat.client('bob',   '-c--', { c: connect });
 *     helpers.expectObservable(chat.linesOf('bob')).toBe('-(wj)-s', { ... });
 *   });
 */
export function chatMarbles(helpers: RunHelpers, options: ChatMarblesOptions): ChatMarbles {
  const inputs: Observable<PipelineEvent>[] = [];
  // Built when first subscribed (the run's first frame), once every timeline has been declared,
  // and shared: one core for all expectations, as in a server.
  const shared = defer(() => {
    const events$ = (options.operators ?? [])
      .reduce<Observable<PipelineEvent>>((s, op) => op(s), merge(...inputs))
      // As in the server, the edge signals (mute, discarded) stop after the operators.
      .pipe(filter((event): event is ChatEvent => !isEdgeSignal(event)));
    // Stamped as the server stamps them; inside TestScheduler.run the async scheduler's clock is virtual.
    const stamp = stampEvents({ names: nameSource(options.names), now: () => asyncScheduler.now() });
    const { names } = options;
    const offer: MonoTypeOperatorFunction<ChatEvent> = typeof names === 'function' ? (s) => s : offerNames(names);
    const outputs$ = events$.pipe(offer, stamp, chat(options.rooms));
    return (options.outputOperators ?? []).reduce<Observable<ChatOutput>>((s, op) => op(s), outputs$);
  }).pipe(share());
  const outputs = (): Observable<ChatOutput> => shared;
  const defaultRoom = options.rooms?.defaultRoom ?? DEFAULT_ROOM;
  const deliveriesTo = (id: ClientId): Observable<Delivery> =>
    outputs().pipe(
      takeWhile((output) => !(output.kind === 'close' && output.id === id)),
      filter((output): output is Delivery => output.kind === 'deliver' && isRecipient(output, id)),
    );

  return {
    client(id, marbles, actions) {
      const events: Record<string, PipelineEvent> = {};
      for (const [letter, action] of Object.entries(actions)) events[letter] = toEvent(id, action, inputs.length);
      inputs.push(helpers.hot(marbles, events));
    },
    server(marbles, events) {
      inputs.push(helpers.hot(marbles, events));
    },
    linesOf(id) {
      // A message may read as several lines (/help).
      return deliveriesTo(id).pipe(mergeMap((delivery) => formatText(delivery.message, defaultRoom).split('\n')));
    },
    messagesOf(id) {
      return deliveriesTo(id).pipe(map((delivery) => delivery.message));
    },
    log() {
      return outputs().pipe(
        filter((output) => output.kind === 'log'),
        map((output) => (output.kind === 'log' ? output.entry : (undefined as never))),
      );
    },
    outputs,
  };
}

/** Offers the n-th connection the list from its n-th name on (wrapping), unless it brings candidates of its own. */
function offerNames(list: readonly string[]): MonoTypeOperatorFunction<ChatEvent> {
  let next = 0;
  return map((event) => {
    if (event.type !== 'connected' || event.names !== undefined || list.length === 0) return event;
    const start = next++ % list.length;
    return { ...event, names: [...list.slice(start), ...list.slice(0, start)] };
  });
}

function nameSource(names: readonly string[] | NameSource): NameSource {
  return typeof names === 'function' ? names : listNames(names);
}

function listNames(list: readonly string[]): NameSource {
  let next = 0;
  return () => list[next++ % list.length] ?? 'guest';
}

function toEvent(id: ClientId, action: ClientAction, index: number): PipelineEvent {
  if (action === connect) return { type: 'connected', id, remote: { address: '127.0.0.1', port: 40000 + index } };
  if (action === hangUp) return { type: 'disconnected', id, reason: 'closed' };
  if (typeof action === 'string') return { type: 'line', id, text: action };
  if ('fail' in action) return { type: 'disconnected', id, reason: 'error', error: action.fail };
  return action;
}
