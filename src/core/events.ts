/**
 * The chat's vocabulary: events flow into the core, outputs flow out.
 * Everything here is plain data so that any transport (TCP text, WebSocket JSON, a Redis relay)
 * can produce events and render outputs without the core knowing about it.
 */

/** Identifies one connection. Transports choose the format; the core only compares them. */
export type ClientId = string;

export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

/** Why a connection ended, as the transport saw it. */
export type DisconnectReason =
  /** The client closed its side (EOF) or the socket closed cleanly. */
  | 'closed'
  /** The socket failed: reset, write error, or an eviction by the transport. */
  | 'error';

// ---------------------------------------------------------------------------------------------
// Events: what the core consumes. Transports emit connected, line, line-too-long and disconnected;
// operators may emit any.
// ---------------------------------------------------------------------------------------------

/** A new connection was accepted. */
export interface ConnectedEvent {
  readonly type: 'connected';
  readonly id: ClientId;
  readonly remote: RemoteAddress;
}

/**
 * A connection was accepted but cannot carry lines yet (its TLS handshake is under way). It already
 * counts for the admission operators, which refuse it or hold its place; it ends with `connected`
 * (same id) once the handshake is done, or `disconnected`. The core ignores it: clients join at
 * `connected`.
 */
export interface ConnectingEvent {
  readonly type: 'connecting';
  readonly id: ClientId;
  readonly remote: RemoteAddress;
}

/** A client sent a line of text: decoded, without LF or CR. It may be blank: the core trims it and ignores blank lines. */
export interface LineEvent {
  readonly type: 'line';
  readonly id: ClientId;
  readonly text: string;
}

/** A connection ended, however it ended. */
export interface DisconnectedEvent {
  readonly type: 'disconnected';
  readonly id: ClientId;
  readonly reason: DisconnectReason;
  /** The error message when reason is 'error'. */
  readonly error?: string;
}

/** The transport dropped a line longer than its limit, without buffering it whole. */
export interface LineTooLongEvent {
  readonly type: 'line-too-long';
  readonly id: ClientId;
  readonly maxBytes: number;
}

/** A parsed chat command (see `commands()`); the core acts on it like on any other event. */
export interface CommandEvent {
  readonly type: 'command';
  readonly id: ClientId;
  readonly command: Command;
}

/** Tell one client something: emitted by operators (rate limiter, command parser, ...). */
export interface NoticeEvent {
  readonly type: 'notice';
  readonly id: ClientId;
  readonly notice: Notice;
}

/**
 * Disconnect a client on the server's initiative (idle, server full, policy): it gets `reason` as a
 * notice, its leave is announced at once, and the transport closes its connection.
 */
export interface KickEvent {
  readonly type: 'kick';
  readonly id: ClientId;
  readonly reason: Notice;
}

/** The server is stopping: say goodbye to everyone and stop announcing anything else. */
export interface ShutdownEvent {
  readonly type: 'shutdown';
}

export type ChatEvent =
  | ConnectedEvent
  | ConnectingEvent
  | LineEvent
  | DisconnectedEvent
  | LineTooLongEvent
  | CommandEvent
  | NoticeEvent
  | KickEvent
  | ShutdownEvent;

/** The commands of the chat, as structured data. Parsing text into these is `commands()`'s job. */
export type Command =
  | { readonly name: 'nick'; readonly newName: string }
  | { readonly name: 'who' }
  | { readonly name: 'me'; readonly action: string }
  | { readonly name: 'msg'; readonly to: string; readonly text: string }
  | { readonly name: 'quit'; readonly reason?: string }
  | { readonly name: 'help' };

export type NoticeLevel = 'info' | 'error';

/**
 * What the server tells one client, as data: a code and its parameters, worded by each transport
 * (`formatNotice` for the text protocol). `text` carries an operator's own words.
 */
