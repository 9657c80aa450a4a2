import type { MonoTypeOperatorFunction } from 'rxjs';
import type { ChatEvent } from './events';

/**
 * The extension point: a policy or feature over the event stream, installed in front of the core.
 * It may drop events (a flood), rewrite them (strip control characters, parse commands) or add some
 * (a notice, a kick); the built-in policies are operators of this type too.
 */
export type ChatOperator = MonoTypeOperatorFunction<ChatEvent>;
