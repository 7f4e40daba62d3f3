import { randomBytes } from 'node:crypto';
import { createClient, createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startRedis, startRedisCluster } from '../testing/redis.js';
import type { RedisClusterServer, RedisServer } from '../testing/redis.js';
import type { BrokerMessage, PublishInput, QueueFeed } from './broker.js';
import type { RedisBrokerOptions } from './redis-broker.js';
import { RedisBroker } from './redis-broker.js';
import { QUEUE_GROUP, RELEASED_CONSUMER } from './redis-queue.js';
import type { RedisQueueFeed } from './redis-queue.js';

const QUEUE = '/queue/jobs';
const input = (body: string, destination = QUEUE): PublishInput => ({
  destination,
  body: new TextEncoder().encode(body),
  headers: [['content-type', 'text/plain']],
  sender: 'alice',
});
const decode = (m: BrokerMessage): string => new TextDecoder().decode(m.body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const uniquePrefix = (): string => `test:${randomBytes(6).toString('hex')}:`;
const logKey = (prefix: string, destination = QUEUE): string => `${prefix}{${destination}}:log`;

/** Polls `check` every 10 ms for at most `ms`; the caller asserts afterwards. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await check())) await sleep(10);
}

/** A relay's view of a feed: what it received, in order. */
interface Consumer {
  feed: QueueFeed;
  got: BrokerMessage[];
}

/** Opens a feed that records deliveries; with `window`, acks at once and keeps that credit. */
async function consume(
  broker: RedisBroker,
  options: { window?: number; destination?: string } = {},
): Promise<Consumer> {
  const got: BrokerMessage[] = [];
  const ref: { feed?: QueueFeed } = {};
  const feed = await broker.consumeQueue(options.destination ?? QUEUE, (m) => {
    got.push(m);
    if (options.window !== undefined) {
      ref.feed?.ack(m);
      ref.feed?.setCredit(options.window);
    }
  });
  ref.feed = feed;
  if (options.window !== undefined) feed.setCredit(options.window);
  return { feed, got };
}

describe.runIf(redisAvailable())('RedisBroker queues (competing consumers across relays)', () => {
  let redis: RedisServer;
  let admin: ReturnType<typeof createClient>;
  const opened: RedisBroker[] = [];
  const open = async (
    keyPrefix: string,
    options: Partial<RedisBrokerOptions> = {},
  ): Promise<RedisBroker> => {
    const broker = await RedisBroker.connect({
      url: redis.url,
      keyPrefix,
      queuePollMs: 100,
      ...options,
    });
    opened.push(broker);
    return broker;
  };
  const pending = async (key: string): Promise<number> => {
    const reply = (await admin.sendCommand(['XPENDING', key, QUEUE_GROUP])) as unknown[];
    return Number(reply[0]);
  };

  beforeAll(async () => {
    redis = await startRedis();
    admin = createClient({ url: redis.url });
    admin.on('error', () => undefined); // the outage test restarts Redis
    await admin.connect();
  });
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });
  afterAll(async () => {
    await admin?.close();
    await redis?.stop();
  });

  it('gives each message to exactly one of two relays', async () => {
    const prefix = uniquePrefix();
    const [a, b, publisher] = await Promise.all([open(prefix), open(prefix), open(prefix)]);
    const ca = await consume(a, { window: 5 });
    const cb = await consume(b, { window: 5 });
    for (let i = 0; i < 100; i++) await publisher.publish(input(`m${i}`));
    await eventually(() => ca.got.length + cb.got.length >= 100);
    await sleep(200); // room for a duplicate to show up
    const all = [...ca.got, ...cb.got].map(decode);
    expect(all).toHaveLength(100);
    expect(new Set(all).size).toBe(100);
    expect(ca.got.length).toBeGreaterThan(0);
    expect(cb.got.length).toBeGreaterThan(0);
    await eventually(async () => (await pending(logKey(prefix))) === 0);
    expect(await pending(logKey(prefix))).toBe(0);
  });

  it('delivers what was published before any consumer existed, stamped as in history', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix);
    const sent: BrokerMessage[] = [];
    for (let i = 0; i < 5; i++) sent.push(await broker.publish(input(`early${i}`)));
    const c = await consume(broker, { window: 10 });
    await eventually(() => c.got.length >= 5);
    expect(c.got.map(decode)).toEqual(['early0', 'early1', 'early2', 'early3', 'early4']);
    const history = await broker.history(QUEUE, { limit: 10 });
    for (const [i, m] of c.got.entries()) {
      expect(m).toMatchObject({
        destination: QUEUE,
        id: sent[i]!.id,
        offset: sent[i]!.offset,
        epoch: sent[i]!.epoch,
        timestamp: sent[i]!.timestamp,
        sender: 'alice',
        headers: [['content-type', 'text/plain']],
      });
      expect(m).toEqual(history.messages[i]);
    }
  });

  it('delivers live messages through the pub/sub nudge, without waiting for a poll', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix, { queuePollMs: 60_000 });
    // A first message, so that the feed's first read (with its credit) has visibly happened
    // once it arrives: from then on only a nudge can bring more (the next poll is a minute away).
    await broker.publish(input('first'));
    const c = await consume(broker, { window: 10 });
    await eventually(() => c.got.length >= 1, 3000);
    expect(c.got.map(decode)).toEqual(['first']);
    await broker.publish(input('live'));
    await eventually(() => c.got.length >= 2, 3000);
    expect(c.got.map(decode)).toEqual(['first', 'live']);
  });

  it('fetches no more than the credit', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix);
    for (let i = 0; i < 10; i++) await broker.publish(input(`c${i}`));
    const c = await consume(broker);
    await sleep(300);
    expect(c.got).toHaveLength(0); // no credit yet
    c.feed.setCredit(3);
    await eventually(() => c.got.length >= 3);
    await sleep(300); // several polls and a nudge
    await broker.publish(input('c10'));
    await sleep(300);
    expect(c.got.map(decode)).toEqual(['c0', 'c1', 'c2']);
    for (const m of c.got) c.feed.ack(m);
    c.feed.setCredit(3);
    await eventually(() => c.got.length >= 6);
    await sleep(300);
    expect(c.got.map(decode)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('removes acknowledged messages from the pending entries list', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix);
    const c = await consume(broker);
    c.feed.setCredit(10);
    for (let i = 0; i < 4; i++) await broker.publish(input(`p${i}`));
    await eventually(() => c.got.length >= 4);
    expect(await pending(logKey(prefix))).toBe(4);
    for (const m of c.got) c.feed.ack(m);
    await eventually(async () => (await pending(logKey(prefix))) === 0);
    expect(await pending(logKey(prefix))).toBe(0);
    // Acked messages stay in the history.
    expect((await broker.history(QUEUE, { limit: 10 })).messages).toHaveLength(4);
  });

  it('keeps messages a live relay holds, however long it holds them', async () => {
    const prefix = uniquePrefix();
    const a = await open(prefix, { queueVisibilityMs: 300 });
    const b = await open(prefix, { queueVisibilityMs: 300 });
    const ca = await consume(a);
    ca.feed.setCredit(5);
    for (let i = 0; i < 5; i++) await a.publish(input(`h${i}`));
    await eventually(() => ca.got.length >= 5);
    const cb = await consume(b, { window: 10 });
    await sleep(1500); // five visibility timeouts
    expect(cb.got).toHaveLength(0);
    await a.publish(input('next'));
    await eventually(() => cb.got.length >= 1);
    expect(cb.got.map(decode)).toEqual(['next']);
    expect(ca.got).toHaveLength(5);
  });

  it('hands a dead relay’s unacknowledged messages to another after the visibility timeout', async () => {
    const prefix = uniquePrefix();
    const a = await open(prefix);
    const b = await open(prefix, { queueVisibilityMs: 300 });
    const ca = await consume(a);
    ca.feed.setCredit(5);
    for (let i = 0; i < 8; i++) await a.publish(input(`t${i}`));
    await eventually(() => ca.got.length >= 5);
    expect(ca.got.map(decode)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    // A dies: it stops without releasing anything.
    (ca.feed as RedisQueueFeed).abandon();
    await a.close();
    const cb = await consume(b, { window: 10 });
    await eventually(() => cb.got.length >= 8);
    expect(cb.got.map(decode).sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    await eventually(async () => (await pending(logKey(prefix))) === 0);
    expect(await pending(logKey(prefix))).toBe(0);
  });

  it('gives released messages to another relay at its next poll', async () => {
    const prefix = uniquePrefix();
    const a = await open(prefix);
    const b = await open(prefix); // default visibility (30 s): only the release can explain it
    const ca = await consume(a);
    ca.feed.setCredit(3);
    for (let i = 0; i < 3; i++) await a.publish(input(`r${i}`));
    await eventually(() => ca.got.length >= 3);
    const cb = await consume(b, { window: 10 });
    ca.feed.release(ca.got.slice(0, 2));
    await eventually(() => cb.got.length >= 2);
    expect(cb.got.map(decode).sort()).toEqual(['r0', 'r1']);
    // The one not released is still A's; closing the feed releases it too.
    await ca.feed.close();
    await eventually(() => cb.got.length >= 3);
    expect(cb.got.map(decode).sort()).toEqual(['r0', 'r1', 'r2']);
    // They went through the placeholder consumer.
    const consumers = await admin.sendCommand(['XINFO', 'CONSUMERS', logKey(prefix), QUEUE_GROUP]);
    expect(JSON.stringify(consumers)).toContain(RELEASED_CONSUMER);
  });

  it('skips messages trimmed from the history while pending', async () => {
    const prefix = uniquePrefix();
    const a = await open(prefix, { retention: { maxCount: 5, maxAgeMs: 60_000 } });
    const b = await open(prefix, {
      retention: { maxCount: 5, maxAgeMs: 60_000 },
      queueVisibilityMs: 300,
    });
    const ca = await consume(a);
    ca.feed.setCredit(2);
    await a.publish(input('old0'));
    await a.publish(input('old1'));
    await eventually(() => ca.got.length >= 2);
    (ca.feed as RedisQueueFeed).abandon();
    await a.close();
    // Push both pending entries out of the stream.
    await admin.sendCommand(['XTRIM', logKey(prefix), 'MINID', '3-0']);
    await b.publish(input('new'));
    const cb = await consume(b, { window: 10 });
    await eventually(() => cb.got.length >= 1);
    await sleep(500); // a takeover of the trimmed entries would show now
    expect(cb.got.map(decode)).toEqual(['new']);
    await eventually(async () => (await pending(logKey(prefix))) === 0);
    expect(await pending(logKey(prefix))).toBe(0);
  });

  it('starts over with the history when it expires (new epoch)', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix);
    const c = await consume(broker, { window: 10 });
    await broker.publish(input('one'));
    await eventually(() => c.got.length >= 1);
    await admin.del([logKey(prefix), `${prefix}{${QUEUE}}:meta`]);
    await broker.publish(input('two'));
    await eventually(() => c.got.length >= 2);
    expect(c.got.map(decode)).toEqual(['one', 'two']);
    expect(c.got[1]!.offset).toBe(1);
    expect(c.got[1]!.epoch).not.toBe(c.got[0]!.epoch);
  });

  it('keeps going through a frozen Redis: calls time out, then resume', async () => {
    const prefix = uniquePrefix();
    const failures: string[] = [];
    const broker = await open(prefix, {
      commandTimeoutMs: 300,
      log: (_level, msg) => {
        if (msg === 'queue feed call failed; will retry') failures.push(msg);
      },
    });
    const c = await consume(broker);
    c.feed.setCredit(1);
    await broker.publish(input('before'));
    await eventually(() => c.got.length >= 1);
    redis.pause();
    c.feed.ack(c.got[0]!); // fails (times out), retried later
    c.feed.setCredit(5);
    // Frozen until a feed call has timed out (rather than for a fixed time).
    try {
      await eventually(() => failures.length > 0, 5000);
      expect(failures.length, 'a queue feed call timed out').toBeGreaterThan(0);
    } finally {
      redis.resume();
    }
    await broker.publish(input('after'));
    await eventually(() => c.got.length >= 2);
    expect(c.got.map(decode)).toEqual(['before', 'after']);
    await eventually(async () => (await pending(logKey(prefix))) === 1);
    expect(await pending(logKey(prefix))).toBe(1); // 'before' acked, 'after' held
  });

  it('survives a Redis restart: fetching resumes once it is back', async () => {
    const prefix = uniquePrefix();
    const broker = await open(prefix);
    const c = await consume(broker, { window: 10 });
    await broker.publish(input('before'));
    await eventually(() => c.got.length >= 1);
    await redis.restart(); // no persistence: the stream and its group are gone
    await eventually(() => broker.ready(), 10_000);
    expect(broker.ready()).toBe(true);
    await broker.publish(input('after'));
    await eventually(() => c.got.length >= 2);
    expect(c.got.map(decode)).toEqual(['before', 'after']);
  });

  it('does not deliver after close, and releases what arrived meanwhile', async () => {
    const prefix = uniquePrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    for (let i = 0; i < 3; i++) await a.publish(input(`z${i}`));
    const ca = await consume(a);
    ca.feed.setCredit(3);
    const closing = ca.feed.close();
    await closing;
    const count = ca.got.length;
    const cb = await consume(b, { window: 10 });
    await eventually(() => cb.got.length + count >= 3);
    expect([...ca.got, ...cb.got].map(decode).sort()).toEqual(['z0', 'z1', 'z2']);
    await expect(a.consumeQueue('/queue/other', () => undefined)).resolves.toBeDefined();
    await a.close();
    await expect(a.consumeQueue('/queue/other', () => undefined)).rejects.toThrow(/closed/);
  });
});

