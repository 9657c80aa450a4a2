import { type Observable, type OperatorFunction, defer, mergeMap, scan } from 'rxjs';
import { type ChatState, createChatState, restoreChatState } from './chat-state';
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
  RejoinedEvent,
} from './events';
import { isValidName, pickName } from './names';
import type { Client, Registry } from './registry';
import { whoMessage } from './who';

export { type ChatState, createChatState, snapshotChat } from './chat-state';

/** How `chat()` keeps its state. */
export interface ChatOptions {
  /**
   * The state to start from and to keep updating in place, instead of a fresh one per subscription:
   * lets its holder read the live registry (to re-announce its clients, to take snapshots). Give one
   * state to one subscription only.
   */
  readonly state?: ChatState;
}

export interface ChatStep {
  readonly state: ChatState;
  readonly outputs: readonly ChatOutput[];
}

const NOTHING: readonly ChatOutput[] = [];

/**
 * The chat protocol as a stream transformation: events in, outputs out, nothing else touched.
 * The registry is derived with `scan`; every output is computed from the event and that state only
 * (names and times come in the events, drawn and stamped at the edge), so the same events always
 * give the same outputs, in every process that applies them. Each subscription gets its own fresh
 * state unless `options.state` is given.
 */
export function chat(options: ChatOptions = {}): OperatorFunction<ChatEvent, ChatOutput> {
  return (event$: Observable<ChatEvent>) =>
    defer(() =>
      event$.pipe(
        scan((step: ChatStep, event: ChatEvent) => reduceChat(step.state, event), {
          state: options.state ?? createChatState(),
          outputs: NOTHING,
        }),
        mergeMap((step) => step.outputs),
      ),
    );
}

/**
 * One step of the protocol: what to send for one event. It updates `state` in place (the state
 * belongs to one `scan`), so keep one state per chat and pass each event once.
 */
export function reduceChat(state: ChatState, event: ChatEvent): ChatStep {
  const at = event.at ?? 0;
  switch (event.type) {
    case 'shutdown':
      return onShutdown(state, at);
    case 'reset':
      restoreChatState(state, event.snapshot);
      return unchanged(state);
  }
  if (state.closing) {
    // Shutting down: turn newcomers away, announce nothing else.
    return event.type === 'connected' || event.type === 'rejoined' ? turnAway(state, event.id) : unchanged(state);
  }
  switch (event.type) {
    case 'connected':
      return onConnected(state, event, at);
    case 'rejoined':
      return onRejoined(state, event, at);
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
    case 'node-gone':
      return onNodeGone(state, event.node, at);
    case 'node-stopping':
      return onNodeStopping(state, event.node, at);
  }
}

function onConnected(state: ChatState, event: ConnectedEvent, at: number): ChatStep {
  const { registry } = state;
  if (registry.get(event.id) !== undefined) return unchanged(state);
  if (event.node !== undefined && state.stoppedNodes.has(event.node)) return turnAway(state, event.id);
  const name = pickName(event.names ?? [], registry);
  registry.join(newClient(event.id, name, event));
  return {
    state,
    outputs: [
      log({ type: 'connected', name, remote: event.remote }, at),
      deliver([event.id], { type: 'welcome', name }, at),
      broadcast(registry, { type: 'joined', name }, at),
    ],
  };
}

/** A client re-announced after a reset: silent, unless its name went to someone else meanwhile. */
function onRejoined(state: ChatState, event: RejoinedEvent, at: number): ChatStep {
  const { registry } = state;
  if (registry.get(event.id) !== undefined) return unchanged(state);
  if (event.node !== undefined && state.stoppedNodes.has(event.node)) return turnAway(state, event.id);
  const name = pickName([event.name], registry);
  registry.join(newClient(event.id, name, event));
  if (name === event.name) return unchanged(state);
  const renamed = { from: event.name, to: name };
  return {
    state,
    outputs: [log({ type: 'renamed', ...renamed }, at), broadcast(registry, { type: 'renamed', ...renamed }, at)],
  };
}

function newClient(id: ClientId, name: string, event: ConnectedEvent | RejoinedEvent): Client {
  return event.node === undefined
    ? { id, name, remote: event.remote }
    : { id, name, remote: event.remote, node: event.node };
}

