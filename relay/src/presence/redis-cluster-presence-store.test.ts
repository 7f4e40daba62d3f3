import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startRedisCluster } from '../testing/redis.js';
import type { RedisClusterServer } from '../testing/redis.js';
import { presenceConformance } from './presence.conformance.js';
import { PRESENCE_BUCKETS, presenceBucket, RedisPresenceStore } from './redis-presence-store.js';
import { redisPresenceBackend } from './redis-presence.harness.js';

// Under CI=true a missing redis-server throws here: a failure, not a skip.
describe.runIf(redisAvailable())('RedisPresenceStore on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  presenceConformance(
    'redis cluster',
    redisPresenceBackend(() => ({ url: cluster.urls, cluster: true })),
  );

  it('keeps each room in one slot and spreads the buckets over the masters', async () => {
    const raw = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    await raw.connect();
    const store = await RedisPresenceStore.connect({ url: cluster.urls, cluster: true });
    try {
      const slot = async (key: string): Promise<number> =>
        Number(await raw.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
      const room = '/topic/room.7';
      const tag = `parley:{presence:${presenceBucket(room)}}`;
      const slots = await Promise.all(
        ['rooms', `room:${room}:conns`, `room:${room}:users`, `room:${room}:names`].map((k) =>
          slot(`${tag}:${k}`),
        ),
      );
      expect(new Set(slots).size).toBe(1);
      // Every master holds some of the 64 bucket tags.
      const bucketSlots = await Promise.all(
        Array.from({ length: PRESENCE_BUCKETS }, (_, b) => slot(`parley:{presence:${b}}:rooms`)),
      );
      const masters = new Set(
        bucketSlots.map((s) => raw.slots[s]?.master.port).filter((p) => p !== undefined),
      );
      expect(masters.size).toBe(cluster.urls.length);
      expect(await store.join(room, 'r1-s1', { userId: 'alice' }, 10_000)).toBe(true);
      expect(await store.leave(room, 'r1-s1', 'alice')).toBe(true);
    } finally {
      await store.close();
      await raw.close();
    }
  });
});