describe.runIf(redisAvailable())('RedisBroker queues on a Redis Cluster', () => {
  let cluster: RedisClusterServer;
  const opened: RedisBroker[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('gives each message to exactly one of two relays, on several slots', async () => {
    const prefix = uniquePrefix();
    const open = async (): Promise<RedisBroker> => {
      const broker = await RedisBroker.connect({
        url: cluster.urls,
        cluster: true,
        keyPrefix: prefix,
        queuePollMs: 100,
      });
      opened.push(broker);
      return broker;
    };
    const [a, b] = await Promise.all([open(), open()]);
    const queues = ['/queue/a', '/queue/b', '/queue/c'];
    const feeds = await Promise.all(
      queues.flatMap((destination) => [
        consume(a, { window: 3, destination }),
        consume(b, { window: 3, destination }),
      ]),
    );
    for (let i = 0; i < 20; i++) {
      for (const destination of queues) await a.publish(input(`${destination}#${i}`, destination));
    }
    const total = (): number => feeds.reduce((n, c) => n + c.got.length, 0);
    await eventually(() => total() >= 60);
    await sleep(200);
    const all = feeds.flatMap((c) => c.got.map(decode));
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
    const admin = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    await admin.connect();
    try {
      for (const destination of queues) {
        const key = logKey(prefix, destination);
        const pending = async (): Promise<number> => {
          const reply = await admin.sendCommand(key, true, ['XPENDING', key, QUEUE_GROUP]);
          return Number((reply as unknown as unknown[])[0]);
        };
        await eventually(async () => (await pending()) === 0);
        expect(await pending()).toBe(0);
      }
    } finally {
      await admin.close();
    }
  });
});
