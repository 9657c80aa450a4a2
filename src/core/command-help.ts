import type { CommandHelp } from './events';

/** Every built-in command with its usage, as /help lists them. */
export const COMMAND_HELP: readonly CommandHelp[] = [
  { usage: '/nick NEW', description: 'change your name (1-32 of A-Z a-z 0-9 . _ -)' },
  {
    usage: '/who [#ROOM | PREFIX]',
    description: 'list who is in this room (or #ROOM, or whose name starts with PREFIX)',
  },
  { usage: '/join #ROOM', description: 'join a room (made if new) and talk there' },
  { usage: '/part [#ROOM] [REASON]', description: 'leave a room (this one by default)' },
  { usage: '/rooms [PREFIX]', description: 'list the rooms, biggest first' },
  { usage: '/me ACTION', description: 'say what you are doing' },
  { usage: '/msg NAME TEXT', description: 'send a private message' },
  { usage: '/quit [REASON]', description: 'leave the chat' },
  { usage: '/help', description: 'show this help' },
];
