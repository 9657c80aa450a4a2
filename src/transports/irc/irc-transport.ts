import type { Server, Socket } from 'node:net';
import { Observable, type Subscriber, fromEvent, mergeMap } from 'rxjs';
import type { ChatMessage, ChatOutput, ClientId, Delivery, RemoteAddress } from '../../core/events';
import { foldName } from '../../core/names';
import { DEFAULT_ROOM, roomKey } from '../../core/rooms';
import type { PipelineEvent } from '../../pipeline/edge-signals';
import type { ChatTransport } from '../chat-transport';
import { remoteOf } from '../connection-events';
import { type Connection, ConnectionTable } from '../connection-table';
import { LineSplitter } from '../line-splitter';
import { listenOn, listeningAddress } from '../listening';
import { isMuted } from '../muted-input';
import { DEFAULT_CLOSE_TIMEOUT_MS, type OutputQueueOptions } from '../output-queue';
import type { ChatDirectory } from './chat-directory';
import { type IrcContext, IrcRegistration, type IrcSession, type IrcStep, mapCommand } from './irc-commands';
import {
  type ChatHistoryPlan,
  type ChatHistoryQuery,
  RoomTimeIndex,
  keepPlanned,
  planChatHistory,
} from './irc-chathistory';
import { type IrcFlavour, entryLines, flavourKey, flavourOf, historyBatchLines, withMessageTags } from './irc-history';
import { IRC_MAX_INPUT_BYTES, parseIrcLine } from './irc-message';
import {
  type IrcServerInfo,
  historyNoticeLines,
  isClosingNotice,
  messageLines,
  namesLines,
  noticeLines,
  partLine,
  userSource,
} from './irc-replies';

export interface IrcTransportOptions extends OutputQueueOptions {
  /** Prepended to every client id (see `TcpTransportOptions.idPrefix`). */
  readonly idPrefix?: string;
  /** The chat's line limit: a message whose text is longer is dropped with 417, as on TCP. */
  readonly maxLineBytes?: number;
  /** 'secureConnection' for a tls.Server. Default 'connection'. */
  readonly connectionEvent?: 'connection' | 'secureConnection';
  /** The chat's default room. Default `#lobby`. */
  readonly defaultRoom?: string;
  /** Where `listen()` listens. Default 127.0.0.1:6667. */
  readonly host?: string;
  readonly port?: number;
  /** The name in every reply's source. Default `rxchat`. */
  readonly serverName?: string;
  /** The message of the day, a line per entry; none: 422. */
  readonly motd?: readonly string[];
  readonly version?: string;
  /** Rooms a client may be in (ISUPPORT CHANLIMIT). Default 50. */
  readonly maxRoomsPerClient?: number;
  /**
   * The chat's state, read-only: taken nicks at registration, NAMES, WHO, WHOIS, membership.
   * Without it, nicks are checked by the chat alone and the replies know nobody.
   */
  readonly directory?: ChatDirectory;
  /** A connection that has not registered in this time gets an ERROR and is closed. Default 60 s. */
  readonly registrationTimeoutMs?: number;
  /** The transport's name in logs and metrics. Default 'irc'. */
  readonly name?: string;
}

export const DEFAULT_IRC_PORT = 6667;
export const DEFAULT_IRC_TLS_PORT = 6697;
const DEFAULT_REGISTRATION_TIMEOUT_MS = 60_000;
/** Commands a client may send before it is registered: a client needs fewer than ten. */
const MAX_REGISTRATION_LINES = 64;
const KEEPALIVE_MS = 60_000;
const LISTEN_BACKLOG = 4096;
/** CHATHISTORY queries of one client waiting for the core's answer: more are refused. */
const MAX_PENDING_QUERIES = 16;
const noop = () => undefined;
const endSocket = (socket: Socket) => void socket.end();

/** What the transport hands the output queue for its own replies: the bytes are set beside it. */
const RAW: ChatMessage = { type: 'notice', notice: { code: 'text', level: 'info', text: '' } };

