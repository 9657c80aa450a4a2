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
  { usage: '/history [#ROOM] [N]', description: 'show up to N (at most 100) earlier messages of this room (or #ROOM)' },
  { usage: '/session', description: 'get a token to take your name, rooms and missed messages back after a drop' },
  { usage: '/resume TOKEN', description: 'take a session back (send it first after reconnecting)' },
  { usage: '/quit [REASON]', description: 'leave the chat (ends your session)' },
  { usage: '/help', description: 'show this help' },
];
