import { describe, expect, it } from 'vitest';
import type { PublishInput } from './broker.js';
import { DedupMemory, InFlight, dedupId } from './dedup.js';
import { MemoryBroker } from './memory-broker.js';

const input = (sender: string, clientId?: string): PublishInput => ({
  destination: '/topic/x',
  body: new Uint8Array(),
  headers: [],
  sender,
  ...(clientId !== undefined && { clientId }),
});
const stamp = (offset: number) => ({ id: `e-${offset}`, offset, epoch: 'e', timestamp: offset });

describe('dedupId', () => {
  it('keys by sender and client id, injectively, and skips ephemeral or id-less input', () => {
    expect(dedupId(input('a:b', 'c'))).not.toBe(dedupId(input('a', 'b:c')));
    expect(dedupId(input('a'))).toBeUndefined();
    expect(dedupId({ ...input('a', 'c'), ephemeral: true })).toBeUndefined();
  });
});

describe('DedupMemory', () => {
  it('forgets entries after the window', () => {
    let now = 1000;
    const mem = new DedupMemory({ windowMs: 100, maxEntries: 10 }, () => now);
    mem.remember('a', stamp(1));
    now = 1099;
    expect(mem.get('a')?.offset).toBe(1);
    now = 1100;
    expect(mem.get('a')).toBeUndefined();
    expect(mem.size).toBe(0);
  });

  it('keeps at most maxEntries, evicting the oldest first', () => {
    const mem = new DedupMemory({ windowMs: 60_000, maxEntries: 3 });
    for (let i = 1; i <= 5; i++) mem.remember(`k${i}`, stamp(i));
    expect(mem.size).toBe(3);
    expect(mem.get('k1')).toBeUndefined();
    expect(mem.get('k2')).toBeUndefined();
    expect(mem.get('k5')?.offset).toBe(5);
  });

  it('remembers nothing with a zero window', () => {
    const mem = new DedupMemory({ windowMs: 0, maxEntries: 3 });
    mem.remember('a', stamp(1));
    expect(mem.get('a')).toBeUndefined();
  });
});

describe('InFlight', () => {
  it('gives a repeat the outcome of the publication under way, marked duplicate', async () => {
    const flight = new InFlight();
    let release!: () => void;
    let runs = 0;
    const publish = () => {
      runs++;
      return new Promise<ReturnType<typeof stamp> & PublishInput>((resolve) => {
        release = () => resolve({ ...input('a', 'c'), ...stamp(7) });
      });
    };
    const first = flight.run(input('a', 'c'), 'k', publish);
    const second = flight.run(input('a', 'c'), 'k', publish);
    release();
    expect(await first).not.toHaveProperty('duplicate');
    expect(await second).toMatchObject({ offset: 7, duplicate: true });
    expect(runs).toBe(1);
    // Once settled, the next run publishes (the broker's own memory answers it).
    void flight.run(input('a', 'c'), 'k', publish);
    expect(runs).toBe(2);
  });
});

describe('MemoryBroker de-dup bounds', () => {
  it('evicts the oldest client ids past maxEntries', async () => {
    const broker = new MemoryBroker(undefined, undefined, { windowMs: 60_000, maxEntries: 2 });
    const first = await broker.publish(input('a', 'c1'));
    await broker.publish(input('a', 'c2'));
    await broker.publish(input('a', 'c3'));
    expect((await broker.publish(input('a', 'c3'))).duplicate).toBe(true);
    const again = await broker.publish(input('a', 'c1'));
    expect(again.duplicate).toBeUndefined();
    expect(again.offset).toBeGreaterThan(first.offset);
    await broker.close();
  });
});
