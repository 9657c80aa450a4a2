/** The server's lines that many specs expect, as a client receives them (without the LF). */

export const welcome = (name: string): string => `[*] Welcome, ${name}! Type /help for commands.`;
export const joined = (name: string): string => `${name} joined the chat`;
export const left = (name: string): string => `[-] ${name} left the chat.`;

/** What /help prints, line by line. */
export const HELP = [
  '[*] commands (start a message with // to send a line that begins with /):',
  '[*] /nick NEW - change your name (1-32 of A-Z a-z 0-9 . _ -)',
  '[*] /who [PREFIX] - list who is online (or whose name starts with PREFIX)',
  '[*] /me ACTION - say what you are doing',
  '[*] /msg NAME TEXT - send a private message',
  '[*] /quit [REASON] - leave the chat',
  '[*] /help - show this help',
];
