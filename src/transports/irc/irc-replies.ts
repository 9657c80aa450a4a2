import type { ChatMessage, HistoryMessage, Notice } from '../../core/events';
import { NAME_MAX_LENGTH } from '../../core/names';
import { formatNotice, formatText } from '../../format/text-format';
import type { ChatDirectory } from './chat-directory';
import { IRC_LINE_BYTES, serialiseIrcMessage, splitText } from './irc-message';

/** What the server says about itself in its replies. */
export interface IrcServerInfo {
  /** The server's name in every reply's source (`--server-name`, default the host name). */
  readonly serverName: string;
  readonly version: string;
  /** When the server started, for 003. */
  readonly createdAt: Date;
  /** The message of the day, one entry per line; undefined: 422. */
  readonly motd?: readonly string[];
  /** The chat's limits, for ISUPPORT. */
  readonly maxRoomsPerClient: number;
  readonly maxLineBytes: number;
  /** The chat's name in NETWORK. Default `rxchat`. */
  readonly network?: string;
}

/** The host every chat user shows in its `nick!user@host`: the chat does not tell addresses. */
export const USER_HOST = 'rxchat';

/** `nick!nick@rxchat`: how a chat user is the source of a message. */
export function userSource(nick: string): string {
  return `${nick}!${nick}@${USER_HOST}`;
}

/** One line from the server: `:server COMMAND params`, the last one as trailing text. */
export function serverLine(info: IrcServerInfo, command: string, ...params: string[]): string {
  return serialiseIrcMessage({ source: info.serverName, command, params }, true);
}

/** A numeric reply to `nick` (`*` before it has one). */
export function numeric(info: IrcServerInfo, code: string, nick: string, ...params: string[]): string {
  return serverLine(info, code, nick, ...params);
}

/**
 * A message from a user with text (PRIVMSG, NOTICE), cut into as many lines as the text needs so
 * that none passes 512 bytes: a chat line may be 4096 bytes long.
 */
export function textLines(source: string, command: string, target: string, text: string): string[] {
  const head = `:${source} ${command} ${target} :`;
  const room = IRC_LINE_BYTES - 2 - Buffer.byteLength(head);
  return splitText(text, Math.max(room, 16)).map((piece) => head + piece);
}

/**
 * The ISUPPORT tokens: what a client needs to know of the chat's limits (and, to a client that
 * negotiated draft/chathistory, how much one CHATHISTORY request gives and how it names messages).
 */
export function isupportTokens(info: IrcServerInfo, capabilities?: ReadonlySet<string>): string[] {
  const history = capabilities?.has('draft/chathistory') ? ['CHATHISTORY=100', 'MSGREFTYPES=msgid,timestamp'] : [];
  return [
    `NETWORK=${info.network ?? 'rxchat'}`,
    'CASEMAPPING=ascii',
    'CHANTYPES=#',
    `CHANLIMIT=#:${info.maxRoomsPerClient}`,
    `CHANNELLEN=${NAME_MAX_LENGTH + 1}`,
    `NICKLEN=${NAME_MAX_LENGTH}`,
    `LINELEN=${IRC_LINE_BYTES}`,
    'CHANMODES=b,,,nt',
    'TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:10,PART:10,NAMES:10,WHOIS:1',
    'MODES=0',
    ...history,
  ];
}

/** 001-005, LUSERS and MOTD: what a client gets once registered. */
export function welcomeLines(
  info: IrcServerInfo,
  nick: string,
  directory: ChatDirectory | undefined,
  capabilities?: ReadonlySet<string>,
): string[] {
  const { serverName, version } = info;
  const lines = [
    numeric(info, '001', nick, `Welcome to the ${info.network ?? 'rxchat'} IRC network, ${nick}`),
    numeric(info, '002', nick, `Your host is ${serverName}, running version rxchat-${version}`),
    numeric(info, '003', nick, `This server was created ${info.createdAt.toUTCString()}`),
    serialiseIrcMessage({
      source: serverName,
      command: '004',
      params: [nick, serverName, `rxchat-${version}`, 'i', 'nt'],
    }),
  ];
  const tokens = isupportTokens(info, capabilities);
  for (let i = 0; i < tokens.length; i += 12) {
    lines.push(numeric(info, '005', nick, ...tokens.slice(i, i + 12), 'are supported by this server'));
  }
  return [...lines, ...lusersLines(info, nick, directory), ...motdLines(info, nick)];
}

