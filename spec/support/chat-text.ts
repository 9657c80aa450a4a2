/** The server's lines that many specs expect, as a client receives them (without the LF). */

export const welcome = (name: string): string => `[*] Welcome, ${name}! Type /help for commands.`;
export const joined = (name: string): string => `${name} joined the chat`;
export const left = (name: string): string => `[-] ${name} left the chat.`;

/** What /help prints, line by line. */
export const HELP = [
  '[*] commands (start a message with // to send a line that begins with /):',
  '[*] /nick NEW - change your name (1-32 of A-Z a-z 0-9 . _ -)',
  '[*] /who [#ROOM | PREFIX] - list who is in this room (or #ROOM, or whose name starts with PREFIX)',
  '[*] /join #ROOM - join a room (made if new) and talk there',
  '[*] /part [#ROOM] [REASON] - leave a room (this one by default)',
  '[*] /rooms [PREFIX] - list the rooms, biggest first',
  '[*] /me ACTION - say what you are doing',
  '[*] /msg NAME TEXT - send a private message',
  '[*] /history [#ROOM] [N] - show up to N (at most 100) earlier messages of this room (or #ROOM)',
  '[*] /session - get a token to take your name, rooms and missed messages back after a drop',
  '[*] /resume TOKEN - take a session back (send it first after reconnecting)',
  '[*] /quit [REASON] - leave the chat (ends your session)',
  '[*] /help - show this help',
];