/** One IRC connection, from accept to close. */
class IrcClient {
  state: 'registering' | 'registered' | 'gone' = 'registering';
  readonly registration: IrcRegistration;
  /** Lines seen before registration. */
  lines = 0;
  timer: NodeJS.Timeout | undefined;
  /** Set when registered. */
  connection: Connection<Socket> | undefined;
  table: ConnectionTable<Socket> | undefined;
  session: IrcSession | undefined;
  /** The nick it registered with (the chat may give another if it was taken meanwhile). */
  requested = '';
  /** Welcomed, and waiting for its own JOIN of the default room to get the NAMES after it. */
  awaitingNames = false;
  /** The default room's scrollback, which the chat sends before that JOIN: held until after the NAMES. */
  scrollback: Delivery | undefined;
  /** Rooms it asked to PART (key → the reason it gave), until it is out of them. */
  readonly parts = new Map<string, string | undefined>();
  /** Its CHATHISTORY queries sent to the core, oldest first, each with its room's key. */
  readonly queries: { readonly room: string; readonly plan: Exclude<ChatHistoryPlan, 'empty'> }[] = [];
  /** An ERROR line was sent: the connection is ending. */
  errorSent = false;
  detach: () => void = noop;
  /** Joins the chat: set at accept, run at registration. */
  start: () => void = noop;

  constructor(
    readonly id: ClientId,
    readonly socket: Socket,
    readonly remote: RemoteAddress,
    readonly subscriber: Subscriber<PipelineEvent>,
    context: IrcContext,
  ) {
    this.registration = new IrcRegistration(context);
  }
}

/**
 * The IRC edge: IRC clients (irssi, WeeChat, HexChat, bots) in the same chat as TCP and WebSocket
 * clients. A thin adapter like the others: a client's commands become the chat's lines (`JOIN
 * #rust` → `/join #rust`, `PRIVMSG #rust :hi` → `hi` in #rust), which go through every operator to
 * the core, and the core's deliveries become IRC lines, through the same `ConnectionTable` and
 * output queue, so every limit holds. What IRC asks beyond the chat (registration, NAMES, WHO,
 * WHOIS, PING, MODE queries) is answered here from the `directory`, each command costing a line
 * of the rate limit.
 *
 * A connection counts for admission from its accept (`connecting`), and joins the chat once
 * registered (`connected` with the nick it asked for as its only name candidate).
 */
export class IrcTransport implements ChatTransport {
  readonly name: string;
  readonly events$: Observable<PipelineEvent>;
  private readonly info: IrcServerInfo;
  private readonly context: IrcContext;
  private readonly defaultRoom: string;
  /** One output table per flavour of client (plain, server-time, ...): a delivery is encoded once per flavour. */
  private readonly tables = new Map<string, ConnectionTable<Socket>>();
  private readonly tableOptions: ConstructorParameters<typeof ConnectionTable<Socket>>[1];
  /** Where CHATHISTORY finds a message by its time. */
  private readonly times = new RoomTimeIndex();
  private nextBatch = 0;
  /** The CHATHISTORY query a page being encoded answers. */
  private answering: Exclude<ChatHistoryPlan, 'empty'> | undefined;
  private readonly registering = new Map<ClientId, IrcClient>();
  private readonly registered = new Map<ClientId, IrcClient>();
  /** Registered clients by folded nick, to see which deliveries are about them. */
  private readonly byNick = new Map<string, IrcClient>();
  private nextId = 0;
  /** The delivery being encoded: its time, its one recipient, or the transport's own lines. */
  private encodingAt = 0;
  private recipient: IrcClient | undefined;
  private raw: readonly string[] | undefined;

  constructor(
    private readonly server: Server,
    private readonly options: IrcTransportOptions = {},
  ) {
    this.name = options.name ?? 'irc';
    this.defaultRoom = options.defaultRoom ?? DEFAULT_ROOM;
    this.info = {
      serverName: options.serverName ?? 'rxchat',
      version: options.version ?? '0',
      createdAt: new Date(),
      ...(options.motd === undefined ? {} : { motd: options.motd }),
      maxRoomsPerClient: options.maxRoomsPerClient ?? 50,
      maxLineBytes: options.maxLineBytes ?? 0,
    };
    this.context = { info: this.info, directory: options.directory };
    this.tableOptions = { ...options, end: endSocket, maxLineBytes: options.maxLineBytes ?? 0 };
    this.tableFor(flavourOf(new Set()));
    this.events$ = fromEvent<Socket>(server, options.connectionEvent ?? 'connection').pipe(
      mergeMap((socket) => this.accept(socket)),
    );
  }

