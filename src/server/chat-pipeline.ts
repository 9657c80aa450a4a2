import { type Observable, Subject, type Subscription, filter, identity, merge, tap } from 'rxjs';
import { chat } from '../core/chat';
import type { PipelineEvent } from '../pipeline/edge-signals';
import { trampoline } from '../pipeline/trampoline';
import type { ChatOperator } from '../pipeline/operator';
import { type ChatState, createChatState, snapshotChat } from '../core/chat-state';
import type { ChatStore, StoreRecord } from '../core/records';
import type { ChatEvent, ChatOutput } from '../core/events';
import type { ChatMetrics } from '../metrics/chat-metrics';
import { builtinOperators, defaultOperators } from '../operators/builtin-operators';
import { coalesceStorms } from '../operators/coalesce-storms';
import type { OutputOperator } from '../pipeline/operator';
import type { ChatTransport } from '../transports/chat-transport';
import type { ChatServerConfig } from './server-options';
import { stampEvents } from './stamp-events';

/** The chat's one run of operators and core, between the transports; built stopped. */
export interface ChatPipeline {
  /** Every output on its way to the transports (hot); errors when the pipeline fails, completes on `stop`. */
  readonly outputs$: Observable<ChatOutput>;
  /** The core's state, kept up to date by the core: for reading only (the IRC transport's directory). */
  readonly state: ChatState;
  /** Whether it has failed (its error is on `outputs$`): a failed pipeline serves no one. */
  readonly failed: boolean;
  /** Connects the transports' events to the chain; `onFailure` runs once, after `outputs$` errors, if the chain breaks. */
  start(onFailure: () => void): void;
  /** Disconnects everything and completes `outputs$`. */
  stop(): void;
}

/** `Array.isArray`, which does not narrow a readonly array away. */
function isList(operators: ChatServerConfig['operators']): operators is readonly ChatOperator[] {
  return Array.isArray(operators);
}

/** The operators in front of the core, as `config.operators` asks (array, function or slots among the built-ins). */
function frontOperators(config: ChatServerConfig, metrics: ChatMetrics): readonly ChatOperator[] {
  const { operators } = config;
  if (isList(operators)) return operators;
  const builtins = builtinOperators(config.policy, { metrics });
  if (typeof operators === 'function') return operators(builtins);
  return defaultOperators(builtins, operators);
}

/** The operators after the core: storms summarised, then the caller's. */
function backOperators(config: ChatServerConfig): readonly OutputOperator[] {
  return config.storms === false ? config.outputOperators : [coalesceStorms(config.storms), ...config.outputOperators];
}

/**
 * The chat as one chain: the transports' events → one hub → the operators → mutes to the transports
 * → stamped → the relay (the chat's one order) → the core → the output operators → every transport.
 */
export function chatPipeline(
  config: ChatServerConfig,
  metrics: ChatMetrics,
  transports: readonly ChatTransport[],
): ChatPipeline {
  const hub = new Subject<PipelineEvent>();
  const outputs$ = new Subject<ChatOutput>();
  const { relay, clustered } = config;
  // The core's state, kept in view: the relay snapshots it for processes that start later.
  const state = createChatState(undefined, { ...config.rooms, ...config.history });
  if (config.store !== undefined) restoreFromStore(state, config.store, config.now());
  const deliver = (output: ChatOutput) => {
    if (output.kind === 'log') config.onLog?.(output);
    else if (output.kind !== 'record') for (const transport of transports) transport.handle(output);
    outputs$.next(output);
  };
  const forward: Forward = config.store === undefined ? deliver : persistBeforeDelivering(config.store, deliver);

  const events$ = frontOperators(config, metrics)
    .reduce<Observable<PipelineEvent>>((s, op) => op(s), hub.asObservable())
    // What passes the operators is what the core acts on: who joins, is kicked or refused.
    .pipe(
      // Mutes go to the transports at once (a flooder's lines may be discarded from the next one on),
      // and neither they nor the transports' discard counts (the rate limiter's business) go further.
      filter((event): event is ChatEvent => {
        if (event.type === 'discarded') return false;
        if (event.type !== 'mute') return true;
        for (const transport of transports) transport.mute?.(event.id, event.until);
        return false;
      }),
      tap(metrics.chatEvents),
      stampEvents({ names: config.names, now: config.now, candidates: config.nameCandidates, node: config.node }),
    );
  // The relay puts this process's events in the chat's one order (in memory: as they come; over
  // Redis: with every other process's), and the core applies that order.
  if (clustered) metrics.registerRelay(() => relay.unready());
  const chat$ = relay
    .connect(clustered ? events$.pipe(tap(metrics.relayPublished)) : events$, {
      node: config.node,
      snapshot: () => snapshotChat(state),
      share: (node) => (state.registry.size === 0 ? 1 : state.registry.clientsOf(node).length / state.registry.size),
    })
    .pipe(clustered ? tap(metrics.relayApplied) : identity);
  // A trampoline right in front of the core: an event raised while another is being handled (a close
  // request ends its connection's stream at once; an operator's timer fires) waits its turn instead
  // of re-entering the core in the middle of another event's outputs.
  const coreOutputs$ = chat({ state })(chat$.pipe(trampoline()));
  const toTransports$ = backOperators(config).reduce<Observable<ChatOutput>>((s, op) => op(s), coreOutputs$);
  // Connections feed the hub but never complete it: one client leaving must not end the chat.
  const fromTransports$ = merge(...transports.map((t) => t.events$.pipe(tap(metrics.transportEvents(t.name)))));

  const subscriptions: Subscription[] = [];
  let failed = false;
  return {
    outputs$: outputs$.asObservable(),
    state,
    get failed() {
      return failed;
    },
    start(onFailure) {
      subscriptions.push(
        toTransports$.subscribe({
          next: forward,
          error: (error: unknown) => {
            failed = true;
            console.error('[!] chat pipeline failed:', error);
            outputs$.error(error);
            onFailure();
          },
        }),
      );
      subscriptions.push(fromTransports$.subscribe({ next: (event) => hub.next(event) }));
    },
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      forward.flush?.();
      config.store?.close();
      outputs$.complete();
    },
  };
}

/** Where the chain's outputs go; `flush` hands on what is held, at once. */
type Forward = ((output: ChatOutput) => void) & { flush?: () => void };

/** A fresh state takes the store's history, and its sessions, detached: their connections are gone. */
function restoreFromStore(state: ChatState, store: ChatStore, now: number): void {
  const stored = store.load();
  state.history.restore(stored.rooms);
  state.sessions.restore(stored.sessions, now);
}

/**
 * Hands outputs on once the records before them are in the store: a message that reached anyone is
 * stored. Records gathered over one event-loop turn are written as one batch; outputs that follow
 * no record in that turn go straight on.
 */
function persistBeforeDelivering(store: ChatStore, deliver: (output: ChatOutput) => void): Forward {
  let records: StoreRecord[] = [];
  let held: ChatOutput[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (records.length > 0) {
      const batch = records;
      records = [];
      try {
        store.write(batch);
      } catch (error) {
        // The chat goes on without its copy rather than stopping: say so loudly.
        console.error(`[!] history store write failed (${batch.length} records): ${(error as Error).message}`);
      }
    }
    const out = held;
    held = [];
    for (const output of out) deliver(output);
  };
  const forward = (output: ChatOutput) => {
    if (output.kind === 'record') {
      records.push(output.record);
      hold();
      return;
    }
    if (!scheduled) return deliver(output);
    held.push(output);
  };
  const hold = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return Object.assign(forward, { flush });
}
