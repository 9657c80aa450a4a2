/** rxchat: a chat server whose protocol is a pure RxJS stream transformation. */
export * from './core/events';
export {
  chat,
  createChatState,
  reduceChat,
  snapshotChat,
  type ChatOptions,
  type ChatState,
  type ChatStep,
} from './core/chat';
export {
  cleanName,
  foldName,
  isValidName,
  nameKey,
  pickName,
  uniqueName,
  type NameSource,
  type TakenNames,
} from './core/names';
export { WHO_MAX_NAMES } from './core/who';
export { Registry, type Client } from './core/registry';
export { formatText, formatNotice, encodeLine } from './format/text-format';
export type { ChatTransport } from './transports/chat-transport';
export { DEFAULT_CLOSE_TIMEOUT_MS, TcpTransport, type TcpTransportOptions } from './transports/tcp/tcp-transport';
export { OutputQueue, type OutputQueueOptions, type QueuedPeer } from './transports/output-queue';
export {
  DEFAULT_HTTP_PORT,
  WebSocketTransport,
  type WebSocketTransportOptions,
} from './transports/websocket/websocket-transport';
export { webSocketEvents } from './transports/websocket/websocket-events';
export { CONTENT_SECURITY_POLICY, createWebServer, pageRoutes, type RouteHandler } from './transports/http/web-server';
export { JSON_SUBPROTOCOL, formatJson } from './format/json-format';
export { LineSplitter } from './transports/line-splitter';
export { socketEvents } from './transports/tcp/socket-events';
export { fakerNames } from './server/faker-names';
export { DEFAULT_NAME_CANDIDATES, stampEvents, type StampEventsOptions } from './server/stamp-events';
export type { ChatOperator, OutputOperator } from './pipeline/operator';
export type { DiscardedEvent, EdgeSignal, MuteEvent, PipelineEvent } from './pipeline/edge-signals';
export { createChatServer, type ChatServer, type ChatServerOptions } from './server/create-chat-server';
export { formatLog } from './format/log-format';
export * from './operators';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_TOTAL_BUFFER_BYTES,
} from './server/create-chat-server';
export { OutputBudget, type BudgetHolder } from './transports/output-budget';
export { COMMAND_HELP } from './core/command-help';
export { ChatMetrics, type ChatMetricsOptions } from './metrics/chat-metrics';
export type { ConnectionLogEntry } from './metrics/connection-log';
export type { BufferedOutput, LineDrops, TransportMetrics } from './pipeline/reports';
export {
  formatJsonLog,
  formatJsonConnectionLog,
  jsonLogLine,
  type JsonLogOptions,
  type LogLevel,
} from './format/json-log';
export { processMetrics } from './metrics/process-metrics';
export {
  inMemoryRelay,
  redisRelay,
  RelayUnreachableError,
  RELAY_NOTICES,
  type ChatRelay,
  type RelayHost,
  type RedisRelayOptions,
} from './relay';
