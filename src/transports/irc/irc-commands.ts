import type { ClientId } from '../../core/events';
import { isValidName, nameKey } from '../../core/names';
import { roomKey } from '../../core/rooms';
import type { ChatDirectory } from './chat-directory';
import { type ChatHistoryQuery, invalidTargetLines, parseChatHistory } from './irc-chathistory';
import type { IrcMessage } from './irc-message';
import {
  type IrcServerInfo,
  USER_HOST,
  lusersLines,
  motdLines,
  namesLines,
  numeric,
  serverLine,
  whoLine,
} from './irc-replies';

/** The IRCv3 capabilities this server offers. */
export const IRC_CAPABILITIES = ['message-tags', 'server-time', 'echo-message', 'batch', 'draft/chathistory'] as const;
export type IrcCapability = (typeof IRC_CAPABILITIES)[number];

/**
 * What an IRC command from a registered client comes to:
 * - `chat`: a line for the chat, as a TCP client would type it (`/join #rust`, `hello`): it goes
 *   through every operator (the rate limit first) to the core, like any other line;
 * - `reply`: lines the transport answers itself, from the directory;
 * - `charge`: a blank line for the chat, which the core ignores but the rate limit counts, so that
 *   commands answered by the transport cost what a line costs;
 * - `part`: a PART was asked for this room: the client gets its PART line once it is out;
 * - `echo`: with echo-message, the client's own message as the others get it;
 * - `history`: a CHATHISTORY query, for the transport to plan and ask of the core.
 */
export type IrcStep =
  | { readonly chat: string }
  | { readonly reply: readonly string[] }
  | { readonly charge: true }
  | { readonly part: string; readonly reason?: string }
  | { readonly echo: readonly string[] }
  | { readonly history: ChatHistoryQuery };

const CHARGE: IrcStep = { charge: true };

/** A registered client, as its commands need it; `current` and `away` change as it goes. */
export interface IrcSession {
  readonly id: ClientId;
  /** Its name in the chat (changed by a rename). */
  nick: string;
  readonly capabilities: ReadonlySet<IrcCapability>;
  /**
   * The key (`roomKey`) of the room its plain lines go to, as this transport last made it with a
   * `/join`; undefined after anything that may change it otherwise (a PART): the directory says.
   */
  current: string | undefined;
  away: string | undefined;
}

/** What the mapping reads besides the client: the server's words and the chat's directory. */
export interface IrcContext {
  readonly info: IrcServerInfo;
  readonly directory: ChatDirectory | undefined;
}

const isChannel = (target: string) => target.startsWith('#');

/** A chat line that says `text` as it is: a leading `/` is doubled so that it is not read as a command. */
export function sayText(text: string): string {
  const trimmed = text.trimStart();
  return trimmed.startsWith('/') ? `/${trimmed}` : text;
}

/** The text of a CTCP ACTION (`\x01ACTION text\x01`), or undefined for anything else. */
function ctcpAction(text: string): { readonly action?: string; readonly ctcp: boolean } {
  if (!text.startsWith('\x01')) return { ctcp: false };
  const body = text.slice(1).replace(/\x01$/, '');
  if (body.toUpperCase().startsWith('ACTION ')) return { ctcp: true, action: body.slice(7) };
  return { ctcp: true };
}

/**
 * PRIVMSG or NOTICE: to a room the client is in, its text as a chat line (after a `/join` that
 * makes that room current when it is not); to a nick, a `/msg`. NOTICE never gets an error reply.
 */
function message(command: IrcMessage, session: IrcSession, context: IrcContext): IrcStep[] {
  const { info, directory } = context;
  const notice = command.command === 'NOTICE';
  const [targets = '', text = ''] = command.params;
  if (targets === '')
    return notice
      ? [CHARGE]
      : [{ reply: [numeric(info, '411', session.nick, 'No recipient given (PRIVMSG)')] }, CHARGE];
  if (text === '')
    return notice ? [CHARGE] : [{ reply: [numeric(info, '412', session.nick, 'No text to send')] }, CHARGE];
  const { action, ctcp } = ctcpAction(text);
  const steps: IrcStep[] = [];
  for (const target of targets.split(',').slice(0, 4)) {
    if (ctcp && action === undefined) continue; // CTCP VERSION, PING, ...: nobody here answers them
    if (isChannel(target)) {
      if (directory !== undefined && !directory.isMember(session.id, target)) {
        if (!notice) steps.push({ reply: [numeric(info, '404', session.nick, target, 'Cannot send to channel')] });
        continue;
      }
      const key = roomKey(target);
      const current = session.current ?? currentKey(session, directory);
      if (current !== key) {
        steps.push({ chat: `/join ${target}` });
        session.current = key;
      }
      steps.push({ chat: action === undefined ? sayText(text) : `/me ${action}` });
    } else {
      steps.push({ chat: `/msg ${target} ${action === undefined ? text : `* ${session.nick} ${action}`}` });
    }
    if (session.capabilities.has('echo-message'))
      steps.push({ echo: [echoLine(session.nick, command.command, target, text)] });
  }
  return steps.length === 0 ? [CHARGE] : steps;
}

