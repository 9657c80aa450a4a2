import { type Observable, asyncScheduler, defer, filter, map, merge, mergeMap, share, takeWhile } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { chat } from '../core/chat';
import { type ChatEvent, type ChatOutput, type ClientId, type LogEntry, isRecipient } from '../core/events';
import type { NameSource } from '../core/names';
import type { ChatOperator } from '../core/chat-operator';
import type { OutputOperator } from '../operators/coalesce-storms';
import { formatText } from '../format/text-format';

/** Marks a client connecting on its input timeline. */
export const connect = Symbol('connect');
/** Marks a client hanging up cleanly (EOF). */
export const hangUp = Symbol('hang up');
/** Marks a client's connection failing (reset, write error). */
export function fail(error = 'ECONNRESET: connection reset'): { readonly fail: string } {
  return { fail: error };
}

/** What a letter on a client's input timeline stands for: a line it sends, a marker, or any event. */
export type ClientAction = string | typeof connect | typeof hangUp | { readonly fail: string } | ChatEvent;

export interface ChatMarblesOptions {
  /** Names handed out in connection order (a list), or any name source. */
  readonly names: readonly string[] | NameSource;
  /** Operators in front of the core, as `createChatServer` installs them. */
  readonly operators?: readonly ChatOperator[];
  /** Operators after the core (such as `coalesceStorms`), between it and the clients. */
  readonly outputOperators?: readonly OutputOperator[];
}

export interface ChatMarbles {
  /** Declares a client's input timeline: letters map to actions (`connect`, lines, `hangUp`, ...). */
  client(id: ClientId, marbles: string, actions: Record<string, ClientAction>): void;
  /** Injects server-side events (a `shutdown`, a notice) on a timeline. */
  server(marbles: string, events: Record<string, ChatEvent>): void;
  /** The text lines a client receives; completes when the server closes it (a `close` output). */
  linesOf(id: ClientId): Observable<string>;
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
  const inputs: Observable<ChatEvent>[] = [];
  const names = typeof options.names === 'function' ? options.names : listNames(options.names);
  // Built when first subscribed (the run's first frame), once every timeline has been declared,
  // and shared: one core for all expectations, as in a server.
  const shared = defer(() => {
    const events$ = (options.operators ?? []).reduce<Observable<ChatEvent>>((s, op) => op(s), merge(...inputs));
    // Inside TestScheduler.run the async scheduler's clock is virtual.
    const outputs$ = events$.pipe(chat({ names, now: () => asyncScheduler.now() }));
    return (options.outputOperators ?? []).reduce<Observable<ChatOutput>>((s, op) => op(s), outputs$);
  }).pipe(share());
  const outputs = (): Observable<ChatOutput> => shared;

  return {
    client(id, marbles, actions) {
      const events: Record<string, ChatEvent> = {};
      for (const [letter, action] of Object.entries(actions)) events[letter] = toEvent(id, action, inputs.length);
      inputs.push(helpers.hot(marbles, events));
    },
    server(marbles, events) {
      inputs.push(helpers.hot(marbles, events));
    },
    linesOf(id) {
      return outputs().pipe(
        takeWhile((output) => !(output.kind === 'close' && output.id === id)),
        filter((output) => output.kind === 'deliver' && isRecipient(output, id)),
        // A message may read as several lines (/help).
        mergeMap((output) => (output.kind === 'deliver' ? formatText(output.message).split('\n') : [])),
      );
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

function listNames(list: readonly string[]): NameSource {
  let next = 0;
  return () => list[next++ % list.length] ?? 'guest';
}

function toEvent(id: ClientId, action: ClientAction, index: number): ChatEvent {
  if (action === connect) return { type: 'connected', id, remote: { address: '127.0.0.1', port: 40000 + index } };
  if (action === hangUp) return { type: 'disconnected', id, reason: 'closed' };
  if (typeof action === 'string') return { type: 'line', id, text: action };
  if ('fail' in action) return { type: 'disconnected', id, reason: 'error', error: action.fail };
  return action;
}