  /** Open connections, registering ones included. */
  get size(): number {
    let size = this.registering.size;
    for (const table of this.tables.values()) size += table.size;
    return size;
  }

  /** The output table of clients of one flavour, made when the first registers. */
  private tableFor(flavour: IrcFlavour): ConnectionTable<Socket> {
    const key = flavourKey(flavour);
    let table = this.tables.get(key);
    if (table === undefined) {
      table = new ConnectionTable<Socket>((message) => this.encode(message, flavour), this.tableOptions);
      this.tables.set(key, table);
    }
    return table;
  }

  handle(output: ChatOutput): void {
    if (output.kind === 'log' || output.kind === 'record') return;
    if (output.kind === 'close') return this.close1(output.id);
    const { to } = output;
    if (to.length === 1) {
      const pending = this.registering.get(to[0]!);
      if (pending !== undefined) return this.refusal(pending, output);
    }
    if (output.message.type === 'history' && output.message.reason === 'scrollback' && to.length === 1) {
      // History of a channel the client has not been told it joined would be lost or misplaced.
      const client = this.registered.get(to[0]!);
      if (client?.awaitingNames) return void (client.scrollback = output);
    }
    this.before(output);
    this.encodingAt = output.at;
    this.recipient = to.length === 1 ? this.registered.get(to[0]!) : undefined;
    try {
      for (const table of this.tables.values()) table.handle(output);
    } finally {
      this.recipient = undefined;
      this.answering = undefined;
    }
    this.after(output);
  }

  mute(id: ClientId, until: number): void {
    for (const table of this.tables.values()) table.mute(id, until);
  }

  address(): { readonly host: string; readonly port: number } | undefined {
    return listeningAddress(this.server);
  }