export function lusersLines(info: IrcServerInfo, nick: string, directory: ChatDirectory | undefined): string[] {
  const clients = directory?.clientCount() ?? 1;
  const rooms = directory?.roomCount() ?? 1;
  return [
    numeric(info, '251', nick, `There are ${clients} users and 0 invisible on 1 servers`),
    numeric(info, '254', nick, String(rooms), 'channels formed'),
    numeric(info, '255', nick, `I have ${clients} clients and 0 servers`),
  ];
}

export function motdLines(info: IrcServerInfo, nick: string): string[] {
  if (info.motd === undefined) return [numeric(info, '422', nick, 'MOTD File is missing')];
  return [
    numeric(info, '375', nick, `- ${info.serverName} Message of the day - `),
    ...info.motd.map((line) => numeric(info, '372', nick, `- ${line}`)),
    numeric(info, '376', nick, 'End of /MOTD command.'),
  ];
}

/** 353 lines (as many as the names need) and 366 for a room. */
export function namesLines(info: IrcServerInfo, nick: string, room: string, names: readonly string[]): string[] {
  const lines: string[] = [];
  const head = `:${info.serverName} 353 ${nick} = ${room} :`;
  const room353 = IRC_LINE_BYTES - 2 - Buffer.byteLength(head);
  let chunk = '';
  for (const name of names) {
    if (chunk !== '' && chunk.length + 1 + name.length > room353) {
      lines.push(head + chunk);
      chunk = '';
    }
    chunk = chunk === '' ? name : `${chunk} ${name}`;
  }
  if (chunk !== '') lines.push(head + chunk);
  lines.push(numeric(info, '366', nick, room, 'End of /NAMES list.'));
  return lines;
}

/** One 352 line for a chat user. */
export function whoLine(info: IrcServerInfo, nick: string, channel: string, name: string): string {
  return numeric(info, '352', nick, channel, name, USER_HOST, info.serverName, name, 'H', `0 ${name}`);
}

/**
 * What a notice for one client becomes: a numeric when IRC has one (`nick` is the client's),
 * `ERROR` for those that end the connection, a NOTICE otherwise.
 */
export function noticeLines(info: IrcServerInfo, nick: string, notice: Notice): string[] {
  switch (notice.code) {
    case 'name-taken':
      return [numeric(info, '433', nick, notice.name, 'Nickname is already in use')];
    case 'invalid-name':
      return [numeric(info, '432', nick, notice.name, 'Erroneous nickname')];
    case 'same-name':
      return [];
    case 'no-such-user':
      return [numeric(info, '401', nick, notice.name, 'No such nick/channel')];
    case 'not-in-room':
      return [numeric(info, '442', nick, notice.room, "You're not on that channel")];
    case 'no-such-room':
      return [numeric(info, '403', nick, notice.room, 'No such channel')];
    case 'invalid-room':
      return [numeric(info, '479', nick, notice.room, 'Illegal channel name')];
    case 'too-many-rooms':
    case 'server-rooms-full':
      return [numeric(info, '405', nick, '*', formatNotice(notice))];
    case 'line-too-long':
      return [numeric(info, '417', nick, 'Input line was too long')];
    case 'excess-flood':
      return ['ERROR :Excess Flood'];
    case 'server-full':
    case 'too-many-connections':
    case 'connecting-too-fast':
    case 'idle-timeout':
      return [`ERROR :Closing Link: ${formatNotice(notice)}`];
    default:
      return [serverLine(info, 'NOTICE', nick, formatNotice(notice))];
  }
}

/** Whether a notice ends the connection (it was written as ERROR). */
export function isClosingNotice(notice: Notice): boolean {
  const code = notice.code;
  return (
    code === 'excess-flood' ||
    code === 'server-full' ||
    code === 'too-many-connections' ||
    code === 'connecting-too-fast' ||
    code === 'idle-timeout'
  );
}

/** Who receives a delivery on IRC, for the replies that name it. */
export interface IrcRecipient {
  readonly nick: string;
  /** What it negotiated, for the ISUPPORT tokens that depend on it. */
  readonly capabilities?: ReadonlySet<string>;
}