function onLine(state: ChatState, event: LineEvent, at: number): ChatStep {
  const client = state.registry.get(event.id);
  const text = event.text.trim();
  if (client === undefined || text.length === 0) return unchanged(state);
  return {
    state,
    outputs: [
      log({ type: 'said', name: client.name, text }, at),
      broadcast(state.registry, { type: 'said', name: client.name, text }, at, client.id),
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
    outputs.push(broadcast(registry, left, at));
  }
  return { state, outputs };
}

function onCommand(state: ChatState, client: Client, command: Command, at: number): ChatStep {
  const { registry } = state;
  switch (command.name) {
    case 'nick':
      return onNick(state, client, command.newName, at);
    case 'who':
      return reply(state, deliver([client.id], whoMessage(registry, command.prefix), at));
    case 'me':
      return reply(
        state,
        broadcast(registry, { type: 'action', name: client.name, text: command.action }, at, client.id),
      );
    case 'msg': {
      const target = registry.findByName(command.to);
      if (target === undefined) return reply(state, notice(client.id, { code: 'no-such-user', name: command.to }, at));
      return reply(state, deliver([target.id], { type: 'private', from: client.name, text: command.text }, at));
    }
    case 'quit':
      return command.reason === undefined
        ? depart(state, client.id, at, { reason: { kind: 'quit' } })
        : depart(state, client.id, at, {
            reason: { kind: 'quit', text: command.reason },
            publicReason: command.reason,
          });
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
      broadcast(registry, { type: 'renamed', from: client.name, to: newName }, at),
    ],
  };
}

function onShutdown(state: ChatState, at: number): ChatStep {
  if (state.closing) return unchanged(state);
  const { order } = state.registry;
  const outputs: ChatOutput[] = [];
  if (order.length > 0) outputs.push(deliver(order, { type: 'shutdown' }, at));
  for (const id of order) outputs.push({ kind: 'close', id });
  state.closing = true;
  return { state, outputs };
}

/**
 * A process died: each of its clients leaves, announced once to everyone remaining. A second report
 * finds none of them online and does nothing. The close requests matter only if the process was
 * alive after all: its clients are then closed rather than left connected outside the registry.
 */
function onNodeGone(state: ChatState, node: string, at: number): ChatStep {
  const { registry } = state;
  const gone = registry.leaveAll(registry.clientsOf(node).map((client) => client.id));
  const outputs: ChatOutput[] = [];
  for (const client of gone) {
    outputs.push({ kind: 'close', id: client.id }, log({ type: 'disconnected', name: client.name }, at));
    if (registry.size > 0) outputs.push(broadcast(registry, { type: 'left', name: client.name }, at));
  }
  return { state, outputs };
}

/**
 * One process stops while the chat goes on: a shutdown for its own clients, a leave for everyone
 * else, and no more newcomers through it.
 */
function onNodeStopping(state: ChatState, node: string, at: number): ChatStep {
  const { registry } = state;
  state.stoppedNodes.add(node);
  const leaving = registry.leaveAll(registry.clientsOf(node).map((client) => client.id));
  if (leaving.length === 0) return unchanged(state);
  const ids = leaving.map((client) => client.id);
  const outputs: ChatOutput[] = [deliver(ids, { type: 'shutdown' }, at)];
  for (const id of ids) outputs.push({ kind: 'close', id });
  for (const client of leaving) {
    outputs.push(log({ type: 'disconnected', name: client.name }, at));
    if (registry.size > 0) outputs.push(broadcast(registry, { type: 'left', name: client.name }, at));
  }
  return { state, outputs };
}

function turnAway(state: ChatState, id: ClientId): ChatStep {
  return { state, outputs: [{ kind: 'close', id }] };
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

/**
 * A message for everyone online: marked `everyone`, so that a transport holding few of them can
 * walk its own clients instead of the whole audience (a process in a big cluster).
 */
function broadcast(registry: Registry, message: ChatMessage, at: number, except?: ClientId): ChatOutput {
  const { order: to } = registry;
  return except === undefined
    ? { kind: 'deliver', to, everyone: true, message, at }
    : { kind: 'deliver', to, everyone: true, except, message, at };
}

function log(entry: LogEntry, at: number): ChatOutput {
  return { kind: 'log', entry, at };
}