  listen(): Promise<void> {
    const { port = DEFAULT_IRC_PORT, host = '127.0.0.1' } = this.options;
    return listenOn(this.server, { port, host, backlog: LISTEN_BACKLOG }, `${this.name} server`);
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      // Not in the chat yet: nobody says goodbye to them.
      for (const client of this.registering.values())
        this.endRegistering(client, 'ERROR :Closing Link: server shutting down');
    });
  }

  destroyAll(): void {
    for (const table of this.tables.values()) table.destroyAll();
    for (const client of this.registering.values()) client.socket.destroy();
  }

  // ---- outputs ------------------------------------------------------------------------------

  private encode(message: ChatMessage, flavour: IrcFlavour): Buffer {
    const recipient = this.recipient;
    let lines: readonly string[];
    if (this.raw !== undefined) {
      lines = this.raw;
    } else if ((message.type === 'said' || message.type === 'action') && flavour.time) {
      // With its own time, and its msgid for a client that takes tags.
      const room = message.room ?? this.defaultRoom;
      lines = withMessageTags(entryLines(room, message), flavour, message.at ?? this.encodingAt, room, message.id);
    } else if (message.type === 'history') {
      const answering = this.answering;
      const shown =
        answering === undefined ? message : { ...message, entries: keepPlanned(answering, message.entries) };
      lines = flavour.batch
        ? historyBatchLines(this.info, shown, flavour, this.batchRef())
        : historyNoticeLines(this.info, shown);
    } else {
      lines = messageLines(this.info, message, recipient?.session, this.options.directory, this.defaultRoom);
      if (message.type === 'welcome' && recipient !== undefined && recipient.requested !== message.name) {
        // The chat gave another name (the one asked for was taken meanwhile): tell the client first.
        lines = [`:${userSource(recipient.requested)} NICK :${message.name}`, ...lines];
      }
      if (message.type === 'notice' && recipient !== undefined && isClosingNotice(message.notice)) {
        recipient.errorSent = true;
      }
    }
    const tags = flavour.time ? `@time=${new Date(this.encodingAt || Date.now()).toISOString()} ` : '';
    let text = '';
    // Lines with tags of their own (history, messages with an id) keep them.
    for (const line of lines) text += line.startsWith('@') ? `${line}\r\n` : `${tags}${line}\r\n`;
    return Buffer.from(text);
  }

  /** A batch reference: unique on the connection while its batch is open (a batch is written at once). */
  private batchRef(): string {
    this.nextBatch = (this.nextBatch + 1) % 0x7fffffff;
    return `h${this.nextBatch.toString(36)}`;
  }

  /** Bookkeeping before a delivery is written: who its client is now. */
  private before(delivery: Delivery): void {
    const message = delivery.message;
    if (
      (message.type === 'said' || message.type === 'action') &&
      message.id !== undefined &&
      message.at !== undefined
    ) {
      // Indexed for CHATHISTORY's timestamps in the rooms where IRC clients are.
      // No IRC client, no walk over the audience: a chat without IRC pays nothing per line.
      if (this.registered.size > 0 && delivery.to.some((id) => this.registered.has(id))) {
        this.times.add(roomKey(message.room ?? this.defaultRoom), message.id, message.at);
      }
    } else if (message.type === 'history') {
      const key = roomKey(message.room);
      this.times.addOlder(key, message.entries);
      const client = delivery.to.length === 1 ? this.registered.get(delivery.to[0]!) : undefined;
      if (message.reason !== 'page' || client === undefined) return;
      // IRC clients page only with CHATHISTORY: the first query waiting on this room is answered.
      const at = client.queries.findIndex((query) => query.room === key);
      if (at !== -1) this.answering = client.queries.splice(at, 1)[0]!.plan;
    } else if (message.type === 'shutdown') {
      // Its ERROR line is the goodbye: no other when the connection closes.
      for (const client of this.registered.values()) client.errorSent = true;
    } else if (message.type === 'welcome') {
      const client = this.registered.get(delivery.to[0]!);
      if (client === undefined) return;
      client.session = {
        id: client.id,
        nick: message.name,
        capabilities: client.registration.capabilities,
        current: undefined,
        away: undefined,
      };
      client.awaitingNames = true;
      this.byNick.set(foldName(message.name), client);
    } else if (message.type === 'renamed') {
      const client = this.byNick.get(foldName(message.from));
      if (client?.session === undefined) return;
      this.byNick.delete(foldName(message.from));
      client.session.nick = message.to;
      this.byNick.set(foldName(message.to), client);
      // One in no room is not told of its own rename by the chat: IRC must be.
      if (!delivery.to.includes(client.id)) this.send(client, [`:${userSource(message.from)} NICK :${message.to}`]);
    }
  }

  /** After a delivery: the replies IRC adds to it (NAMES after one's own JOIN, PART for one's own part). */
  private after(delivery: Delivery): void {
    const message = delivery.message;
    if (message.type === 'joined') {
      const client = this.byNick.get(foldName(message.name));
      if (client === undefined || !client.awaitingNames) return;
      client.awaitingNames = false;
      const room = message.room ?? this.defaultRoom;
      const members = this.options.directory?.room(room)?.members ?? [message.name];
      this.send(client, namesLines(this.info, client.session!.nick, room, members));
      const scrollback = client.scrollback;
      client.scrollback = undefined;
      if (scrollback !== undefined) this.handle(scrollback);
    } else if (message.type === 'parted') {
      const client = this.byNick.get(foldName(message.name));
      if (client === undefined) return;
      this.parted(client, message.room, message.reason);
    }
  }

  /** A client is out of a room it asked to part: its PART line. */
  private parted(client: IrcClient, room: string, reason?: string): void {
    const key = roomKey(room);
    if (!client.parts.has(key)) return;
    const asked = client.parts.get(key);
    client.parts.delete(key);
    this.send(client, [partLine(client.session!.nick, room, reason ?? asked)]);
  }

  /** Lines of the transport's own for one registered client, queued behind what it was sent before. */
  private send(client: IrcClient, lines: readonly string[]): void {
    if (lines.length === 0 || client.table === undefined) return;
    const saved = { raw: this.raw, recipient: this.recipient, at: this.encodingAt };
    this.raw = lines;
    this.recipient = client;
    this.encodingAt = Date.now();
    try {
      client.table.handle({ kind: 'deliver', to: [client.id], message: RAW, at: this.encodingAt });
    } finally {
      this.raw = saved.raw;
      this.recipient = saved.recipient;
      this.encodingAt = saved.at;
    }
  }

  private close1(id: ClientId): void {
    const pending = this.registering.get(id);
    if (pending !== undefined) return this.endRegistering(pending);
    const client = this.registered.get(id);
    if (client !== undefined && !client.errorSent) {
      client.errorSent = true;
      this.send(client, [`ERROR :Closing Link: ${client.session?.nick ?? '*'}`]);
    }
    for (const table of this.tables.values()) table.handle({ kind: 'close', id });
  }

  /** A refusal (admission) for a connection not registered yet: its words as ERROR, written at once. */
  private refusal(client: IrcClient, delivery: Delivery): void {
    const message = delivery.message;
    if (message.type !== 'notice') return;
    const lines = noticeLines(this.info, '*', message.notice);
    if (!client.socket.destroyed) client.socket.write(lines.map((line) => `${line}\r\n`).join(''));
    client.errorSent = true;
  }

  // ---- inputs -------------------------------------------------------------------------------

  private accept(socket: Socket): Observable<PipelineEvent> {
    return new Observable<PipelineEvent>((subscriber) => {
      socket.on('error', noop);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_MS);
      const id = `${this.options.idPrefix ?? ''}${++this.nextId}`;
      const remote = remoteOf(socket);
      const client = new IrcClient(id, socket, remote, subscriber, this.context);
      this.registering.set(id, client);
      socket.once('close', () => {
        this.registering.delete(id);
        this.registered.delete(id);
        const nick = client.session?.nick;
        if (nick !== undefined && this.byNick.get(foldName(nick)) === client) this.byNick.delete(foldName(nick));
      });
      subscriber.next({ type: 'connecting', id, remote });
      if (client.state !== 'registering') return;
      this.read(client);
      client.timer = setTimeout(
        () => this.endRegistering(client, 'ERROR :Closing Link: Registration timed out'),
        this.options.registrationTimeoutMs ?? DEFAULT_REGISTRATION_TIMEOUT_MS,
      );
      let stop: (() => void) | undefined;
      client.start = () => {
        stop = client.connection!.start(subscriber, remote, () => client.detach, [client.requested]);
      };
      return () => {
        clearTimeout(client.timer);
        client.detach();
        stop?.();
      };
    });
  }

  /** Reads the socket's lines for the connection's whole life: registration, then the chat. */
  private read(client: IrcClient): void {
    const { socket } = client;
    const splitter = new LineSplitter(
      { line: (text) => this.onLine(client, text), overflow: () => this.onOverflow(client) },
      IRC_MAX_INPUT_BYTES,
    );
    const onData = (chunk: Buffer) => splitter.push(chunk);
    const onEnd = () => splitter.end();
    const onError = (error: Error) => {
      if (client.state === 'registered') client.connection!.failed(error);
      else this.gone(client, { type: 'disconnected', id: client.id, reason: 'error', error: error.message });
    };
    const onClose = () => {
      if (client.state === 'registered') client.connection!.closed();
      else this.gone(client, { type: 'disconnected', id: client.id, reason: 'closed' });
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    client.detach = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
  }

  /** A connection that never registered ends: its one `disconnected`. */
  private gone(client: IrcClient, event: PipelineEvent): void {
    if (client.state !== 'registering') return;
    client.state = 'gone';
    clearTimeout(client.timer);
    client.detach();
    this.registering.delete(client.id);
    client.subscriber.next(event);
    client.subscriber.complete();
  }

  /** Ends a connection before registration (refused, timed out, QUIT, flood), after `error`'s line. */
  private endRegistering(client: IrcClient, error?: string): void {
    if (client.state !== 'registering') return;
    const { socket } = client;
    if (error !== undefined && !client.errorSent && !socket.destroyed) socket.write(`${error}\r\n`);
    client.errorSent = true;
    socket.end();
    const fuse = setTimeout(() => socket.destroy(), this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    fuse.unref();
    socket.once('close', () => clearTimeout(fuse));
    this.gone(client, { type: 'disconnected', id: client.id, reason: 'closed' });
  }

  private onOverflow(client: IrcClient): void {
    if (client.state === 'registered') client.connection!.overflow();
    else this.endRegistering(client, 'ERROR :Excess Flood');
  }

  private onLine(client: IrcClient, text: string): void {
    if (client.state === 'registering') return this.onRegistrationLine(client, text);
    const connection = client.connection;
    if (client.state !== 'registered' || connection === undefined) return;
    const parsed = parseIrcLine(text);
    if (parsed === 'too-long') return connection.overflow();
    if (typeof parsed === 'string') return connection.line('');
    if (connection.until !== 0 && isMuted(connection, Date.now()) && parsed.command !== 'QUIT') {
      // Out of tokens: dropped unread but counted, as on TCP; a PING still gets its PONG.
      if (parsed.command === 'PING') this.send(client, mapReplies(mapCommand(parsed, client.session!, this.context)));
      return connection.discarded(1);
    }
    if (client.session === undefined) return connection.line('');
    this.run(client, connection, mapCommand(parsed, client.session, this.context));
  }

  private run(client: IrcClient, connection: Connection<Socket>, steps: readonly IrcStep[]): void {
    const maxLineBytes = this.options.maxLineBytes;
    for (const step of steps) {
      if ('chat' in step) {
        if (maxLineBytes !== undefined && Buffer.byteLength(step.chat) > maxLineBytes) connection.overflow();
        else connection.line(step.chat);
      } else if ('reply' in step) {
        this.send(client, step.reply);
      } else if ('echo' in step) {
        this.send(client, step.echo);
      } else if ('history' in step) {
        this.chatHistory(client, step.history);
      } else if ('part' in step) {
        client.parts.set(roomKey(step.part), step.reason);
        // In one process the chat has acted already: out of the room, the client gets its PART now.
        const directory = this.options.directory;
        if (directory !== undefined && !directory.isMember(client.id, step.part)) {
          this.parted(client, directory.room(step.part)?.name ?? step.part, undefined);
        }
      } else {
        connection.line('');
      }
    }
  }

  /**
   * A CHATHISTORY query becomes the core's `history` command (a page before an id); its answer, a
   * `history` page, is shown as the plan says. What can match nothing is answered here, empty.
   */
  private chatHistory(client: IrcClient, query: ChatHistoryQuery): void {
    const room = this.options.directory?.room(query.target)?.name ?? query.target;
    const key = room.startsWith('#') ? roomKey(room) : '';
    const plan = key === '' ? 'empty' : planChatHistory(query, key, this.times);
    if (plan === 'empty' || client.queries.length >= MAX_PENDING_QUERIES) {
      const flavour = flavourOf(client.registration.capabilities);
      if (flavour.batch)
        this.send(client, historyBatchLines(this.info, { room: query.target, entries: [] }, flavour, this.batchRef()));
      return;
    }
    client.queries.push({ room: key, plan });
    if (client.subscriber.closed) return;
    client.subscriber.next({
      type: 'command',
      id: client.id,
      command: { name: 'history', room, count: plan.count, before: plan.before },
    });
  }

  private onRegistrationLine(client: IrcClient, text: string): void {
    if (++client.lines > MAX_REGISTRATION_LINES) return this.endRegistering(client, 'ERROR :Excess Flood');
    const parsed = parseIrcLine(text);
    if (parsed === 'empty') return;
    if (parsed === 'too-long')
      return void client.socket.write(`:${this.info.serverName} 417 * :Input line was too long\r\n`);
    if (typeof parsed === 'string') return;
    const step = client.registration.handle(parsed);
    if (step.close) return this.endRegistering(client, step.reply.join('\r\n'));
    if (step.reply.length > 0) client.socket.write(step.reply.map((line) => `${line}\r\n`).join(''));
    if (step.register !== undefined) this.register(client, step.register);
  }

  /** Registration is complete: the client joins the chat under the nick it asked for. */
  private register(client: IrcClient, nick: string): void {
    clearTimeout(client.timer);
    const { capabilities } = client.registration;
    const table = this.tableFor(flavourOf(capabilities));
    client.requested = nick;
    client.table = table;
    client.connection = table.open(client.id, client.socket, client.socket);
    client.state = 'registered';
    this.registering.delete(client.id);
    this.registered.set(client.id, client);
    client.start();
  }
}

function mapReplies(steps: readonly IrcStep[]): string[] {
  return steps.flatMap((step) => ('reply' in step ? step.reply : []));
}