function echoLine(nick: string, command: string, target: string, text: string): string {
  return `:${nick}!${nick}@${USER_HOST} ${command} ${target} :${text}`;
}

function currentKey(session: IrcSession, directory: ChatDirectory | undefined): string | undefined {
  const current = directory?.currentRoom(session.id);
  return current === undefined ? undefined : roomKey(current);
}

function names(command: IrcMessage, session: IrcSession, context: IrcContext): string[] {
  const { info, directory } = context;
  const targets = (command.params[0] ?? '').split(',').filter((target) => target !== '');
  if (targets.length === 0) return [numeric(info, '366', session.nick, '*', 'End of /NAMES list.')];
  return targets.slice(0, 10).flatMap((target) => {
    const room = directory?.room(target);
    return namesLines(info, session.nick, room?.name ?? target, room?.members ?? []);
  });
}

function who(command: IrcMessage, session: IrcSession, context: IrcContext): string[] {
  const { info, directory } = context;
  const mask = command.params[0] ?? '*';
  const lines: string[] = [];
  if (isChannel(mask)) {
    const room = directory?.room(mask);
    for (const name of room?.members ?? []) lines.push(whoLine(info, session.nick, room!.name, name));
  } else {
    const client = directory?.client(mask);
    if (client !== undefined) lines.push(whoLine(info, session.nick, '*', client.name));
  }
  lines.push(numeric(info, '315', session.nick, mask, 'End of /WHO list.'));
  return lines;
}

function whois(command: IrcMessage, session: IrcSession, context: IrcContext): string[] {
  const { info, directory } = context;
  const me = session.nick;
  const target = command.params[command.params.length - 1] ?? '';
  if (target === '') return [numeric(info, '431', me, 'No nickname given')];
  const client = directory?.client(target);
  if (client === undefined) {
    return [
      numeric(info, '401', me, target, 'No such nick/channel'),
      numeric(info, '318', me, target, 'End of /WHOIS list.'),
    ];
  }
  const rooms = directory!.roomsOf(client.id);
  return [
    numeric(info, '311', me, client.name, client.name, USER_HOST, '*', client.name),
    ...(rooms.length === 0 ? [] : [numeric(info, '319', me, client.name, rooms.join(' '))]),
    numeric(info, '312', me, client.name, info.serverName, 'rxchat'),
    numeric(info, '318', me, client.name, 'End of /WHOIS list.'),
  ];
}

function mode(command: IrcMessage, session: IrcSession, context: IrcContext): string[] {
  const { info, directory } = context;
  const me = session.nick;
  const [target = '', modes] = command.params;
  if (isChannel(target)) {
    const room = directory?.room(target);
    if (directory !== undefined && room === undefined) return [numeric(info, '403', me, target, 'No such channel')];
    const name = room?.name ?? target;
    if (modes === undefined) return [numeric(info, '324', me, name, '+nt')];
    const list = modes.replace(/^\+/, '');
    if (list === 'b') return [numeric(info, '368', me, name, 'End of channel ban list')];
    if (list === 'e') return [numeric(info, '349', me, name, 'End of channel exception list')];
    if (list === 'I') return [numeric(info, '347', me, name, 'End of channel invite list')];
    return [numeric(info, '482', me, name, "You're not channel operator")];
  }
  if (target === '') return [numeric(info, '461', me, 'MODE', 'Not enough parameters')];
  if (nameKey(target) !== nameKey(me)) return [numeric(info, '502', me, "Can't change mode for other users")];
  return modes === undefined ? [numeric(info, '221', me, '+')] : [];
}

function topic(command: IrcMessage, session: IrcSession, context: IrcContext): string[] {
  const { info, directory } = context;
  const [target = ''] = command.params;
  if (target === '') return [numeric(info, '461', session.nick, 'TOPIC', 'Not enough parameters')];
  const room = directory?.room(target);
  if (directory !== undefined && room === undefined)
    return [numeric(info, '403', session.nick, target, 'No such channel')];
  const name = room?.name ?? target;
  if (command.params.length > 1) return [numeric(info, '482', session.nick, name, "You're not channel operator")];
  return [numeric(info, '331', session.nick, name, 'No topic is set')];
}

