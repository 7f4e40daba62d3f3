import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startRedis } from '../testing/redis.js';
import type { RedisServer } from '../testing/redis.js';
import { readStoreConformance } from './read-store.conformance.js';
import { redisReadBackend } from './redis-read-store.harness.js';
import { RedisReadStore } from './redis-read-store.js';

// Under CI=true a missing redis-server throws here: a failure, not a skip.
describe.runIf(redisAvailable())('RedisReadStore on one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  readStoreConformance(
    'redis',
    redisReadBackend(() => ({ url: redis.url })),
  );

  it('keeps a destination in two keys of one hash tag, both expiring', async () => {
    const store = await RedisReadStore.connect({
      url: redis.url,
      keyPrefix: 'layout:',
      ttlMs: 60_000,
    });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await store.mark('/topic/{a}', {
        user: 'alice',
        epoch: 'e1',
        offset: 4,
        at: 17,
        timestamp: 9,
      });
      expect((await raw.keys('layout:*')).sort()).toEqual([
        'layout:{reads:/topic/%7Ba%7D}:at',
        'layout:{reads:/topic/%7Ba%7D}:pos',
      ]);
      expect(await raw.hGetAll('layout:{reads:/topic/%7Ba%7D}:pos')).toEqual({
        alice: 'e1\t4\t17\t9',
      });
      for (const key of await raw.keys('layout:*')) {
        expect(await raw.pTTL(key)).toBeGreaterThan(50_000);
      }
    } finally {
      await raw.close();
      await store.close();
    }
  });
});
