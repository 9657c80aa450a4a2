import type { Notice } from '../core/events';

/** What a relay tells this process's own clients; plain `text` notices, so every transport can word them. */
export const RELAY_NOTICES = {
  /** Once per outage, to each client of this process. */
  unavailable: {
    code: 'text',
    level: 'error',
    text: 'chat relay unavailable: your messages are held until it is back',
  },
  /** Once the outage is over, to the same clients. */
  back: { code: 'text', level: 'info', text: 'chat relay is back' },
  /** To the sender of a line dropped because too many are held already. */
  notDelivered: { code: 'text', level: 'error', text: 'chat relay unavailable: message not delivered' },
  /** To a newcomer turned away because too many events are held already. */
  full: { code: 'text', level: 'error', text: 'chat relay unavailable: try again later' },
  /** To each client of a process that fell so far behind that it skipped to the latest snapshot. */
  missed: { code: 'text', level: 'error', text: 'this server fell behind: you may have missed messages' },
} as const satisfies Record<string, Notice>;
