import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage, PublishInput, Retention } from './broker.js';
import type { DedupOptions } from './dedup.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const input = (destination: string, body: string): PublishInput => ({
  destination,
  body: text(body),
  headers: [['content-type', 'text/plain']],
  sender: 'alice',
  senderName: 'Alice',
});

/** Waits until `list` has `n` entries (brokers may deliver asynchronously). */
async function until(list: unknown[], n: number): Promise<void> {
  for (let i = 0; i < 200 && list.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Makes a fresh broker (with its own keyspace) keeping history as `retention` says and
 * remembering client ids as `dedup` says (default: the broker's own defaults).
 */
export type BrokerFactory = (retention?: Retention, dedup?: DedupOptions) => Promise<Broker>;

const text2 = (m: BrokerMessage): string => new TextDecoder().decode(m.body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The behaviour every {@link Broker} must show. Call from each implementation's test file. */
export function brokerConformance(name: string, factory: BrokerFactory): void {
  describe(`Broker conformance: ${name}`, () => {
    let broker: Broker;
    const extra: Broker[] = [];
    beforeEach(async () => {
      broker = await factory();
    });
    afterEach(async () => {
      for (const b of extra.splice(0)) await b.close();
    });
    afterEach(async () => {
      await broker.close();
    });

    it('delivers to listeners of the destination only, stamped', async () => {
      const a: BrokerMessage[] = [];
      const b: BrokerMessage[] = [];
      await broker.subscribe('/topic/a', (m) => a.push(m));
      await broker.subscribe('/topic/b', (m) => b.push(m));
      const stamped = await broker.publish(input('/topic/a', 'hello'));
      await until(a, 1);
      expect(a).toHaveLength(1);
      expect(b).toHaveLength(0);
      const got = a[0]!;
      expect(new TextDecoder().decode(got.body)).toBe('hello');
      expect(got.sender).toBe('alice');
      expect(got.senderName).toBe('Alice');
      expect(got.headers).toEqual([['content-type', 'text/plain']]);
      expect(got.id).toBe(stamped.id);
      expect(got.offset).toBe(stamped.offset);
      expect(got.epoch).toBe(stamped.epoch);
      expect(Math.abs(got.timestamp - Date.now())).toBeLessThan(60_000);
    });

    it('assigns gapless per-destination offsets in delivery order', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/o', (m) => got.push(m));
      const first = await broker.publish(input('/topic/o', '0'));
      await broker.publish(input('/topic/other', 'x'));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => broker.publish(input('/topic/o', `${i + 1}`))),
      );
      await until(got, 21);
      expect(got.map((m) => m.offset)).toEqual(
        Array.from({ length: 21 }, (_, i) => first.offset + i),
      );
      expect(new Set(got.map((m) => m.id)).size).toBe(21);
    });

    it('fans out to every listener and stops after unsubscribe', async () => {
      const one: BrokerMessage[] = [];
      const two: BrokerMessage[] = [];
      const l1 = (m: BrokerMessage): void => void one.push(m);
      const l2 = (m: BrokerMessage): void => void two.push(m);
      await broker.subscribe('/topic/f', l1);
      await broker.subscribe('/topic/f', l2);
      await broker.publish(input('/topic/f', '1'));
      await until(two, 1);
      await broker.unsubscribe('/topic/f', l1);
      await broker.unsubscribe('/topic/f', l1);
      await broker.publish(input('/topic/f', '2'));
      await until(two, 2);
      expect(one).toHaveLength(1);
      expect(two).toHaveLength(2);
    });

    it('keeps binary bodies byte for byte', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/bin', (m) => got.push(m));
      const body = new Uint8Array([0, 255, 10, 13, 0, 128]);
      await broker.publish({ ...input('/topic/bin', ''), body, binary: true });
      await until(got, 1);
      expect(Array.from(got[0]!.body)).toEqual(Array.from(body));
      expect(got[0]!.binary).toBe(true);
    });

    it('is ready until closed, then refuses to publish', async () => {
      expect(broker.ready()).toBe(true);
      await broker.close();
      expect(broker.ready()).toBe(false);
      await expect(broker.publish(input('/topic/x', 'late'))).rejects.toThrow();
      broker = await factory();
    });

    it('keeps history: after, before and limit, with first and last', async () => {
      for (let i = 1; i <= 5; i++) await broker.publish(input('/topic/h', `m${i}`));
      const all = await broker.history('/topic/h', { limit: 100 });
      expect(all.messages.map(text2)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(all.first).toBe(all.messages[0]!.offset);
      expect(all.last).toBe(all.messages[4]!.offset);
      expect(all.epoch).toBe(all.messages[0]!.epoch);
      const base = all.first - 1;
      const after = await broker.history('/topic/h', { after: base + 2, limit: 2 });
      expect(after.messages.map(text2)).toEqual(['m3', 'm4']);
      const before = await broker.history('/topic/h', { before: base + 5, limit: 2 });
      expect(before.messages.map(text2)).toEqual(['m3', 'm4']);
      const latest = await broker.history('/topic/h', { limit: 2 });
      expect(latest.messages.map(text2)).toEqual(['m4', 'm5']);
      const between = await broker.history('/topic/h', {
        after: base + 1,
        before: base + 4,
        limit: 10,
      });
      expect(between.messages.map(text2)).toEqual(['m2', 'm3']);
      const stored = all.messages[0]!;
      expect(stored.sender).toBe('alice');
      expect(stored.senderName).toBe('Alice');
      expect(stored.headers).toEqual([['content-type', 'text/plain']]);
      expect(stored.timestamp).toBeGreaterThan(0);
    });

    it('answers history of an unknown destination with an empty page', async () => {
      const page = await broker.history('/topic/never', { after: 3, limit: 10 });
      expect(page).toEqual({ messages: [], epoch: '', first: 0, last: 0 });
    });

    it('never stores ephemeral messages, delivers them live with offset 0', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/e', (m) => got.push(m));
      await broker.publish(input('/topic/e', 'stored'));
      const typing = await broker.publish({ ...input('/topic/e', 'typing'), ephemeral: true });
      await broker.publish(input('/topic/e', 'stored too'));
      await until(got, 3);
      expect(typing.offset).toBe(0);
      expect(got.map((m) => [text2(m), m.offset > 0])).toEqual([
        ['stored', true],
        ['typing', false],
        ['stored too', true],
      ]);
      expect(got[2]!.offset).toBe(got[0]!.offset + 1);
      const page = await broker.history('/topic/e', { limit: 10 });
      expect(page.messages.map(text2)).toEqual(['stored', 'stored too']);
    });

    it('stamps a given timestamp everywhere: reply, delivery, history and repeats', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/ts', (m) => got.push(m));
      const at = Date.now() - 1000; // a moment ago, as a DM mirror's original
      const given = { ...input('/topic/ts', 'mirror'), timestamp: at, clientId: 'm-1' };
      const first = await broker.publish(given);
      const repeat = await broker.publish(given);
      const own = await broker.publish(input('/topic/ts', 'own clock'));
      await until(got, 2);
      expect([first.timestamp, repeat.timestamp, got[0]!.timestamp]).toEqual([at, at, at]);
      expect(own.timestamp).toBeGreaterThan(at);
      expect(own.offset).toBe(first.offset + 1);
      const page = await broker.history('/topic/ts', { limit: 10 });
      expect(page.messages.map((m) => m.timestamp)).toEqual([at, own.timestamp]);
    });

    it('publishes a repeated client id once and answers the repeat with the first stamp', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/d', (m) => got.push(m));
      const once = { ...input('/topic/d', 'hello'), clientId: 'c-1' };
      const first = await broker.publish(once);
      expect(first.duplicate).toBeUndefined();
      const again = await broker.publish({ ...once, body: text('hello, resent') });
      expect(again).toMatchObject({
        duplicate: true,
        id: first.id,
        offset: first.offset,
        epoch: first.epoch,
        timestamp: first.timestamp,
      });
      // Same id from another sender, or to another destination, or with no id: new messages.
      const bob = await broker.publish({ ...once, sender: 'bob' });
      const elsewhere = await broker.publish({ ...once, destination: '/topic/d2' });
      const plain = await broker.publish(input('/topic/d', 'hello'));
      expect([bob.duplicate, elsewhere.duplicate, plain.duplicate]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(bob.offset).toBe(first.offset + 1);
      await until(got, 3);
      await sleep(50);
      expect(got.map(text2)).toEqual(['hello', 'hello', 'hello']);
      expect(got.map((m) => m.sender)).toEqual(['alice', 'bob', 'alice']);
      const page = await broker.history('/topic/d', { limit: 10 });
      expect(page.messages.map((m) => m.offset)).toEqual(
        [1, 2, 3].map((i) => first.offset + i - 1),
      );
    });

    it('answers repeats published at the same time with one stamp, storing one message', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/race', (m) => got.push(m));
      const once = { ...input('/topic/race', 'x'), clientId: 'same' };
      const all = await Promise.all(Array.from({ length: 5 }, () => broker.publish(once)));
      expect(new Set(all.map((m) => m.offset)).size).toBe(1);
      expect(all.filter((m) => m.duplicate !== true)).toHaveLength(1);
      await until(got, 1);
      await sleep(50);
      expect(got).toHaveLength(1);
      expect((await broker.history('/topic/race', { limit: 10 })).messages).toHaveLength(1);
    });

    it('does not de-duplicate ephemeral messages', async () => {
      const got: BrokerMessage[] = [];
      await broker.subscribe('/topic/typing', (m) => got.push(m));
      const typing = { ...input('/topic/typing', '…'), clientId: 't-1', ephemeral: true };
      await broker.publish(typing);
      const again = await broker.publish(typing);
      expect(again.duplicate).toBeUndefined();
      await until(got, 2);
      expect(got).toHaveLength(2);
    });

    it('forgets client ids after the de-dup window', async () => {
      const short = await factory(undefined, { windowMs: 200, maxEntries: 100 });
      extra.push(short);
      const once = { ...input('/topic/w', 'x'), clientId: 'w-1' };
      const first = await short.publish(once);
      expect((await short.publish(once)).duplicate).toBe(true);
      await sleep(400);
      const later = await short.publish(once);
      expect(later.duplicate).toBeUndefined();
      expect(later.offset).toBe(first.offset + 1);
    });

    it('trims history to the retained count and age, keeping offsets', async () => {
      const small = await factory({ maxCount: 3, maxAgeMs: 60_000 });
      extra.push(small);
      for (let i = 1; i <= 6; i++) await small.publish(input('/topic/t', `m${i}`));
      const page = await small.history('/topic/t', { limit: 100 });
      // Approximate trimming may keep a few more, never fewer, and always the newest.
      expect(page.messages.length).toBeGreaterThanOrEqual(3);
      expect(page.messages.map(text2).slice(-3)).toEqual(['m4', 'm5', 'm6']);
      expect(page.first).toBe(page.messages[0]!.offset);
      expect(page.last - page.first + 1).toBe(page.messages.length);

      const aging = await factory({ maxCount: 100, maxAgeMs: 200 });
      extra.push(aging);
      await aging.publish(input('/topic/a', 'old'));
      await sleep(400);
      await aging.publish(input('/topic/a', 'new'));
      const aged = await aging.history('/topic/a', { limit: 100 });
      expect(aged.messages.map(text2)).toEqual(['new']);
      expect(aged.last).toBe(aged.messages[0]!.offset);
    });
  });
}
