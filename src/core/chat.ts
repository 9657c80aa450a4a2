import { type Observable, type OperatorFunction, defer, mergeMap, scan } from 'rxjs';
import { COMMAND_HELP } from './command-help';
import type {
  ChatEvent,
  ChatMessage,
  ChatOutput,
  ClientId,
  Command,
  ConnectedEvent,
  DisconnectedEvent,
  LineEvent,
  LeaveReason,
  LogEntry,
  Notice,
} from './events';
import { type NameSource, isValidName, uniqueName } from './names';
import { type Client, Registry } from './registry';

export interface ChatOptions {
  /** Raw name candidates (e.g. faker usernames); cleaned and made unique by the core. */
  readonly names: NameSource;
  /** The clock stamped on outputs, in ms. Tests pass the TestScheduler's `now`. */
  readonly now: () => number;
}

/** The core's state between events, accumulated by `scan`. The registry is the only record of who is online. */
export interface ChatState {
  readonly registry: Registry;
  /** Set by a shutdown: nothing more is announced and new connections are turned away. */
  closing: boolean;
}

export interface ChatStep {
  readonly state: ChatState;
  readonly outputs: readonly ChatOutput[];
}

const NOTHING: readonly ChatOutput[] = [];

/**
 * The chat protocol as a stream transformation: events in, outputs out, nothing else touched.
 * The registry is derived with `scan`; every output is computed from the event and that state only,
 * so the same events always give the same outputs. Each subscription gets its own fresh state.
 */
export function chat(options: ChatOptions): OperatorFunction<ChatEvent, ChatOutput> {
  return (event$: Observable<ChatEvent>) =>
    defer(() =>
      event$.pipe(
        scan((step: ChatStep, event: ChatEvent) => reduceChat(step.state, event, options), {
          state: createChatState(),
          outputs: NOTHING,
        }),
        mergeMap((step) => step.outputs),
      ),
    );
}

/** A fresh state: nobody online. */
export function createChatState(): ChatState {
  return { registry: new Registry(), closing: false };
}

/**
 * One step of the protocol: what to send for one event. It updates `state` in place (the state
 * belongs to one `scan`), so keep one state per chat and pass each event once.
 */
export function reduceChat(state: ChatState, event: ChatEvent, options: ChatOptions): ChatStep {
  if (event.type === 'shutdown') return onShutdown(state, options);
  if (state.closing) {
    // Shutting down: turn newcomers away, announce nothing else.
    if (event.type !== 'connected') return unchanged(state);
    return { state, outputs: [{ kind: 'close', id: event.id }] };
  }
  const at = options.now();
  switch (event.type) {
    case 'connected':
      return onConnected(state, event, options.names, at);
    case 'connecting':
      return unchanged(state);
    case 'disconnected':
      return onDisconnected(state, event, at);
    case 'line':
      return onLine(state, event, at);
    case 'line-too-long':
      return reply(state, notice(event.id, { code: 'line-too-long', maxBytes: event.maxBytes }, at));
    case 'notice':
      return reply(state, notice(event.id, event.notice, at));
    case 'kick':
      return depart(state, event.id, at, { notice: event.reason, reason: { kind: 'kicked', notice: event.reason } });
    case 'command': {
      const client = state.registry.get(event.id);
      return client === undefined ? unchanged(state) : onCommand(state, client, event.command, at);
    }
  }
}

function onConnected(state: ChatState, event: ConnectedEvent, names: NameSource, at: number): ChatStep {
  const { registry } = state;
  if (registry.get(event.id) !== undefined) return unchanged(state);
  const name = uniqueName(names, registry);
  registry.join({ id: event.id, name, remote: event.remote });
  return {
    state,
    outputs: [
      log({ type: 'connected', name, remote: event.remote }, at),
      deliver([event.id], { type: 'welcome', name }, at),
      deliver(registry.order, { type: 'joined', name }, at),
    ],
  };
}

function onLine(state: ChatState, event: LineEvent, at: number): ChatStep {
  const client = state.registry.get(event.id);
  const text = event.text.trim();
  if (client === undefined || text.length === 0) return unchanged(state);
  return {
    state,
    outputs: [
      log({ type: 'said', name: client.name, text }, at),
      deliver(state.registry.order, { type: 'said', name: client.name, text }, at, client.id),
    ],
  };
}

function onDisconnected(state: ChatState, event: DisconnectedEvent, at: number): ChatStep {
  const logError = event.reason === 'error' ? (event.error ?? 'connection error') : undefined;
  return depart(state, event.id, at, { logError, closed: true });
}

