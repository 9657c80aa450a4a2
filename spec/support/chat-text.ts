/** The server's lines that many specs expect, as a client receives them (without the LF). */

export const welcome = (name: string): string => `[*] Welcome, ${name}! Type /help for commands.`;
export const joined = (name: string): string => `${name} joined the chat`;
export const left = (name: string): string => `[-] ${name} left the chat.`;
