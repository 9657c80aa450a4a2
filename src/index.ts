/**
 * rxchat: a chat server whose protocol is a pure RxJS stream transformation.
 *
 * The public API serves three readers; anything not exported here (the transports, output queues,
 * metrics, HTTP server, the core's registry and reducer) is internal and may change without notice.
 *
 * - An embedder runs the server inside a Node process: `createChatServer` with its options, the
 *   relays that let several processes share one chat (`inMemoryRelay`, `redisRelay`), the log
 *   formats, or the core alone (`chat`, `stampEvents`) without any socket.
 * - An operator author writes policies as RxJS operators over the chat's vocabulary (events,
 *   commands, notices, messages, outputs): `ChatOperator` in front of the core, `OutputOperator`
 *   after it, and the built-in operators, by name, to install their own among them.
 * - A test author marble-tests operators against the real core: see `rxchat/testing`.
 *
 * The list is pinned in api/rxchat.api.txt and api/testing.api.txt (spec/api.spec.ts): a change to
 * it is a decision, made by updating the report.
 */

// ----- Embedder: the server and its options ---------------------------------------------------
export { createChatServer, type ChatServer, type ChatServerOptions } from './server/create-chat-server';
export { DEFAULT_POLICY, type PolicyOptions } from './operators/builtin-operators';
export { DEFAULT_HTTP_PORT } from './transports/websocket/websocket-transport';
export type { RouteHandler } from './transports/http/web-server';
export type { ConnectionLogEntry } from './metrics/connection-log';
export {
  inMemoryRelay,
  redisRelay,
  RelayUnreachableError,
  type ChatRelay,
  type RelayHost,
  type RedisRelayOptions,
} from './relay';
export { formatLog } from './format/log-format';
export { formatJsonLog, formatJsonConnectionLog, type JsonLogOptions } from './format/json-log';

// ----- Embedder: the core alone, and what the server stamps in front of it ----------------------
export { chat, createChatState, snapshotChat, type ChatOptions, type ChatState } from './core/chat';
export { stampEvents, type StampEventsOptions } from './server/stamp-events';
export { fakerNames } from './server/faker-names';
export { isValidName, nameKey, type NameSource } from './core/names';
export { DEFAULT_ROOM, isValidRoomName, type RoomLimits } from './core/rooms';
export type { HistoryOptions } from './core/chat-state';
export type { HistoryLimits, SnapshotHistory } from './core/history';
export type { ChatStore, HistoryEntry, SessionRecord, StoreRecord, StoredChat } from './core/records';

// ----- Operator author: the chat's vocabulary -------------------------------------------------
export {
  // Events, what the core consumes.
  type ClientId,
  type RemoteAddress,
  type DisconnectReason,
  type EventBase,
  type ConnectedEvent,
  type ConnectingEvent,
  type LineEvent,
  type DisconnectedEvent,
  type LineTooLongEvent,
  type CommandEvent,
  type NoticeEvent,
  type KickEvent,
  type ShutdownEvent,
  type NodeGoneEvent,
  type NodeStoppingEvent,
  type ResetEvent,
  type RejoinedEvent,
  type ChatEvent,
  type ChatSnapshot,
  type ChatSnapshotClient,
  type ChatSnapshotRoom,
  type Command,
  type CommandHelp,
  type Notice,
  type NoticeLevel,
  noticeLevel,
  // Messages, the content of a delivery.
  type WelcomeMessage,
  type JoinedMessage,
  type EnteredMessage,
  type PartedMessage,
  type RoomsMessage,
  type SaidMessage,
  type LeftMessage,
  type RenamedMessage,
  type ActionMessage,
  type PrivateMessage,
  type WhoMessage,
  type NoticeMessage,
  type HelpMessage,
  type ShutdownMessage,
  type JoinedManyMessage,
  type LeftManyMessage,
  type HistoryMessage,
  type SessionMessage,
  type ResumedMessage,
  type ChatMessage,
  // Outputs, what the core produces.
  type Delivery,
  type RoomAudience,
  type CloseRequest,
  type LeaveReason,
  type LogEntry,
  type LogOutput,
  type RecordOutput,
  type ChatOutput,
  isRecipient,
} from './core/events';
export { formatText, formatNotice } from './format/text-format';
export { formatJson } from './format/json-format';

// ----- Operator author: operators and the built-ins -------------------------------------------
export type { ChatOperator, OutputOperator } from './pipeline/operator';
export type { DiscardedEvent, EdgeSignal, MuteEvent, PipelineEvent } from './pipeline/edge-signals';
export {
  builtinOperators,
  defaultOperators,
  type BuiltinOperators,
  type BuiltinName,
  type OperatorSlots,
  stripControl,
  commands,
  rateLimit,
  type RateLimitOptions,
  maxClients,
  maxClientsPerIp,
  connectRate,
  type ConnectRateOptions,
  idleTimeout,
  type IdleTimeoutOptions,
  admission,
  type AdmissionPolicy,
  type Newcomer,
  addressKey,
  coalesceStorms,
  type CoalesceStormsOptions,
} from './operators';