export type Notice =
  | { readonly code: 'line-too-long'; readonly maxBytes: number }
  | { readonly code: 'invalid-name'; readonly name: string }
  | { readonly code: 'same-name'; readonly name: string }
  | { readonly code: 'name-taken'; readonly name: string }
  | { readonly code: 'no-such-user'; readonly name: string }
  | { readonly code: 'usage'; readonly usage: string }
  | { readonly code: 'unknown-command'; readonly command: string }
  | { readonly code: 'rate-limited' }
  | { readonly code: 'server-full' }
  /** Refused: this many connections from the client's address are open already. */
  | { readonly code: 'too-many-connections'; readonly limit: number }
  /** Refused: the client's address opened its connections for this minute; a slot frees within `retryAfterSeconds`. */
  | { readonly code: 'connecting-too-fast'; readonly retryAfterSeconds: number }
  | { readonly code: 'idle-timeout' }
  | { readonly code: 'text'; readonly level: NoticeLevel; readonly text: string };

/** Every notice is an error but an operator's own `text`, which says which it is. */
export function noticeLevel(notice: Notice): NoticeLevel {
  return notice.code === 'text' ? notice.level : 'error';
}

/** A command and what it does, as /help lists them. */
export interface CommandHelp {
  readonly usage: string;
  readonly description: string;
}

// ---------------------------------------------------------------------------------------------
// Messages: the structured content of a delivery. Transports decide how each one looks.
// ---------------------------------------------------------------------------------------------

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly name: string;
}
export interface JoinedMessage {
  readonly type: 'joined';
  readonly name: string;
}
export interface SaidMessage {
  readonly type: 'said';
  readonly name: string;
  readonly text: string;
}
export interface LeftMessage {
  readonly type: 'left';
  readonly name: string;
  /** The reason given with /quit. */
  readonly reason?: string;
}
export interface RenamedMessage {
  readonly type: 'renamed';
  readonly from: string;
  readonly to: string;
}
export interface ActionMessage {
  readonly type: 'action';
  readonly name: string;
  readonly text: string;
}
export interface PrivateMessage {
  readonly type: 'private';
  readonly from: string;
  readonly text: string;
}
export interface WhoMessage {
  readonly type: 'who';
  /** Names in join order. */
  readonly names: readonly string[];
}
/** Information or an error for one client. */
export interface NoticeMessage {
  readonly type: 'notice';
  readonly notice: Notice;
}
/** The answer to /help. */
export interface HelpMessage {
  readonly type: 'help';
  readonly commands: readonly CommandHelp[];
}
export interface ShutdownMessage {
  readonly type: 'shutdown';
}

export type ChatMessage =
  | WelcomeMessage
  | JoinedMessage
  | SaidMessage
  | LeftMessage
  | RenamedMessage
  | ActionMessage
  | PrivateMessage
  | WhoMessage
  | NoticeMessage
  | HelpMessage
  | ShutdownMessage;

// ---------------------------------------------------------------------------------------------
// Outputs: what the core produces. Transports act on deliveries and closes; logs go to the operator.
// ---------------------------------------------------------------------------------------------

/**
 * One message for a set of clients. `to` is shared with the registry (never copied per message),
 * and `except` names the one client in it that must not get the message (the sender).
 */
export interface Delivery {
  readonly kind: 'deliver';
  readonly to: readonly ClientId[];
  readonly except?: ClientId;
  readonly message: ChatMessage;
  /** When the core handled the event, from the injected clock (ms). */
  readonly at: number;
}

/** Ask the transport to close a connection once what was delivered to it is flushed. */
export interface CloseRequest {
  readonly kind: 'close';
  readonly id: ClientId;
}

/** Why a client left on the server's side: it quit, or it was kicked. */
export type LeaveReason =
  | { readonly kind: 'quit'; readonly text?: string }
  | { readonly kind: 'kicked'; readonly notice: Notice };

export type LogEntry =
  | { readonly type: 'connected'; readonly name: string; readonly remote: RemoteAddress }
  | { readonly type: 'said'; readonly name: string; readonly text: string }
  | { readonly type: 'disconnected'; readonly name: string; readonly reason?: LeaveReason }
  | { readonly type: 'renamed'; readonly from: string; readonly to: string }
  | { readonly type: 'error'; readonly name: string; readonly error: string };

/** A line for the server's own log. */
export interface LogOutput {
  readonly kind: 'log';
  readonly entry: LogEntry;
  readonly at: number;
}

export type ChatOutput = Delivery | CloseRequest | LogOutput;

/** True when `id` is one of the delivery's recipients. */
export function isRecipient(delivery: Delivery, id: ClientId): boolean {
  return id !== delivery.except && delivery.to.includes(id);
}
