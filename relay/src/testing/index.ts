/** Helpers for integration tests against a real relay process. */
export { spawnRelay, TEST_SECRET } from './spawn-relay.js';
export type { RelayProcess, SpawnRelayOptions } from './spawn-relay.js';
export { signToken } from './tokens.js';
export type { TestClaims } from './tokens.js';
export { rawStomp, connectFrame } from './raw-client.js';
export type { RawStompClient } from './raw-client.js';
export { chromiumAvailable, launchChromium, CHROMIUM_PATH } from './browser.js';
export { freePort, redisAvailable, redisCommand, startRedis, startRedisCluster } from './redis.js';
export type { RedisClusterServer, RedisServer, StartRedisOptions } from './redis.js';
