import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, startRedis } from '../testing/redis.js';
import type { RedisServer } from '../testing/redis.js';
import { presenceConformance } from './presence.conformance.js';
import { PresenceService } from './presence-service.js';
import type { PresenceEvent } from './presence-service.js';
import { PRESENCE_BUCKETS, presenceBucket, RedisPresenceStore } from './redis-presence-store.js';
import { redisClock, redisPresenceBackend, sleep } from './redis-presence.harness.js';

// Under CI=true a missing redis-server throws here: a failure, not a skip.
const available = redisAvailable();

describe.runIf(available)('RedisPresenceStore on one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  presenceConformance(
    'redis',
    redisPresenceBackend(() => ({ url: redis.url })),
  );

  it('keeps a room in one bucket slot and leaves no keys behind', async () => {
    const keyPrefix = 'layout:';
    const store = await RedisPresenceStore.connect({ url: redis.url, keyPrefix });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const room = '/topic/room.42';
      const b = presenceBucket(room);
      await store.join(room, 'relay1-s1', { userId: 'alice', name: 'Alice' }, 10_000);
      await store.connect('relay1-s1', 'alice', 10_000);
      expect((await raw.keys('layout:*')).sort()).toEqual(
        [
          `layout:{online:alice}`,
          `layout:{presence:${b}}:room:${room}:conns`,
          `layout:{presence:${b}}:room:${room}:names`,
          `layout:{presence:${b}}:room:${room}:users`,
          `layout:{presence:${b}}:rooms`,
        ].sort(),
      );
      expect(await raw.zRange(`layout:{presence:${b}}:room:${room}:conns`, 0, -1)).toEqual([
        'alice\0relay1-s1',
      ]);
      expect(await raw.hGetAll(`layout:{presence:${b}}:room:${room}:names`)).toEqual({
        alice: 'Alice',
      });
      expect(await raw.pTTL('layout:{online:alice}')).toBeGreaterThan(0);
      await store.leave(room, 'relay1-s1', 'alice');
      await store.disconnect('relay1-s1', 'alice');
      expect(await raw.keys('layout:*')).toEqual([]);
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('spreads rooms over the buckets', () => {
    const used = new Set(
      Array.from({ length: 1000 }, (_, i) => presenceBucket(`/topic/room.${i}`)),
    );
    expect(used.size).toBe(PRESENCE_BUCKETS);
  });

  it('rejects calls while Redis is down and works again once it is back', async () => {
    const own = await startRedis();
    const store = await RedisPresenceStore.connect({ url: own.url, commandTimeoutMs: 1000 });
    try {
      expect(await store.join('r', 'c1', { userId: 'alice' }, 10_000)).toBe(true);
      await own.kill();
      await expect(store.members('r')).rejects.toThrow();
      await own.restart();
      let members: unknown;
      for (let i = 0; i < 100; i++) {
        members = await store.members('r').catch(() => undefined);
        if (members !== undefined) break;
        await sleep(50);
      }
      // A fresh server (nothing persisted): presence starts empty, and the store loaded its
      // scripts again on reconnecting (join.lua has not run since).
      expect(members).toEqual([]);
      const raw = createClient({ url: own.url });
      await raw.connect();
      const sha = createHash('sha1')
        .update(readFileSync(new URL('./lua/join.lua', import.meta.url)))
        .digest('hex');
      expect(await raw.sendCommand(['SCRIPT', 'EXISTS', sha])).toEqual([1]);
      await raw.close();
      expect(await store.join('r', 'c1', { userId: 'alice' }, 10_000)).toBe(true);
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it("publishes a dead relay's leave from another relay, across stores on Redis", async () => {
    const keyPrefix = 'service:';
    const events: Array<PresenceEvent & { room: string; by: string }> = [];
    const relay = async (relayId: string): Promise<[PresenceService, RedisPresenceStore]> => {
      const store = await RedisPresenceStore.connect({ url: redis.url, keyPrefix });
      const service = new PresenceService({
        store,
        relayId,
        ttlMs: 600,
        refreshMs: 150,
        publish: (room, event) => void events.push({ room, by: relayId, ...event }),
      });
      return [service, store];
    };
    const [a, storeA] = await relay('a');
    const [b, storeB] = await relay('b');
    const clock = await redisClock(redis.url);
    try {
      await a.track('/topic/room.1', 's1', { userId: 'alice', name: 'Alice' });
      await b.track('/topic/room.1', 's1', { userId: 'bob' });
      await b.track('/topic/room.1', 's2', { userId: 'alice', name: 'Alice' });
      expect(events.map((e) => `${e.by}:${e.type}:${e.user.id}`)).toEqual([
        'a:join:alice',
        'b:join:bob',
      ]);
      // Longer than the TTL (600 ms) on the clock entries expire by: both relays refreshed, so
      // nobody left.
      await clock.elapse(1000);
      expect(events).toHaveLength(2);
      b.abandon();
      await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(3), {
        timeout: 5000,
        interval: 20,
      });
      // Another TTL on Redis's clock: a second report of the same leave would be here by now.
      await clock.elapse(600);
      expect(events.slice(2)).toEqual([
        { room: '/topic/room.1', by: 'a', type: 'leave', user: { id: 'bob' } },
      ]);
      expect(await a.members('/topic/room.1')).toEqual([{ userId: 'alice', name: 'Alice' }]);
      expect(await a.online(['alice', 'bob'])).toEqual({ alice: true, bob: false });
      await a.close();
      expect(events.slice(3)).toEqual([
        { room: '/topic/room.1', by: 'a', type: 'leave', user: { id: 'alice', name: 'Alice' } },
      ]);
      expect(await storeB.members('/topic/room.1')).toEqual([]);
    } finally {
      a.abandon();
      await storeA.close();
      await storeB.close();
      await clock.close();
    }
  });
});
