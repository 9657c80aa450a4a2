import { map } from 'rxjs';
import type { ChatOperator } from '../core/chat-operator';

/**
 * C0 controls except TAB, DEL, C1 controls (so every ESC sequence loses its ESC/CSI), bidirectional
 * overrides and isolates, and zero-width characters: none may reach another user's terminal or
 * the server's log, and no line may pose as another user's.
 */
const UNSAFE_CHARS = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B-\u200D\uFEFF]/g;

/** Removes the characters that could drive a terminal or disguise a line. */
export function stripUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARS, '');
}

/** Cleans the text of every line before anything else sees it. */
export function stripControl(): ChatOperator {
  return map((event) => (event.type === 'line' ? { ...event, text: stripUnsafe(event.text) } : event));
}
