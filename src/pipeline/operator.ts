import type { MonoTypeOperatorFunction } from 'rxjs';
import type { ChatOutput } from '../core/events';
import type { PipelineEvent } from './edge-signals';

/**
 * The extension point in front of the core: a policy or feature over the event stream from the
 * transports. It may drop events (a flood), rewrite them (strip control characters, parse
 * commands) or add some (a notice, a kick, a `mute` for the transports); the built-in policies are
 * operators of this type too. Edge signals (`mute`, `discarded`) pass through it and stop after
 * the last operator; the core sees only `ChatEvent`s.
 */
export type ChatOperator = MonoTypeOperatorFunction<PipelineEvent>;

/**
 * A policy over the core's outputs, installed after it on the way to the transports (the
 * counterpart of a `ChatOperator`): it may hold, merge or drop deliveries, as `coalesceStorms`
 * summarises join and leave storms.
 */
export type OutputOperator = MonoTypeOperatorFunction<ChatOutput>;
