/**
 * The chat's vocabulary: events flow into the core, outputs flow out.
 * Everything here is plain data so that any transport (TCP text, WebSocket JSON, a Redis relay)
 * can produce events and render outputs without the core knowing about it.
 */

import type { HistoryEntry, SessionRecord, StoreRecord } from './records';
import type { SnapshotHistory } from './history';

/** Identifies one connection. Transports choose the format; the core only compares them. */
export type ClientId = string;

/** The peer's address and port, as the transport accepted it. */
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
// operators may emit any; a relay between processes emits the cluster events (node-gone, ...).
// ---------------------------------------------------------------------------------------------

/**
 * What every event may carry. The core reads nothing from a clock: time is stamped on events at the
 * edge (`stampEvents`), so that every process applying the same events derives the same outputs.
 */
export interface EventBase {
  /** When the edge received the event, in ms since the epoch; outputs carry it (0 when absent). */
  readonly at?: number;
}

/** A new connection was accepted. */
export interface ConnectedEvent extends EventBase {
  readonly type: 'connected';
  readonly id: ClientId;
  readonly remote: RemoteAddress;
  /**
   * Raw name candidates drawn at the edge (e.g. faker usernames): the core cleans them and takes the
   * first one free, else numbers the last one (or `guest` when there are none).
   */
  readonly names?: readonly string[];
  /** The process that holds the connection, when several share a chat (see `node-gone`). */
  readonly node?: string;
}

/**
 * A connection was accepted but cannot carry lines yet (its TLS handshake is under way). It already
 * counts for the admission operators, which refuse it or hold its place; it ends with `connected`
 * (same id) once the handshake is done, or `disconnected`. The core ignores it: clients join at
 * `connected`.
 */
export interface ConnectingEvent extends EventBase {
  readonly type: 'connecting';
  readonly id: ClientId;
  readonly remote: RemoteAddress;
}

/** A client sent a line of text: decoded, without LF or CR. It may be blank: the core trims it and ignores blank lines. */
export interface LineEvent extends EventBase {
  readonly type: 'line';
  readonly id: ClientId;
  readonly text: string;
}

/** A connection ended, however it ended. */
export interface DisconnectedEvent extends EventBase {
  readonly type: 'disconnected';
  readonly id: ClientId;
  readonly reason: DisconnectReason;
  /** The error message when reason is 'error'. */
  readonly error?: string;
}

/** The transport dropped a line longer than its limit, without buffering it whole. */
export interface LineTooLongEvent extends EventBase {
  readonly type: 'line-too-long';
  readonly id: ClientId;
  readonly maxBytes: number;
}

/** A parsed chat command (see `commands()`); the core acts on it like on any other event. */
export interface CommandEvent extends EventBase {
  readonly type: 'command';
  readonly id: ClientId;
  readonly command: Command;
}

/** Tell one client something: emitted by operators (rate limiter, command parser, ...). */
export interface NoticeEvent extends EventBase {
  readonly type: 'notice';
  readonly id: ClientId;
  readonly notice: Notice;
}

/**
 * Disconnect a client on the server's initiative (idle, server full, policy): it gets `reason` as a
 * notice, its leave is announced at once, and the transport closes its connection.
 */
export interface KickEvent extends EventBase {
  readonly type: 'kick';
  readonly id: ClientId;
  readonly reason: Notice;
}

/** The server is stopping: say goodbye to everyone and stop announcing anything else. */
export interface ShutdownEvent extends EventBase {
  readonly type: 'shutdown';
}

/**
 * A process sharing the chat died: every client it held leaves, announced to everyone remaining.
 * Applying it twice is harmless (two survivors may both report the same death).
 */
export interface NodeGoneEvent extends EventBase {
  readonly type: 'node-gone';
  readonly node: string;
}

/**
 * One process is stopping while the chat goes on: its own clients get the goodbye and are closed,
 * everyone else sees them leave, and later connections through it are turned away.
 */
export interface NodeStoppingEvent extends EventBase {
  readonly type: 'node-stopping';
  readonly node: string;
}

/** Replace the core's whole state with a snapshot (every process restarts from one common state). Outputs nothing. */
export interface ResetEvent extends EventBase {
  readonly type: 'reset';
  readonly snapshot: ChatSnapshot;
}

/**
 * A client already connected, re-announced after a reset: it joins the registry without a welcome
 * or a join line, under `name` if that is still free, else under a numbered name told to everyone.
 */
