import type { ChatMessage } from '../core/events';
import { formatNotice } from './text-format';
import { noticeLevel } from '../core/events';

/** The WebSocket subprotocol of this JSON format: a new format gets a new name. */
export const JSON_SUBPROTOCOL = 'rxchat.v1';

/**
 * How a message reads on the WebSocket protocol: the core's structured message as one JSON object.
 * A notice is flattened to its code and parameters, with its `level` and the English `text` that
 * the TCP protocol would show (without the `[!] `/`[*] ` prefix), so a page needs no wording table.
 */
export function formatJson(message: ChatMessage): string {
  if (message.type !== 'notice') return JSON.stringify(message);
  const { notice } = message;
  return JSON.stringify({ type: 'notice', ...notice, level: noticeLevel(notice), text: formatNotice(notice) });
}
