/** Public API of the Parley relay for embedding it in another Node process. */
export { startRelay } from './server.js';
export type { Relay, RelayDeps } from './server.js';
export { loadConfig, ConfigError, ENV_VARS, DEV_JWT_SECRET, helpText } from './config.js';
export type { Config, JwtConfig, Limits } from './config.js';
export { loadUws } from './uws.js';
export type { LoadedUws } from './uws.js';
export { createLogger } from './log.js';
export { MemoryBroker } from './broker/memory-broker.js';
export type { Broker, BrokerListener, BrokerMessage, PublishInput } from './broker/broker.js';
export { REASONS, StompError } from './reasons.js';
export type { Reason } from './reasons.js';
export { isReservedHeader, isUserHeader } from './stomp/reserved-headers.js';
export type { Principal, Grants } from './auth/principal.js';
