import type { ChatMessage } from '../../core/events';

/** How each message reads on the TCP text protocol (without the trailing LF). */
export function formatText(message: ChatMessage): string {
  switch (message.type) {
    case 'welcome':
      return `[*] Welcome, ${message.name}! Type /help for commands.`;
    case 'joined':
      return `${message.name} joined the chat`;
    case 'said':
      return `${message.name}: ${message.text}`;
    case 'left':
      return message.reason === undefined
        ? `[-] ${message.name} left the chat.`
        : `[-] ${message.name} left the chat. (${message.reason})`;
    case 'renamed':
      return `${message.from} is now known as ${message.to}`;
    case 'action':
      return `* ${message.name} ${message.text}`;
    case 'private':
      return `[pm] ${message.from}: ${message.text}`;
    case 'who':
      return `[*] ${message.names.length} online: ${message.names.join(', ')}`;
    case 'notice':
      return `${message.level === 'error' ? '[!]' : '[*]'} ${message.text}`;
    case 'shutdown':
      return '[*] server shutting down';
  }
}

/** The bytes of one protocol line: the message's text and LF, encoded once for all recipients. */
export function encodeLine(message: ChatMessage): Buffer {
  return Buffer.from(`${formatText(message)}\n`, 'utf8');
}