export interface RejoinedEvent extends EventBase {
  readonly type: 'rejoined';
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
  readonly node?: string;
  /** The rooms it was in (names, join order), rejoined silently; without it, the default room. */
  readonly rooms?: readonly string[];
  /** Its current room among `rooms`. */
  readonly current?: string;
}

/** Everything the core consumes: from the transports, the operators and the relay. */
export type ChatEvent =
  | ConnectedEvent
  | ConnectingEvent
  | LineEvent
  | DisconnectedEvent
  | LineTooLongEvent
  | CommandEvent
  | NoticeEvent
  | KickEvent
  | ShutdownEvent
  | NodeGoneEvent
  | NodeStoppingEvent
  | ResetEvent
  | RejoinedEvent;

/** One online client in a snapshot. */
export interface ChatSnapshotClient {
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
  readonly node?: string;
  /** Its rooms (names, in the order it joined them); absent in snapshots made before rooms: the default room. */
  readonly rooms?: readonly string[];
  /** Its current room, where its plain lines go. */
  readonly current?: string;
  /** Per room, the oldest message id from which its connection has been sent every message (see `/resume`). */
  readonly sentFrom?: Readonly<Record<string, number>>;
}

/** One room in a snapshot: its name as first written and its members in join order. */
export interface ChatSnapshotRoom {
  readonly name: string;
  readonly members: readonly ClientId[];
}

/**
 * The core's state as plain JSON-serialisable data (`snapshotChat`), for a process that joins a
 * running chat late: `createChatState(snapshot)` or a `reset` event restores it.
 */
export interface ChatSnapshot {
  /** In join order. */
  readonly clients: readonly ChatSnapshotClient[];
  /** A whole-chat shutdown happened. */
  readonly closing: boolean;
  /** Processes that announced they are stopping (`node-stopping`). */
  readonly stoppedNodes: readonly string[];
  /** The rooms in creation order; absent in snapshots made before rooms: everyone in the default room. */
  readonly rooms?: readonly ChatSnapshotRoom[];
  /** Each room's kept messages; absent in snapshots made before history. */
  readonly history?: readonly SnapshotHistory[];
  /** The sessions, held ones naming their holder; absent in snapshots made before sessions. */
  readonly sessions?: readonly (SessionRecord & { readonly holder?: ClientId })[];
}

/** The commands of the chat, as structured data. Parsing text into these is `commands()`'s job. */
export type Command =
  | { readonly name: 'nick'; readonly newName: string }
  /**
   * Who is in the current room (or in `room`), or those of the current room whose name starts with
   * `prefix` (ignoring case).
   */
  | { readonly name: 'who'; readonly prefix?: string; readonly room?: string }
  /** Join a room (made if needed) and make it current. */
  | { readonly name: 'join'; readonly room: string }
  /** Leave a room (default: the current one), telling its members `reason` if given. */
  | { readonly name: 'part'; readonly room?: string; readonly reason?: string }
  /** List the rooms, biggest first (those whose name starts with `prefix`, ignoring case and `#`). */
  | { readonly name: 'rooms'; readonly prefix?: string }
  | { readonly name: 'me'; readonly action: string }
  | { readonly name: 'msg'; readonly to: string; readonly text: string }
  | { readonly name: 'quit'; readonly reason?: string }
  | { readonly name: 'help' }
  /**
   * Up to `count` messages of the current room (or `room`) before id `before` (default: before the
   * oldest this connection was shown), oldest first.
   */
  | { readonly name: 'history'; readonly room?: string; readonly count?: number; readonly before?: number }
  /**
   * Open a session this client can resume after its connection drops. The edge (`stampEvents`) draws
   * the `token` and its `hash`; the core keeps the hash only and tells the client the token.
   */
  | {
      readonly name: 'session';
      readonly token?: string;
      readonly hash?: string;
      /** The client wants each message's id on the text protocol (`@id=42 ` before the line). */
      readonly ids?: boolean;
    }
  /**
   * Take back a detached session: its name, its rooms and what it missed. The edge replaces the
   * client's `token` with its `hash`. `seen` is, per room, the last message id the client got (the
   * session's own record is used for rooms it does not name).
   */
  | {
      readonly name: 'resume';
      readonly token?: string;
      readonly hash?: string;
      readonly seen?: Readonly<Record<string, number>>;
      /**
       * This connection showed none of what it was sent before the resume (a client that hid the
       * scrollback it got on connecting): replay everything missed, the scrollback's range included.
       */
      readonly all?: boolean;
      /** As for `session`: this connection wants message ids on the text protocol. */
      readonly ids?: boolean;
    };

