import { afterAll, beforeAll, describe } from 'vitest';
import { redisAvailable, startRedisCluster } from '../testing/redis.js';
import type { RedisClusterServer } from '../testing/redis.js';
import { readStoreConformance } from './read-store.conformance.js';
import { redisReadBackend } from './redis-read-store.harness.js';

// Under CI=true a missing redis-server throws here: a failure, not a skip.
describe.runIf(redisAvailable())('RedisReadStore on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  readStoreConformance(
    'redis cluster',
    redisReadBackend(() => ({ url: cluster.urls, cluster: true })),
  );
});
