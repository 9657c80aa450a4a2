import type { LeaveReason, LogEntry } from '../core/events';
import { formatNotice } from './text-format';

/** The server log's lines, as the original Python server printed them. */
export function formatLog(entry: LogEntry): string {
  switch (entry.type) {
    case 'connected':
      return `[+] ${entry.name} connected from ${entry.remote.address}:${entry.remote.port}`;
    case 'said':
      return `${entry.name}: ${entry.text}`;
    case 'disconnected':
      return entry.reason === undefined
        ? `[-] ${entry.name} disconnected`
        : `[-] ${entry.name} disconnected (${formatLeaveReason(entry.reason)})`;
    case 'renamed':
      return `[*] ${entry.from} is now known as ${entry.to}`;
    case 'error':
      return `[!] Error with ${entry.name}: ${entry.error}`;
  }
}

function formatLeaveReason(reason: LeaveReason): string {
  if (reason.kind === 'kicked') return formatNotice(reason.notice);
  return reason.text === undefined ? 'quit' : `quit: ${reason.text}`;
}
