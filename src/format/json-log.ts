import type { LeaveReason, LogEntry, Notice } from '../core/events';
import type { ConnectionLogEntry } from '../metrics/connection-log';

export type LogLevel = 'info' | 'warn' | 'error';

/** What `formatJsonLog` puts in a line beyond the event's facts. */
export interface JsonLogOptions {
  /**
   * Include what users wrote (message text, /quit reasons). Off by default: structured logs are
   * shipped elsewhere and kept, and the chat's words are not the operator's to keep.
   */
  readonly messages?: boolean;
}

/** One line of the JSON log: `time` (ISO 8601), `level` and `event` first, then the event's fields (which cannot replace them). */
export function jsonLogLine(
  at: number,
  level: LogLevel,
  event: string,
  fields: Readonly<Record<string, unknown>> = {},
): string {
  const record: Record<string, unknown> = { time: new Date(at).toISOString(), level, event };
  for (const key of Object.keys(fields)) if (!(key in record)) record[key] = fields[key];
  return JSON.stringify(record);
}

/** The core's log entry as a JSON log line: the same events as the text log, as fields. */
export function formatJsonLog(entry: LogEntry, at: number, options: JsonLogOptions = {}): string {
  switch (entry.type) {
    case 'connected':
      return jsonLogLine(at, 'info', 'connected', {
        name: entry.name,
        address: entry.remote.address,
        port: entry.remote.port,
      });
    case 'said':
      return jsonLogLine(
        at,
        'info',
        'said',
        options.messages ? { name: entry.name, text: entry.text } : { name: entry.name },
      );
    case 'disconnected':
      return jsonLogLine(at, 'info', 'disconnected', { name: entry.name, ...leaveFields(entry.reason, options) });
    case 'renamed':
      return jsonLogLine(at, 'info', 'renamed', { from: entry.from, to: entry.to });
    case 'error':
      return jsonLogLine(at, 'warn', 'error', { name: entry.name, error: entry.error });
  }
}

/** The server's record of an eviction or a refusal as a JSON log line. */
export function formatJsonConnectionLog(entry: ConnectionLogEntry): string {
  return jsonLogLine(entry.at, 'warn', entry.type, {
    reason: entry.reason,
    transport: entry.transport,
    ...(entry.id === undefined ? {} : { id: entry.id }),
    ...(entry.remote === undefined ? {} : { address: entry.remote.address, port: entry.remote.port }),
  });
}

function leaveFields(reason: LeaveReason | undefined, options: JsonLogOptions): Record<string, string> {
  if (reason === undefined) return {};
  if (reason.kind === 'kicked') return noticeFields(reason.notice);
  return options.messages && reason.text !== undefined ? { reason: 'quit', text: reason.text } : { reason: 'quit' };
}

/** A notice's code; an operator's own words (code `text`) are the server's, so they are kept. */
function noticeFields(notice: Notice): Record<string, string> {
  return notice.code === 'text' ? { reason: 'text', notice: notice.text } : { reason: notice.code };
}
