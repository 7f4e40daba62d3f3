import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../testing/redis.js';
import type { RedisServer } from '../testing/redis.js';
import { redisAvailable } from '../testing/redis.js';
import type { BrokerMessage, PublishInput, Retention } from './broker.js';
import { brokerConformance } from './broker.conformance.js';
import type { DedupOptions } from './dedup.js';
import {
  BrokerUnavailableError,
  decodePayload,
  encodeContent,
  RedisBroker,
} from './redis-broker.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (m: BrokerMessage): string => new TextDecoder().decode(m.body);
const input = (destination: string, body: string): PublishInput => ({
  destination,
  body: text(body),
  headers: [['content-type', 'text/plain']],
  sender: 'alice',
  senderName: 'Alice',
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const uniquePrefix = (): string => `test:${randomBytes(6).toString('hex')}:`;

/** Polls `check` every 10 ms for at most `ms`; the caller asserts afterwards. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await check())) await sleep(10);
}

describe('redis wire format', () => {
  it('round-trips headers, names and arbitrary bytes', () => {
    const body = new Uint8Array([0, 10, 13, 0xff, 0xfe, 0xc3, 0x28, 10, 0]);
    const message: PublishInput = {
      destination: '/topic/x',
      body,
      headers: [
        ['a\nb', 'line\nbreak, comma'],
        ['emoji', '😀 \ud800 한국어'],
      ],
      sender: 'u,1\n',
      binary: true,
    };
    const content = encodeContent(message);
    const payload = Buffer.concat([Buffer.from('7,abc,1700000000000\n'), content]);
    const got = decodePayload('/topic/x', payload);
    expect(Array.from(got.body)).toEqual(Array.from(body));
    expect(got.headers).toEqual(message.headers);
    expect(got.sender).toBe('u,1\n');
    expect(got.senderName).toBeUndefined();
    expect(got.binary).toBe(true);
    expect(got).toMatchObject({ offset: 7, epoch: 'abc', id: 'abc-7', timestamp: 1700000000000 });
    expect(got.ephemeral).toBeUndefined();
  });
});

describe.runIf(redisAvailable())('RedisBroker', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  brokerConformance('redis', (retention?: Retention, dedup?: DedupOptions) =>
    RedisBroker.connect({
      url: redis.url,
      keyPrefix: uniquePrefix(),
      ...(retention && { retention }),
      ...(dedup && { dedup }),
    }),
  );

  describe('on one Redis', () => {
    const opened: RedisBroker[] = [];
    const open = async (options: {
      keyPrefix: string;
      retention?: Retention;
    }): Promise<RedisBroker> => {
      const broker = await RedisBroker.connect({ url: redis.url, ...options });
      opened.push(broker);
      return broker;
    };
    let admin: ReturnType<typeof createClient>;
    beforeAll(async () => {
      admin = createClient({ url: redis.url });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.close();
    });
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
    });

    it('two relays see the same messages in the same order with the same offsets', async () => {
      const keyPrefix = uniquePrefix();
      const [one, two] = [await open({ keyPrefix }), await open({ keyPrefix })];
      const seen: [BrokerMessage[], BrokerMessage[]] = [[], []];
      await one.subscribe('/topic/shared', (m) => seen[0].push(m));
      await two.subscribe('/topic/shared', (m) => seen[1].push(m));
      const published = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? one : two).publish(input('/topic/shared', `m${i}`)),
        ),
      );
      await eventually(() => seen[0].length >= 50 && seen[1].length >= 50);
      expect(seen[0].map((m) => m.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(seen[1].map((m) => [m.id, m.offset, decode(m)])).toEqual(
        seen[0].map((m) => [m.id, m.offset, decode(m)]),
      );
      const byOffset = new Map(published.map((m) => [m.offset, m]));
      for (const m of seen[0]) {
        expect(byOffset.get(m.offset)).toMatchObject({
          id: m.id,
          epoch: m.epoch,
          timestamp: m.timestamp,
        });
      }
      const page = await two.history('/topic/shared', { limit: 100 });
      expect(page.messages.map((m) => m.id)).toEqual(seen[0].map((m) => m.id));
    });

    it('de-duplicates a client id across relays, in a key of the destination that expires', async () => {
      const keyPrefix = uniquePrefix();
      const [one, two] = [await open({ keyPrefix }), await open({ keyPrefix })];
      const seen: BrokerMessage[] = [];
      await two.subscribe('/topic/idem', (m) => seen.push(m));
      const once = { ...input('/topic/idem', 'hi'), clientId: 'c-9' };
      const first = await one.publish(once);
      const again = await two.publish(once);
      expect(again).toMatchObject({ duplicate: true, id: first.id, offset: first.offset });
      await eventually(() => seen.length >= 1);
      await sleep(50);
      expect(seen).toHaveLength(1);
      const keys = await admin.keys(`${keyPrefix}*:cid:*`);
      expect(keys).toEqual([`${keyPrefix}{/topic/idem}:cid:5:alice:c-9`]);
      const ttl = await admin.pTTL(keys[0]!);
      expect(ttl).toBeGreaterThan(4 * 60_000);
      expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    });

    it('subscribes a channel once per relay, however many listeners, and releases it', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open({ keyPrefix });
      const channel = `${keyPrefix}{/topic/rc}`;
      const numsub = async (): Promise<number> =>
        (await admin.pubSubNumSub(channel))[channel] ?? -1;
      const l1 = (): void => {};
      const l2 = (): void => {};
      await broker.subscribe('/topic/rc', l1);
      await broker.subscribe('/topic/rc', l2);
      await broker.subscribe('/topic/rc', l2);
      expect(await numsub()).toBe(1);
      expect(await admin.pubSubChannels(`${keyPrefix}*`)).toEqual([channel]);
      await broker.unsubscribe('/topic/rc', l1);
      expect(await numsub()).toBe(1);
      await broker.unsubscribe('/topic/rc', l2);
      await broker.unsubscribe('/topic/rc', l2);
      expect(await numsub()).toBe(0);
      expect(await admin.pubSubChannels(`${keyPrefix}*`)).toEqual([]);
    });

    it('stays consistent under concurrent subscribe and unsubscribe', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open({ keyPrefix });
      const listeners = Array.from(
        { length: 8 },
        () =>
          (m: BrokerMessage): void =>
            void got.push(m),
      );
      const got: BrokerMessage[] = [];
      const destinations = ['/topic/r1', '/topic/r2', '/topic/r3'];
      const ops: Promise<void>[] = [];
      let seed = 7;
      const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      for (let i = 0; i < 300; i++) {
        const d = destinations[rand(3)]!;
        const l = listeners[rand(8)]!;
        ops.push(rand(2) ? broker.subscribe(d, l) : broker.unsubscribe(d, l));
      }
      await Promise.all(ops);
      // Whatever the interleaving, end with a known state: r1 kept, r2 and r3 released.
      for (const l of listeners) {
        await broker.subscribe('/topic/r1', l);
        await broker.unsubscribe('/topic/r2', l);
      }
      await Promise.all(listeners.map((l) => broker.unsubscribe('/topic/r3', l)));
      const counts = await admin.pubSubNumSub(destinations.map((d) => `${keyPrefix}{${d}}`));
      expect(Object.values(counts)).toEqual([1, 0, 0]);
      await broker.publish(input('/topic/r1', 'x'));
      await broker.publish(input('/topic/r2', 'y'));
      await eventually(() => got.length >= 8);
      await sleep(50);
      expect(got.map(decode)).toEqual(Array.from({ length: 8 }, () => 'x'));
    });

    it('keeps history exactly to the retained count and pages back from the newest', async () => {
      const broker = await open({
        keyPrefix: uniquePrefix(),
        retention: { maxCount: 5, maxAgeMs: 60_000 },
      });
      for (let i = 1; i <= 12; i++) await broker.publish(input('/topic/p', `m${i}`));
      const page = await broker.history('/topic/p', { limit: 100 });
      expect(page.messages.map(decode)).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
      expect([page.first, page.last]).toEqual([8, 12]);
      const back = await broker.history('/topic/p', { before: 11, limit: 2 });
      expect(back.messages.map((m) => m.offset)).toEqual([9, 10]);
      const recover = await broker.history('/topic/p', { after: 3, limit: 2 });
      expect(recover.messages.map((m) => m.offset)).toEqual([8, 9]);
      const none = await broker.history('/topic/p', { after: 12, limit: 10 });
      expect(none).toMatchObject({ messages: [], first: 8, last: 12 });
      const bothEnds = await broker.history('/topic/p', { after: 8, before: 12, limit: 2 });
      expect(bothEnds.messages.map((m) => m.offset)).toEqual([9, 10]);
    });

    it('ages history out on read, and starts a new epoch once an idle destination expired', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open({ keyPrefix, retention: { maxCount: 100, maxAgeMs: 1000 } });
      const first = await broker.publish(input('/topic/idle', 'a'));
      await broker.publish(input('/topic/idle', 'b'));
      expect((await broker.history('/topic/idle', { limit: 10 })).messages).toHaveLength(2);
      await sleep(1300);
      const aged = await broker.history('/topic/idle', { limit: 10 });
      // The keys themselves expired with the last message: the destination starts over.
      expect(aged).toEqual({ messages: [], epoch: '', first: 0, last: 0 });
      expect(
        await admin.exists([`${keyPrefix}{/topic/idle}:log`, `${keyPrefix}{/topic/idle}:meta`]),
      ).toBe(0);
      const again = await broker.publish(input('/topic/idle', 'c'));
      expect(again.offset).toBe(1);
      expect(again.epoch).not.toBe(first.epoch);
    });

    it('finds the first unexpired entry among many expired ones, on read and on publish', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open({ keyPrefix, retention: { maxCount: 1000, maxAgeMs: 60_000 } });
      const seed = await broker.publish(input('/topic/old', 'seed'));
      // Rewrite the stream as if 30 messages were two minutes old and 20 were fresh.
      const log = `${keyPrefix}{/topic/old}:log`;
      const meta = `${keyPrefix}{/topic/old}:meta`;
      const now = Date.now();
      await admin.del(log);
      for (let o = 1; o <= 50; o++) {
        const content = encodeContent(input('/topic/old', `m${o}`));
        await admin.xAdd(log, `${o}-0`, { t: String(o <= 30 ? now - 120_000 : now), c: content });
      }
      await admin.hSet(meta, 'last', '50');
      const page = await broker.history('/topic/old', { limit: 100 });
      expect(page.messages.map(decode)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 31}`));
      expect(page).toMatchObject({ epoch: seed.epoch, first: 31, last: 50 });
      const recover = await broker.history('/topic/old', { after: 5, limit: 3 });
      expect(recover.messages.map((m) => m.offset)).toEqual([31, 32, 33]);
      expect(await admin.xLen(log)).toBe(50);
      await broker.publish(input('/topic/old', 'm51'));
      expect(await admin.xLen(log)).toBe(21);
      const oldest = await admin.xRange(log, '-', '+', { COUNT: 1 });
      expect(oldest?.map((e) => e.id)).toEqual(['31-0']);
    });

    it('keeps odd destinations, big binary bodies and ephemeral ids apart', async () => {
      const keyPrefix = uniquePrefix();
      const broker = await open({ keyPrefix });
      const odd = ['/topic/{a}', '/topic/%7Ba%7D', '/topic/}x{', '/topic/한국'];
      const got: BrokerMessage[] = [];
      for (const d of odd) await broker.subscribe(d, (m) => got.push(m));
      const big = randomBytes(1 << 20);
      for (const d of odd) await broker.publish({ ...input(d, ''), body: big, binary: true });
      await eventually(() => got.length >= odd.length);
      expect(got.map((m) => [m.destination, m.offset])).toEqual(odd.map((d) => [d, 1]));
      expect(got.every((m) => Buffer.from(m.body).equals(big))).toBe(true);
      const page = await broker.history('/topic/}x{', { limit: 1 });
      expect(Buffer.from(page.messages[0]!.body).equals(big)).toBe(true);

      const typing = await Promise.all(
        [0, 1, 2].map(() => broker.publish({ ...input('/topic/{a}', 'typing'), ephemeral: true })),
      );
      expect(typing.map((m) => m.offset)).toEqual([0, 0, 0]);
      expect(typing.every((m) => m.epoch === got[0]!.epoch)).toBe(true);
      expect(new Set([...typing, ...got].map((m) => m.id)).size).toBe(typing.length + got.length);
      await eventually(() => got.length >= odd.length + 3);
      expect(got.slice(odd.length).map((m) => [m.id, m.ephemeral])).toEqual(
        typing.map((m) => [m.id, true]),
      );
      const fresh = await broker.publish({
        ...input('/topic/never-stored', 'typing'),
        ephemeral: true,
      });
      expect(fresh.epoch).toBe('');
    });

    it('rejects a keyPrefix with braces', async () => {
      await expect(RedisBroker.connect({ url: redis.url, keyPrefix: 'a{b}:' })).rejects.toThrow(
        /keyPrefix/,
      );
    });

    it('releases both connections on close', async () => {
      const name = async (): Promise<number> =>
        (await admin.clientList()).filter((c) => c.name?.startsWith('parley-relay')).length;
      const before = await name();
      const broker = await RedisBroker.connect({ url: redis.url, keyPrefix: uniquePrefix() });
      await broker.subscribe('/topic/c', () => {});
      expect(await name()).toBe(before + 2);
      await broker.close();
      await eventually(async () => (await name()) === before);
      expect(await name()).toBe(before);
      expect(broker.ready()).toBe(false);
      await expect(broker.history('/topic/c', { limit: 1 })).rejects.toThrow(/closed/);
      await expect(broker.subscribe('/topic/c', () => {})).rejects.toThrow(/closed/);
    });
  });

  describe('when Redis goes away', () => {
    let server: RedisServer;
    let broker: RedisBroker;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });
    afterEach(async () => {
      await broker?.close();
    });

    it('reports not ready, refuses publishes at once, and recovers with subscriptions after a restart', async () => {
      // A command timeout longer than the test's: the refusal below cannot come from the timeout.
      broker = await RedisBroker.connect({
        url: server.url,
        keyPrefix: uniquePrefix(),
        commandTimeoutMs: 60_000,
      });
      const reconnects: boolean[] = [];
      broker.onReconnect(() => reconnects.push(broker.ready()));
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/outage', (m) => got.push(m));
      const before = await broker.publish(input('/topic/outage', 'before'));
      await eventually(() => got.length >= 1);

      await server.kill();
      await eventually(() => !broker.ready());
      expect(broker.ready()).toBe(false);
      const refused = await broker.publish(input('/topic/outage', 'lost')).then(
        () => 'published',
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(BrokerUnavailableError);
      // A new destination cannot be subscribed while Redis is down; a known one can take listeners.
      await expect(broker.subscribe('/topic/other', () => {})).rejects.toBeInstanceOf(
        BrokerUnavailableError,
      );
      await broker.subscribe('/topic/outage', () => {});

      await server.restart();
      await eventually(() => reconnects.length > 0, 10_000);
      expect(reconnects).toEqual([true]);
      expect(broker.ready()).toBe(true);

      const after = await broker.publish(input('/topic/outage', 'after'));
      await eventually(() => got.length >= 2);
      expect(got.map(decode)).toEqual(['before', 'after']);
      // Nothing was persisted: history was lost, so the destination is in a new epoch.
      expect(after.offset).toBe(1);
      expect(after.epoch).not.toBe(before.epoch);
      const page = await broker.history('/topic/outage', { limit: 10 });
      expect(page).toMatchObject({ epoch: after.epoch, first: 1, last: 1 });
    });

    it('comes back from a restart under a subscription: not ready, then ready and delivering', async () => {
      broker = await RedisBroker.connect({ url: server.url, keyPrefix: uniquePrefix() });
      let reconnected = 0;
      broker.onReconnect(() => reconnected++);
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/r', (m) => got.push(m));
      await server.restart();
      await eventually(() => reconnected > 0, 10_000);
      expect(reconnected).toBe(1);
      expect(broker.ready()).toBe(true);
      await broker.publish(input('/topic/r', 'hi'));
      await eventually(() => got.length > 0);
      expect(got.map(decode)).toEqual(['hi']);
    });

    it('resubscribes when only the subscriber connection is killed', async () => {
      broker = await RedisBroker.connect({ url: server.url, keyPrefix: uniquePrefix() });
      let reconnected = 0;
      broker.onReconnect(() => reconnected++);
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/k', (m) => got.push(m));
      const admin = createClient({ url: server.url });
      await admin.connect();
      try {
        await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
        await eventually(() => reconnected > 0, 10_000);
        expect(reconnected).toBe(1);
        await broker.publish(input('/topic/k', 'again'));
        await eventually(() => got.length > 0);
        expect(got.map(decode)).toEqual(['again']);
      } finally {
        await admin.close();
      }
    });

    it('gives up on a frozen Redis after the command timeout', async () => {
      broker = await RedisBroker.connect({
        url: server.url,
        keyPrefix: uniquePrefix(),
        commandTimeoutMs: 300,
      });
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/frozen', (m) => got.push(m));
      server.pause();
      try {
        const err = await broker.publish(input('/topic/frozen', 'stalled')).then(
          () => 'published',
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(BrokerUnavailableError);
        expect(String(err)).toMatch(/did not answer/);
      } finally {
        server.resume();
      }
      // The frozen server still ran the script once thawed: a timeout is not a guarantee that
      // nothing was published.
      await broker.publish(input('/topic/frozen', 'after'));
      await eventually(() => got.length >= 2);
      expect(got.map(decode)).toEqual(['stalled', 'after']);
    });

    it('closes promptly while Redis is down', async () => {
      broker = await RedisBroker.connect({ url: server.url, keyPrefix: uniquePrefix() });
      await broker.subscribe('/topic/gone', () => {});
      await server.kill();
      try {
        await eventually(() => !broker.ready());
        await broker.close();
        expect(broker.ready()).toBe(false);
      } finally {
        await server.restart();
      }
    });

    it('fails to connect within the connect timeout when nobody listens', async () => {
      await server.kill();
      try {
        const err = await RedisBroker.connect({ url: server.url, connectTimeoutMs: 500 }).then(
          () => 'connected',
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(BrokerUnavailableError);
      } finally {
        await server.restart();
      }
    });
  });
});