/**
 * A chat message as IRC lines, for `recipient` (needed for the replies and private messages, which
 * go to one client; messages to many never read it). The member lists of NAMES come from
 * `directory` when it has the room (the chat's own list is bounded to 100 names).
 */
export function messageLines(
  info: IrcServerInfo,
  message: ChatMessage,
  recipient: IrcRecipient | undefined,
  directory: ChatDirectory | undefined,
  defaultRoom: string,
): string[] {
  const me = recipient?.nick ?? '*';
  switch (message.type) {
    case 'welcome':
      return welcomeLines(info, message.name, directory, recipient?.capabilities);
    case 'joined':
      return [`:${userSource(message.name)} JOIN ${message.room ?? defaultRoom}`];
    case 'entered':
      return [`:${userSource(message.name)} JOIN ${message.room}`];
    case 'parted':
      return [partLine(message.name, message.room, message.reason)];
    case 'said':
      return textLines(userSource(message.name), 'PRIVMSG', message.room ?? defaultRoom, message.text);
    case 'action':
      return actionLines(userSource(message.name), message.room ?? defaultRoom, message.text);
    case 'private':
      return textLines(userSource(message.from), 'PRIVMSG', me, message.text);
    case 'left':
      return [
        `:${userSource(message.name)} QUIT :${message.reason === undefined ? 'Quit' : `Quit: ${message.reason}`}`,
      ];
    case 'renamed':
      return [`:${userSource(message.from)} NICK :${message.to}`];
    case 'who': {
      const room = message.room ?? defaultRoom;
      const names = directory?.room(room)?.members ?? message.names;
      return namesLines(info, me, room, names);
    }
    case 'rooms':
      return [
        numeric(info, '321', me, 'Channel', 'Users  Name'),
        ...message.rooms.map((room) => numeric(info, '322', me, room.name, String(room.size), '')),
        numeric(info, '323', me, 'End of /LIST'),
      ];
    case 'notice':
      return noticeLines(info, me, message.notice);
    case 'help':
      return message.commands.map((command) =>
        serverLine(info, 'NOTICE', me, `${command.usage}: ${command.description}`),
      );
    case 'shutdown':
      return ['ERROR :Closing Link: server shutting down'];
    case 'joined-many':
      return [
        serverLine(info, 'NOTICE', message.room ?? defaultRoom, `[+] ${message.count} joined: ${summary(message)}`),
      ];
    case 'left-many':
      return [
        serverLine(info, 'NOTICE', message.room ?? defaultRoom, `[-] ${message.count} left: ${summary(message)}`),
      ];
    case 'history':
      // Marked as history in the words of the text protocol, as NOTICEs to the channel: no client
      // can take them for live lines. (The transport sends a batch instead to clients that take one.)
      return historyNoticeLines(info, message);
    case 'session':
    case 'resumed':
      return [serverLine(info, 'NOTICE', me, formatText(message, defaultRoom).replace(/^\[\*\] /, ''))];
  }
}

/** History as NOTICEs to the channel in the words of the text protocol, which no live line can look like. */
export function historyNoticeLines(info: IrcServerInfo, message: HistoryMessage): string[] {
  const text = formatText(message, message.room);
  return text === '' ? [] : text.split('\n').map((line) => serverLine(info, 'NOTICE', message.room, line));
}

function summary(message: { readonly names: readonly string[]; readonly count: number }): string {
  const more = message.count - message.names.length;
  return more > 0 ? `${message.names.join(', ')}, ... and ${more} more` : message.names.join(', ');
}

/** `:nick!nick@host PART #room[ :reason]`. */
export function partLine(nick: string, room: string, reason?: string): string {
  return `:${userSource(nick)} PART ${room}${reason === undefined ? '' : ` :${reason}`}`;
}

/** A /me as CTCP ACTION, cut to fit a line. */
export function actionLines(source: string, target: string, text: string): string[] {
  const head = `:${source} PRIVMSG ${target} :\x01ACTION `;
  const room = IRC_LINE_BYTES - 3 - Buffer.byteLength(head);
  return splitText(text, Math.max(room, 16)).map((piece) => `${head}${piece}\x01`);
}
