import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage, PublishInput } from './broker.js';

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

/** The behaviour every {@link Broker} must show. Call from each implementation's test file. */
export function brokerConformance(name: string, factory: () => Promise<Broker>): void {
  describe(`Broker conformance: ${name}`, () => {
    let broker: Broker;
    beforeEach(async () => {
      broker = await factory();
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
  });
}
