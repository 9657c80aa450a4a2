import { type Observable, type OperatorFunction, mergeMap, scan } from 'rxjs';
import type {
  ChatEvent,
  ChatMessage,
  ChatOutput,
  ClientId,
  ConnectedEvent,
  DisconnectedEvent,
  LineEvent,
  LogEntry,
} from './events';
import { type NameSource, uniqueName } from './names';
import { type Registry, emptyRegistry, join, leave } from './registry';

export interface ChatOptions {
  /** Raw name candidates (e.g. faker usernames); cleaned and made unique by the core. */
  readonly names: NameSource;
  /** The clock stamped on outputs, in ms. Tests pass the TestScheduler's `now`. */
  readonly now: () => number;
}

/** The core's state between events. The registry is the only record of who is online. */
export interface ChatState {
  readonly registry: Registry;
  /** Set by a shutdown: nothing more is announced and new connections are turned away. */
  readonly closing: boolean;
}

export const initialChatState: ChatState = { registry: emptyRegistry, closing: false };

interface Step {
  readonly state: ChatState;
  readonly outputs: readonly ChatOutput[];
}

const NOTHING: readonly ChatOutput[] = [];

/**
 * The chat protocol as a pure stream transformation: events in, outputs out.
 * The registry is derived with `scan`; every output is computed from the event and that state only.
 */
export function chat(options: ChatOptions): OperatorFunction<ChatEvent, ChatOutput> {
  return (event$: Observable<ChatEvent>) =>
    event$.pipe(
      scan((step: Step, event: ChatEvent) => reduceChat(step.state, event, options), {
        state: initialChatState,
        outputs: NOTHING,
      }),
      mergeMap((step) => step.outputs),
    );
}

/** One step of the protocol: the next state and what to send, for one event. */
export function reduceChat(state: ChatState, event: ChatEvent, options: ChatOptions): Step {
  switch (event.type) {
    case 'connected':
      return onConnected(state, event, options);
    case 'line':
      return onLine(state, event, options);
    case 'disconnected':
      return onDisconnected(state, event, options);
    case 'shutdown':
      return onShutdown(state, options);
  }
}

function onConnected(state: ChatState, event: ConnectedEvent, options: ChatOptions): Step {
  if (state.closing || state.registry.clients.has(event.id)) {
    return { state, outputs: state.closing ? [{ kind: 'close', id: event.id }] : NOTHING };
  }
  const name = uniqueName(options.names, state.registry.taken);
  const registry = join(state.registry, { id: event.id, name, remote: event.remote });
  const at = options.now();
  return {
    state: { ...state, registry },
    outputs: [
      log({ type: 'connected', name, remote: event.remote }, at),
      deliver([event.id], { type: 'welcome', name }, at),
      deliver(registry.order, { type: 'joined', name }, at),
    ],
  };
}

function onLine(state: ChatState, event: LineEvent, options: ChatOptions): Step {
  const client = state.registry.clients.get(event.id);
  const text = event.text.trim();
  if (client === undefined || state.closing || text.length === 0) return { state, outputs: NOTHING };
  const at = options.now();
  return {
    state,
    outputs: [
      log({ type: 'said', name: client.name, text }, at),
      deliver(state.registry.order, { type: 'said', name: client.name, text }, at, client.id),
    ],
  };
}

function onDisconnected(state: ChatState, event: DisconnectedEvent, options: ChatOptions): Step {
  const client = state.registry.clients.get(event.id);
  if (client === undefined) return { state, outputs: NOTHING };
  const registry = leave(state.registry, event.id);
  const at = options.now();
  const outputs: ChatOutput[] = [];
  if (event.reason === 'error') {
    outputs.push(log({ type: 'error', name: client.name, error: event.error ?? 'connection error' }, at));
  }
  outputs.push(log({ type: 'disconnected', name: client.name }, at));
  if (!state.closing && registry.order.length > 0) {
    outputs.push(deliver(registry.order, { type: 'left', name: client.name }, at));
  }
  return { state: { ...state, registry }, outputs };
}

function onShutdown(state: ChatState, options: ChatOptions): Step {
  if (state.closing) return { state, outputs: NOTHING };
  const { order } = state.registry;
  const outputs: ChatOutput[] = [];
  if (order.length > 0) outputs.push(deliver(order, { type: 'shutdown' }, options.now()));
  for (const id of order) outputs.push({ kind: 'close', id });
  return { state: { ...state, closing: true }, outputs };
}

function deliver(to: readonly ClientId[], message: ChatMessage, at: number, except?: ClientId): ChatOutput {
  return except === undefined ? { kind: 'deliver', to, message, at } : { kind: 'deliver', to, except, message, at };
}

function log(entry: LogEntry, at: number): ChatOutput {
  return { kind: 'log', entry, at };
}