/** How a client shows a notice: as information or as an error. */
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
  /** Not `#` and 1-32 of `[A-Za-z0-9._-]`. */
  | { readonly code: 'invalid-room'; readonly room: string }
  /** The client is in `limit` rooms already. */
  | { readonly code: 'too-many-rooms'; readonly limit: number }
  /** The server holds `limit` rooms already: no new one. */
  | { readonly code: 'server-rooms-full'; readonly limit: number }
  /** A plain line or /me from a client in no room; `defaultRoom` is where to go. */
  | { readonly code: 'no-room'; readonly defaultRoom: string }
  | { readonly code: 'not-in-room'; readonly room: string }
  | { readonly code: 'no-such-room'; readonly room: string }
  | { readonly code: 'excess-flood' }
  /** A `/resume` refused: no such session (unknown, expired or ended), or (`in-use`) this connection holds it already. */
  | { readonly code: 'cannot-resume'; readonly reason: 'unknown' | 'in-use' }
  /** This connection's session was resumed by another connection (it is let go). */
  | { readonly code: 'session-taken' }
  /** Sessions need the edge's token (`stampEvents`): this chat has none. */
  | { readonly code: 'no-sessions' }
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

/** To a newcomer: the name it got. */
export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly name: string;
}
/** Someone connected: told to the default room's members (the newcomer is one). */
export interface JoinedMessage {
  readonly type: 'joined';
  readonly name: string;
  /** The room it landed in: the default room (absent in messages made by hand: the default room). */
  readonly room?: string;
}
/** A line someone said to everyone. */
export interface SaidMessage {
  readonly type: 'said';
  readonly name: string;
  readonly text: string;
  /** The room it was said in: the core names it always; absent means the default room. */
  readonly room?: string;
  /** Its id in the room's history (increasing within the room), when history is kept. */
  readonly id?: number;
  /** When the server accepted it (ms since the epoch), when history is kept. */
  readonly at?: number;
}
/** Someone joined a room with /join: told to its members, the joiner included. */
export interface EnteredMessage {
  readonly type: 'entered';
  readonly room: string;
  readonly name: string;
}
/** Someone left a room with /part: told to the members remaining. */
export interface PartedMessage {
  readonly type: 'parted';
  readonly room: string;
  readonly name: string;
  readonly reason?: string;
}
/** The answer to /rooms: the rooms, biggest first. */
export interface RoomsMessage {
  readonly type: 'rooms';
  /** At most `WHO_MAX_NAMES` of them. */
  readonly rooms: readonly { readonly name: string; readonly size: number }[];
  /** How many rooms match: more than `rooms.length` when the list is bounded. */
  readonly count: number;
  readonly prefix?: string;
}
/** To everyone else: a client left. */
export interface LeftMessage {
  readonly type: 'left';
  readonly name: string;
  /** The reason given with /quit. */
  readonly reason?: string;
}
/** To everyone: a client changed its name with /nick. */
export interface RenamedMessage {
  readonly type: 'renamed';
  readonly from: string;
  readonly to: string;
}
/** A /me action, to everyone else. */
export interface ActionMessage {
  readonly type: 'action';
  readonly name: string;
  readonly text: string;
  /** As `SaidMessage.room`. */
  readonly room?: string;
  /** As `SaidMessage.id`. */
  readonly id?: number;
  /** As `SaidMessage.at`. */
  readonly at?: number;
}
/** A /msg, to its one recipient. */
export interface PrivateMessage {
  readonly type: 'private';
  readonly from: string;
  readonly text: string;
}
/** The answer to /who. */
export interface WhoMessage {
  readonly type: 'who';
  /** Names in join order: all of those matching, or the first `WHO_MAX_NAMES` of them. */
  readonly names: readonly string[];
  /** How many online clients match: more than `names.length` when the list is bounded. */
  readonly count: number;
  /** The prefix searched for, if any. */
  readonly prefix?: string;
  /** The room listed; absent means the default room. */
  readonly room?: string;
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
/** To everyone: the server is stopping (the goodbye). */
export interface ShutdownMessage {
  readonly type: 'shutdown';
}
/** Joins coalesced during a join storm (see `coalesceStorms`): `count` joined, the first of them named. */
export interface JoinedManyMessage {
  readonly type: 'joined-many';
  /** The first names, in join order (at most `coalesceStorms`' `listNames`). */
  readonly names: readonly string[];
  readonly count: number;
  /** The room they joined (connections: the default room); absent means the default room. */
  readonly room?: string;
}
/** Leaves coalesced during a storm of leaves, as `JoinedManyMessage`. */
export interface LeftManyMessage {
  readonly type: 'left-many';
  readonly names: readonly string[];
  readonly count: number;
  /** The room they parted; absent for those who left the chat. */
  readonly room?: string;
}

/**
 * Messages from a room's history, oldest first, each with its id and time: the scrollback shown on
 * joining, a page asked for with /history, or what a resumed session missed.
 */
export interface HistoryMessage {
  readonly type: 'history';
  readonly room: string;
  readonly reason: 'scrollback' | 'page' | 'replay';
  readonly entries: readonly HistoryEntry[];
  /** A replay: how many missed messages are no longer kept (they come before `entries`). */
  readonly missed?: number;
  /** A page: whether earlier messages are kept. */
  readonly more?: boolean;
}
/** To a client that opened a session: the token to resume it with, and how long it waits after a drop. */
export interface SessionMessage {
  readonly type: 'session';
  readonly token: string;
  readonly windowSeconds: number;
  /** The client asked for message ids: its transport words its messages with them from now on. */
  readonly ids?: true;
}
/** To a client that resumed a session: its name and rooms are back. What it missed follows. */
export interface ResumedMessage {
  readonly type: 'resumed';
  readonly name: string;
  readonly rooms: readonly string[];
  /** As `SessionMessage.ids`. */
  readonly ids?: true;
}

/** Every message a delivery may carry; each transport words them its own way (`formatText`, `formatJson`). */
export type ChatMessage =
  | WelcomeMessage
  | JoinedMessage
  | EnteredMessage
  | PartedMessage
  | RoomsMessage
  | SaidMessage
  | LeftMessage
  | RenamedMessage
  | ActionMessage
  | PrivateMessage
  | WhoMessage
  | NoticeMessage
  | HelpMessage
  | ShutdownMessage
  | JoinedManyMessage
  | LeftManyMessage
  | HistoryMessage
  | SessionMessage
  | ResumedMessage;

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
  /** `to` is everyone online: a transport may walk its own welcomed clients instead. */
  readonly everyone?: true;
  readonly except?: ClientId;
  readonly message: ChatMessage;
  /**
   * For a leave told to everyone who shared a room with the leaver: each of those rooms with its
   * members (after the leave), so that an output operator can act per room (storm summaries).
   */
  readonly rooms?: readonly RoomAudience[];
  /** The `at` of the event that caused it (ms since the epoch), 0 when the event had none. */
  readonly at: number;
}