interface Departure {
  /** The connection is already gone: no notice, no close request. */
  readonly closed?: boolean;
  /** A notice for the leaver before its connection is closed. */
  readonly notice?: Notice;
  /** Shown to everyone else with the leave (the /quit reason). */
  readonly publicReason?: string;
  /** For the log: why the server let the client go. */
  readonly reason?: LeaveReason;
  readonly logError?: string;
}

/** Removes a client, announces its leave to the others and, unless it is gone already, closes it. */
function depart(state: ChatState, id: ClientId, at: number, how: Departure): ChatStep {
  const outputs: ChatOutput[] = [];
  if (how.notice !== undefined) outputs.push(notice(id, how.notice, at));
  if (!how.closed) outputs.push({ kind: 'close', id });
  const { registry } = state;
  const client = registry.leave(id);
  if (client === undefined) return { state, outputs };

  if (how.logError !== undefined) outputs.push(log({ type: 'error', name: client.name, error: how.logError }, at));
  outputs.push(
    log(
      how.reason === undefined
        ? { type: 'disconnected', name: client.name }
        : { type: 'disconnected', name: client.name, reason: how.reason },
      at,
    ),
  );
  if (registry.order.length > 0) {
    const left: ChatMessage =
      how.publicReason === undefined
        ? { type: 'left', name: client.name }
        : { type: 'left', name: client.name, reason: how.publicReason };
    outputs.push(deliver(registry.order, left, at));
  }
  return { state, outputs };
}

function onCommand(state: ChatState, client: Client, command: Command, at: number): ChatStep {
  const { registry } = state;
  switch (command.name) {
    case 'nick':
      return onNick(state, client, command.newName, at);
    case 'who':
      return reply(state, deliver([client.id], { type: 'who', names: registry.names() }, at));
    case 'me':
      return reply(state, deliver(registry.order, { type: 'action', name: client.name, text: command.action }, at, client.id));
    case 'msg': {
      const target = registry.findByName(command.to);
      if (target === undefined) return reply(state, notice(client.id, { code: 'no-such-user', name: command.to }, at));
      return reply(state, deliver([target.id], { type: 'private', from: client.name, text: command.text }, at));
    }
    case 'quit':
      return command.reason === undefined
        ? depart(state, client.id, at, { reason: { kind: 'quit' } })
        : depart(state, client.id, at, { reason: { kind: 'quit', text: command.reason }, publicReason: command.reason });
    case 'help':
      return reply(state, deliver([client.id], { type: 'help', commands: COMMAND_HELP }, at));
  }
}

function onNick(state: ChatState, client: Client, newName: string, at: number): ChatStep {
  if (!isValidName(newName)) {
    return reply(state, notice(client.id, { code: 'invalid-name', name: newName }, at));
  }
  if (newName === client.name) return reply(state, notice(client.id, { code: 'same-name', name: newName }, at));
  const { registry } = state;
  const holder = registry.findByName(newName);
  if (holder !== undefined && holder.id !== client.id) {
    return reply(state, notice(client.id, { code: 'name-taken', name: newName }, at));
  }
  registry.rename(client.id, newName);
  return {
    state,
    outputs: [
      log({ type: 'renamed', from: client.name, to: newName }, at),
      deliver(registry.order, { type: 'renamed', from: client.name, to: newName }, at),
    ],
  };
}

function onShutdown(state: ChatState, options: ChatOptions): ChatStep {
  if (state.closing) return unchanged(state);
  const { order } = state.registry;
  const outputs: ChatOutput[] = [];
  if (order.length > 0) outputs.push(deliver(order, { type: 'shutdown' }, options.now()));
  for (const id of order) outputs.push({ kind: 'close', id });
  state.closing = true;
  return { state, outputs };
}

function unchanged(state: ChatState): ChatStep {
  return { state, outputs: NOTHING };
}

function reply(state: ChatState, output: ChatOutput): ChatStep {
  return { state, outputs: [output] };
}

function notice(id: ClientId, notice: Notice, at: number): ChatOutput {
  return deliver([id], { type: 'notice', notice }, at);
}

function deliver(to: readonly ClientId[], message: ChatMessage, at: number, except?: ClientId): ChatOutput {
  return except === undefined ? { kind: 'deliver', to, message, at } : { kind: 'deliver', to, except, message, at };
}

function log(entry: LogEntry, at: number): ChatOutput {
  return { kind: 'log', entry, at };
}