/** The capability replies a registered client may still ask for (it may not change them any more). */
export function capReply(
  command: IrcMessage,
  nick: string,
  info: IrcServerInfo,
  enabled: ReadonlySet<string>,
): string[] {
  const sub = (command.params[0] ?? '').toUpperCase();
  switch (sub) {
    case 'LS':
      return [serverLine(info, 'CAP', nick, 'LS', IRC_CAPABILITIES.join(' '))];
    case 'LIST':
      return [serverLine(info, 'CAP', nick, 'LIST', [...enabled].join(' '))];
    case 'REQ':
      return [serverLine(info, 'CAP', nick, 'NAK', command.params[1] ?? '')];
    case 'END':
      return [];
    default:
      return [numeric(info, '410', nick, sub, 'Invalid CAP command')];
  }
}

/** Maps one IRC command from a registered client to what the transport does with it. */
export function mapCommand(command: IrcMessage, session: IrcSession, context: IrcContext): IrcStep[] {
  const { info, directory } = context;
  const me = session.nick;
  const reply = (lines: readonly string[]): IrcStep[] => [{ reply: lines }, CHARGE];
  const params = command.params;
  switch (command.command) {
    case 'PRIVMSG':
    case 'NOTICE':
      return message(command, session, context);
    case 'JOIN': {
      const targets = (params[0] ?? '').split(',').filter((target) => target !== '');
      if (targets.length === 0) return reply([numeric(info, '461', me, 'JOIN', 'Not enough parameters')]);
      session.current = undefined;
      if (targets[0] === '0') {
        return (directory?.roomsOf(session.id) ?? []).flatMap((room) => [{ chat: `/part ${room}` }, { part: room }]);
      }
      return targets.slice(0, 10).map((target) => ({ chat: `/join ${target}` }));
    }
    case 'PART': {
      const targets = (params[0] ?? '').split(',').filter((target) => target !== '');
      if (targets.length === 0) return reply([numeric(info, '461', me, 'PART', 'Not enough parameters')]);
      session.current = undefined;
      const reason = params[1] !== undefined && params[1] !== '' ? params[1] : undefined;
      return targets
        .slice(0, 10)
        .flatMap((target): IrcStep[] =>
          isChannel(target) && directory !== undefined && !directory.isMember(session.id, target)
            ? [{ reply: [numeric(info, '442', me, target, "You're not on that channel")] }, CHARGE]
            : isChannel(target)
              ? [
                  { chat: reason === undefined ? `/part ${target}` : `/part ${target} ${reason}` },
                  reason === undefined ? { part: target } : { part: target, reason },
                ]
              : [{ reply: [numeric(info, '403', me, target, 'No such channel')] }, CHARGE],
        );
    }
    case 'NICK': {
      const nick = params[0] ?? '';
      if (nick === '') return reply([numeric(info, '431', me, 'No nickname given')]);
      return [{ chat: `/nick ${nick}` }];
    }
    case 'QUIT':
      return [{ chat: params[0] ? `/quit ${params[0]}` : '/quit' }];
    case 'LIST': {
      const prefix = (params[0] ?? '').split(',')[0]!.replace(/^#/, '').replace(/\*.*$/, '');
      return [{ chat: prefix === '' || /\s/.test(prefix) ? '/rooms' : `/rooms ${prefix}` }];
    }
    case 'HELP':
      return [{ chat: '/help' }];
    case 'NAMES':
      return reply(names(command, session, context));
    case 'WHO':
      return reply(who(command, session, context));
    case 'WHOIS':
      return reply(whois(command, session, context));
    case 'MODE':
      return reply(mode(command, session, context));
    case 'TOPIC':
      return reply(topic(command, session, context));
    case 'AWAY': {
      const text = params[0] ?? '';
      session.away = text === '' ? undefined : text;
      return reply([
        text === ''
          ? numeric(info, '305', me, 'You are no longer marked as being away')
          : numeric(info, '306', me, 'You have been marked as being away'),
      ]);
    }
    case 'ISON': {
      const online = params
        .flatMap((param) => param.split(' '))
        .map((nick) => (nick === '' ? undefined : directory?.client(nick)?.name))
        .filter((nick): nick is string => nick !== undefined);
      return reply([numeric(info, '303', me, online.join(' '))]);
    }
    case 'USERHOST': {
      const found = params
        .slice(0, 5)
        .map((nick) => directory?.client(nick)?.name)
        .filter((nick): nick is string => nick !== undefined);
      return reply([numeric(info, '302', me, found.map((nick) => `${nick}=+${nick}@${USER_HOST}`).join(' '))]);
    }
    case 'MOTD':
      return reply(motdLines(info, me));
    case 'LUSERS':
      return reply(lusersLines(info, me, directory));
    case 'VERSION':
      return reply([numeric(info, '351', me, `rxchat-${info.version}`, info.serverName, '')]);
    case 'TIME':
      return reply([numeric(info, '391', me, info.serverName, new Date().toUTCString())]);
    case 'PING':
      // A PING without its token is an error (RFC 2812 409; modern servers 461), not a PONG.
      if (params[0] === undefined) return reply([numeric(info, '461', me, 'PING', 'Not enough parameters')]);
      return reply([serverLine(info, 'PONG', info.serverName, params[0])]);
    case 'PONG':
      return [CHARGE];
    case 'CHATHISTORY': {
      const parsed = parseChatHistory(command, info);
      if ('fail' in parsed) return reply(parsed.fail);
      const { query } = parsed;
      if (isChannel(query.target) && directory !== undefined && !directory.isMember(session.id, query.target)) {
        return reply(invalidTargetLines(info, query));
      }
      return [{ history: query }, CHARGE];
    }
    case 'CAP':
      return reply(capReply(command, me, info, session.capabilities));
    case 'USER':
    case 'PASS':
      return reply([numeric(info, '462', me, 'You may not reregister')]);
    default:
      return reply([numeric(info, '421', me, command.command, 'Unknown command')]);
  }
}

/** What registration asks of the transport after a command. */
export interface RegistrationStep {
  /** Lines for the client. */
  readonly reply: readonly string[];
  /** Registration is complete: join the chat under this nick. */
  readonly register?: string;
  /** End the connection after `reply` (QUIT, a flood). */
  readonly close?: boolean;
}

/**
 * The registration of one connection: CAP LS/REQ/END, PASS, NICK and USER, in any order, until a
 * nick and a user are given and capability negotiation (if begun) has ended. A nick that is
 * invalid gets 432, one that is taken 433 (asked of the directory), so that the client picks another.
 */
export class IrcRegistration {
  nick: string | undefined;
  private user: string | undefined;
  private negotiating = false;
  readonly capabilities = new Set<IrcCapability>();

  constructor(private readonly context: IrcContext) {}

  handle(command: IrcMessage): RegistrationStep {
    const { info, directory } = this.context;
    const me = this.nick ?? '*';
    const params = command.params;
    switch (command.command) {
      case 'CAP': {
        const sub = (params[0] ?? '').toUpperCase();
        if (sub === 'LS') {
          this.negotiating = true;
          return { reply: [serverLine(info, 'CAP', me, 'LS', IRC_CAPABILITIES.join(' '))] };
        }
        if (sub === 'REQ') {
          this.negotiating = true;
          const asked = (params[1] ?? '').split(' ').filter((cap) => cap !== '');
          const known = asked.every((cap) => (IRC_CAPABILITIES as readonly string[]).includes(cap.replace(/^-/, '')));
          if (!known || asked.length === 0) return { reply: [serverLine(info, 'CAP', me, 'NAK', params[1] ?? '')] };
          for (const cap of asked) {
            if (cap.startsWith('-')) this.capabilities.delete(cap.slice(1) as IrcCapability);
            else this.capabilities.add(cap as IrcCapability);
          }
          return { reply: [serverLine(info, 'CAP', me, 'ACK', params[1] ?? '')] };
        }
        if (sub === 'END') {
          this.negotiating = false;
          return this.complete([]);
        }
        return { reply: capReply(command, me, info, this.capabilities) };
      }
      case 'PASS':
        return { reply: [] };
      case 'NICK': {
        const nick = params[0] ?? '';
        if (nick === '') return { reply: [numeric(info, '431', me, 'No nickname given')] };
        if (!isValidName(nick)) return { reply: [numeric(info, '432', me, nick, 'Erroneous nickname')] };
        if (directory?.nameTaken(nick))
          return { reply: [numeric(info, '433', me, nick, 'Nickname is already in use')] };
        this.nick = nick;
        return this.complete([]);
      }
      case 'USER': {
        // The username and the real name must not be empty.
        if (params.length < 4 || params[0] === '' || params[3] === '') {
          return { reply: [numeric(info, '461', me, 'USER', 'Not enough parameters')] };
        }
        this.user = params[0];
        return this.complete([]);
      }
      case 'PING':
        if (params[0] === undefined) return { reply: [numeric(info, '461', me, 'PING', 'Not enough parameters')] };
        return { reply: [serverLine(info, 'PONG', info.serverName, params[0])] };
      case 'PONG':
        return { reply: [] };
      case 'QUIT':
        return { reply: ['ERROR :Closing Link: (Quit)'], close: true };
      default:
        return { reply: [numeric(info, '451', me, 'You have not registered')] };
    }
  }

  private complete(reply: string[]): RegistrationStep {
    if (this.nick === undefined || this.user === undefined || this.negotiating) return { reply };
    // Asked again now: the name may have been taken since NICK.
    if (this.context.directory?.nameTaken(this.nick)) {
      const taken = this.nick;
      this.nick = undefined;
      return { reply: [...reply, numeric(this.context.info, '433', '*', taken, 'Nickname is already in use')] };
    }
    return { reply, register: this.nick };
  }
}