/** A room's name and its members at the time of a delivery (an immutable list). */
export interface RoomAudience {
  readonly room: string;
  readonly members: readonly ClientId[];
}

/** Ask the transport to close a connection once what was delivered to it is flushed. */
export interface CloseRequest {
  readonly kind: 'close';
  readonly id: ClientId;
}

/** Why a client left on the server's side: it quit, or it was kicked. */
export type LeaveReason =
  { readonly kind: 'quit'; readonly text?: string } | { readonly kind: 'kicked'; readonly notice: Notice };

/** What the server log records, as data (`formatLog`, `formatJsonLog` word it). */
export type LogEntry =
  | { readonly type: 'connected'; readonly name: string; readonly remote: RemoteAddress }
  /** `room` is named when it is not the default room. */
  | { readonly type: 'said'; readonly name: string; readonly text: string; readonly room?: string }
  | { readonly type: 'disconnected'; readonly name: string; readonly reason?: LeaveReason }
  | { readonly type: 'renamed'; readonly from: string; readonly to: string }
  | { readonly type: 'error'; readonly name: string; readonly error: string };

/** A line for the server's own log. */
export interface LogOutput {
  readonly kind: 'log';
  readonly entry: LogEntry;
  readonly at: number;
}

/**
 * A change to what the chat remembers, for a durable store: emitted (before the deliveries it
 * causes) only when the core is asked for records (`ChatOptions.records`). Transports ignore it.
 */
export interface RecordOutput {
  readonly kind: 'record';
  readonly record: StoreRecord;
}

/** Everything the core produces: deliveries and closes for the transports, log lines for the operator, records for a store. */
export type ChatOutput = Delivery | CloseRequest | LogOutput | RecordOutput;

/** True when `id` is one of the delivery's recipients. */
export function isRecipient(delivery: Delivery, id: ClientId): boolean {
  return id !== delivery.except && delivery.to.includes(id);
}
