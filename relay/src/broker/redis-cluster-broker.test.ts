import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, redisCommand, startRedisCluster } from '../testing/redis.js';
import type { RedisClusterServer } from '../testing/redis.js';
import type { BrokerMessage, PublishInput, Retention } from './broker.js';
import { brokerConformance } from './broker.conformance.js';
import type { DedupOptions } from './dedup.js';
import { RedisBroker } from './redis-broker.js';

const input = (destination: string, body: string): PublishInput => ({
  destination,
  body: new TextEncoder().encode(body),
  headers: [],
  sender: 'bob',
});
const decode = (m: BrokerMessage): string => new TextDecoder().decode(m.body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const uniquePrefix = (): string => `test:${randomBytes(6).toString('hex')}:`;

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !check()) await sleep(10);
}

describe.runIf(redisAvailable())('RedisBroker on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  brokerConformance('redis-cluster', (retention?: Retention, dedup?: DedupOptions) =>
    RedisBroker.connect({
      url: cluster.urls,
      cluster: true,
      keyPrefix: uniquePrefix(),
      ...(retention && { retention }),
      ...(dedup && { dedup }),
    }),
  );

  describe('across slots and nodes', () => {
    const opened: RedisBroker[] = [];
    const open = async (url: string[], keyPrefix: string): Promise<RedisBroker> => {
      const broker = await RedisBroker.connect({ url, cluster: true, keyPrefix });
      opened.push(broker);
      return broker;
    };
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
    });

    /** Which master serves a key's slot, by port (from `CLUSTER NODES`). */
    async function ownerOf(key: string): Promise<number> {
      const slot = Number(await redisCommand(cluster.ports[0]!, 'CLUSTER', 'KEYSLOT', key));
      const nodes = await redisCommand(cluster.ports[0]!, 'CLUSTER', 'NODES');
      for (const line of nodes.split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ');
        if (!address || !flags?.includes('master')) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (from !== undefined && to !== undefined && slot >= from && slot <= to) {
            return Number(/:(\d+)@/.exec(address)?.[1]);
          }
        }
      }
      throw new Error(`no master serves ${key}`);
    }

    /** Subscribers of a sharded channel on the master that serves it. */
    async function shardNumSub(channel: string): Promise<number> {
      const admin = createClient({ url: `redis://127.0.0.1:${await ownerOf(channel)}` });
      await admin.connect();
      try {
        const reply = (await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', channel])) as [
          string,
          number,
        ];
        return reply[1];
      } finally {
        await admin.close();
      }
    }

    it('publishes, delivers and keeps history for destinations on every master', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open(cluster.urls, keyPrefix);
      const destinations = Array.from({ length: 24 }, (_, i) => `/topic/spread.${i}`);
      const owners = new Set(
        await Promise.all(destinations.map((d) => ownerOf(`${keyPrefix}{${d}}`))),
      );
      expect(owners.size).toBe(3);
      const got = new Map<string, string[]>(destinations.map((d) => [d, []]));
      for (const d of destinations) await broker.subscribe(d, (m) => got.get(d)!.push(decode(m)));
      await Promise.all(
        destinations.flatMap((d) => [1, 2, 3].map((i) => broker.publish(input(d, `${d}#${i}`)))),
      );
      await eventually(() => [...got.values()].every((l) => l.length >= 3));
      for (const d of destinations) {
        expect(got.get(d)).toEqual([1, 2, 3].map((i) => `${d}#${i}`));
        const page = await broker.history(d, { limit: 10 });
        expect(page.messages.map((m) => m.offset)).toEqual([1, 2, 3]);
      }
      expect(await shardNumSub(`${keyPrefix}{${destinations[5]}}`)).toBe(1);
    });

    it('two relays on different root nodes see one order', async () => {
      const keyPrefix = uniquePrefix();
      const one = await open([cluster.urls[0]!], keyPrefix);
      const two = await open([cluster.urls[2]!], keyPrefix);
      const seen: [BrokerMessage[], BrokerMessage[]] = [[], []];
      for (const d of ['/topic/a', '/topic/b']) {
        await one.subscribe(d, (m) => seen[0].push(m));
        await two.subscribe(d, (m) => seen[1].push(m));
      }
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? one : two).publish(input(i % 3 ? '/topic/a' : '/topic/b', `m${i}`)),
        ),
      );
      await eventually(() => seen[0].length >= 40 && seen[1].length >= 40);
      const order = (list: BrokerMessage[], d: string): string[] =>
        list.filter((m) => m.destination === d).map((m) => `${m.id}:${decode(m)}`);
      for (const d of ['/topic/a', '/topic/b']) {
        expect(order(seen[1], d)).toEqual(order(seen[0], d));
        const offsets = seen[0].filter((m) => m.destination === d).map((m) => m.offset);
        expect(offsets).toEqual(offsets.map((_, i) => i + 1));
      }
    });

    it('subscribes each destination once per relay on its shard, and releases it', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open(cluster.urls, keyPrefix);
      const d = '/topic/sharded';
      const channel = `${keyPrefix}{${d}}`;
      const l1 = (): void => {};
      const l2 = (): void => {};
      await broker.subscribe(d, l1);
      await broker.subscribe(d, l2);
      expect(await shardNumSub(channel)).toBe(1);
      await broker.unsubscribe(d, l1);
      expect(await shardNumSub(channel)).toBe(1);
      await broker.unsubscribe(d, l2);
      expect(await shardNumSub(channel)).toBe(0);
    });

    it('gets its sharded subscriptions back after a master restarts', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open(cluster.urls, keyPrefix);
      let reconnected = 0;
      broker.onReconnect(() => reconnected++);
      const destinations = Array.from({ length: 12 }, (_, i) => `/topic/failover.${i}`);
      const owners = await Promise.all(destinations.map((d) => ownerOf(`${keyPrefix}{${d}}`)));
      const victim = cluster.ports.indexOf(owners[0]!);
      const got: BrokerMessage[] = [];
      for (const d of destinations) await broker.subscribe(d, (m) => got.push(m));
      for (const d of destinations) await broker.publish(input(d, 'before'));
      await eventually(() => got.length >= destinations.length);

      await cluster.restartNode(victim);
      await eventually(() => reconnected > 0 && broker.ready(), 10_000);
      expect(reconnected).toBeGreaterThan(0);
      expect(broker.ready()).toBe(true);

      got.length = 0;
      const after = await Promise.all(destinations.map((d) => broker.publish(input(d, 'after'))));
      await eventually(() => got.length >= destinations.length);
      expect(got.map((m) => m.destination).sort()).toEqual([...destinations].sort());
      // The restarted master lost its data: its destinations start a new epoch at offset 1.
      const lost = destinations.filter((_, i) => owners[i] === cluster.ports[victim]);
      expect(lost.length).toBeGreaterThan(0);
      for (const [i, d] of destinations.entries()) {
        expect(after[i]!.offset).toBe(lost.includes(d) ? 1 : 2);
      }
    });
  });
});
