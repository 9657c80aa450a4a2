import type { CommandHelp } from './events';

/** Every built-in command with its usage, as /help lists them. */
export const COMMAND_HELP: readonly CommandHelp[] = [
  { usage: '/nick NEW', description: 'change your name (1-32 of A-Z a-z 0-9 . _ -)' },
  { usage: '/who [PREFIX]', description: 'list who is online (or whose name starts with PREFIX)' },
  { usage: '/me ACTION', description: 'say what you are doing' },
  { usage: '/msg NAME TEXT', description: 'send a private message' },
  { usage: '/quit [REASON]', description: 'leave the chat' },
  { usage: '/help', description: 'show this help' },
];
