/** Every built-in command with its usage, as /help lists them. */
export const COMMAND_HELP: readonly { readonly usage: string; readonly description: string }[] = [
  { usage: '/nick NEW', description: 'change your name (1-32 of A-Z a-z 0-9 . _ -)' },
  { usage: '/who', description: 'list who is online' },
  { usage: '/me ACTION', description: 'say what you are doing' },
  { usage: '/msg NAME TEXT', description: 'send a private message' },
  { usage: '/quit [REASON]', description: 'leave the chat' },
  { usage: '/help', description: 'show this help' },
];

/** The notices /help sends, one per line. */
export const HELP_LINES: readonly string[] = [
  'commands (start a message with // to send a line that begins with /):',
  ...COMMAND_HELP.map(({ usage, description }) => `${usage} - ${description}`),
];
