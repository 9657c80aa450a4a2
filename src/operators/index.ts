export { stripControl, stripUnsafe } from './strip-control';
export { commands, parseCommand } from './commands';
export {
  rateLimit,
  RATE_LIMIT_NOTICE,
  EXCESS_FLOOD_NOTICE,
  DEFAULT_EXCESS_FLOOD,
  type RateLimitOptions,
} from './rate-limit';
export { coalesceStorms, DEFAULT_STORMS, type CoalesceStormsOptions } from './coalesce-storms';
export { maxClients, SERVER_FULL } from './max-clients';
export { maxClientsPerIp, tooManyConnections } from './max-clients-per-ip';
export { connectRate, connectingTooFast, type ConnectRateOptions } from './connect-rate';
export { admission, type AdmissionPolicy, type Newcomer } from './admission';
export { addressKey } from './address-key';
export { idleTimeout, IDLE_NOTICE, type IdleTimeoutOptions } from './idle-timeout';
export {
  builtinOperators,
  defaultOperators,
  DEFAULT_POLICY,
  type BuiltinHooks,
  type BuiltinName,
  type BuiltinOperators,
  type OperatorSlots,
  type PolicyOptions,
} from './builtin-operators';
