/** Helpers for integration tests against a real relay process. */
export { spawnRelay, TEST_SECRET } from './spawn-relay.js';
export type { RelayProcess, SpawnRelayOptions } from './spawn-relay.js';
export { signToken } from './tokens.js';
export type { TestClaims } from './tokens.js';
export { rawStomp, connectFrame } from './raw-client.js';
export type { RawStompClient } from './raw-client.js';
export { chromiumAvailable, launchChromium, CHROMIUM_PATH } from './browser.js';
export { isCI } from './ci.js';
export {
  freePort,
  freePortIn,
  redisAvailable,
  redisCommand,
  startRedis,
  startRedisCluster,
} from './redis.js';
export { startRedisProxy } from './redis-proxy.js';
export type { RedisProxy } from './redis-proxy.js';
export type { RedisClusterServer, RedisServer, StartRedisOptions } from './redis.js';
