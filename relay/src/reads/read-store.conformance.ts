import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadPosition, ReadStore } from './read-store.js';

/** A read-store backend for one test: stores on shared data, and a way to let time pass. */
export interface ReadBackend {
  /** Opens a store on the backend's data; each call stands for another relay. */
  open(options?: { maxReaders?: number }): Promise<ReadStore>;
  /** Lets `ms` pass on the stores' clock (memory: a fake clock; Redis: sleeps). */
  elapse(ms: number): Promise<void>;
  /** The TTL the stores were made with (short for Redis, which really waits). */
  ttlMs: number;
  /** Closes every store it opened and forgets the data. */
  close(): Promise<void>;
}

/** Makes a fresh backend (its own keyspace) for one test. */
export type ReadBackendFactory = () => Promise<ReadBackend>;

const ROOM = '/topic/room.42';
let clock = 1_700_000_000_000;
const pos = (user: string, offset: number, epoch = 'e1', timestamp?: number): ReadPosition => ({
  user,
  epoch,
  offset,
  at: ++clock,
  ...(timestamp !== undefined && { timestamp }),
});

/** The behaviour every {@link ReadStore} must show. Call from each implementation's test file. */
export function readStoreConformance(name: string, factory: ReadBackendFactory): void {
  describe(`ReadStore conformance: ${name}`, () => {
    let backend: ReadBackend;
    let store: ReadStore;

    beforeEach(async () => {
      backend = await factory();
      store = await backend.open();
    });
    afterEach(async () => {
      await backend.close();
    });

    it('stores a first position and returns it', async () => {
      const alice = pos('alice', 3, 'e1', 1_700_000_000_123);
      expect(await store.mark(ROOM, alice)).toEqual({ position: alice, advanced: true });
      expect(await store.get(ROOM, 'alice')).toEqual(alice);
      expect(await store.get(ROOM, 'bob')).toBeUndefined();
      expect(await store.get('/topic/other', 'alice')).toBeUndefined();
    });

    it('only moves forward within an epoch', async () => {
      const five = pos('alice', 5);
      await store.mark(ROOM, five);
      expect(await store.mark(ROOM, pos('alice', 3))).toEqual({ position: five, advanced: false });
      expect(await store.mark(ROOM, pos('alice', 5))).toEqual({ position: five, advanced: false });
      const seven = pos('alice', 7);
      expect(await store.mark(ROOM, seven)).toEqual({ position: seven, advanced: true });
      expect(await store.get(ROOM, 'alice')).toEqual(seven);
    });

    it('replaces a position from another epoch, even with a smaller offset', async () => {
      await store.mark(ROOM, pos('alice', 90, 'old'));
      const fresh = pos('alice', 2, 'new');
      expect(await store.mark(ROOM, fresh)).toEqual({ position: fresh, advanced: true });
      expect(await store.get(ROOM, 'alice')).toEqual(fresh);
    });

    it('keeps the timestamp optional', async () => {
      const none = pos('alice', 0);
      await store.mark(ROOM, none);
      const got = await store.get(ROOM, 'alice');
      expect(got).toEqual(none);
      expect(got && 'timestamp' in got).toBe(false);
    });

    it('lists the most recently advanced first, up to the limit', async () => {
      await store.mark(ROOM, pos('alice', 1));
      await store.mark(ROOM, pos('bob', 4));
      await store.mark(ROOM, pos('carol', 2));
      await store.mark(ROOM, pos('alice', 6)); // alice advances again: newest
      await store.mark(ROOM, pos('bob', 3)); // no move: order unchanged
      const all = await store.list(ROOM, 10);
      expect(all.map((p) => `${p.user}:${p.offset}`)).toEqual(['alice:6', 'carol:2', 'bob:4']);
      expect((await store.list(ROOM, 2)).map((p) => p.user)).toEqual(['alice', 'carol']);
      expect(await store.list('/topic/empty', 10)).toEqual([]);
    });

    it('keeps destinations apart, whatever their names hold', async () => {
      const odd = '/topic/{room}.%7B';
      await store.mark(odd, pos('alice', 1));
      await store.mark('/topic/room.%7B', pos('alice', 2));
      await store.mark('/topic/{room}.{', pos('alice', 3));
      expect((await store.get(odd, 'alice'))?.offset).toBe(1);
      expect((await store.get('/topic/room.%7B', 'alice'))?.offset).toBe(2);
      expect((await store.get('/topic/{room}.{', 'alice'))?.offset).toBe(3);
    });

    it('forgets the least recently advanced past maxReaders', async () => {
      const small = await backend.open({ maxReaders: 3 });
      for (const user of ['u1', 'u2', 'u3']) await small.mark(ROOM, pos(user, 1));
      await small.mark(ROOM, pos('u1', 2)); // u1 is now the most recent
      await small.mark(ROOM, pos('u4', 1));
      expect((await small.list(ROOM, 10)).map((p) => p.user)).toEqual(['u4', 'u1', 'u3']);
      expect(await small.get(ROOM, 'u2')).toBeUndefined();
    });

    it("forgets a destination's positions a TTL after its last mark", async () => {
      const short = Math.ceil(backend.ttlMs * 0.6);
      await store.mark(ROOM, pos('alice', 1));
      await store.mark('/topic/quiet', pos('alice', 1));
      await backend.elapse(short);
      await store.mark(ROOM, pos('bob', 1)); // keeps every position of ROOM alive
      await store.mark(ROOM, pos('alice', 1)); // no move, still a sign of life
      await backend.elapse(short);
      expect(await store.get('/topic/quiet', 'alice')).toBeUndefined();
      expect((await store.list(ROOM, 10)).map((p) => p.user).sort()).toEqual(['alice', 'bob']);
      await backend.elapse(Math.ceil(backend.ttlMs * 1.5));
      expect(await store.list(ROOM, 10)).toEqual([]);
      expect(await store.get(ROOM, 'alice')).toBeUndefined();
    });

    it('shares positions between relays and keeps the largest of concurrent marks', async () => {
      const other = await backend.open();
      const marks = Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? store : other).mark(ROOM, pos('alice', (i * 7) % 20)),
      );
      const results = await Promise.all(marks);
      expect((await other.get(ROOM, 'alice'))?.offset).toBe(19);
      expect((await store.get(ROOM, 'alice'))?.offset).toBe(19);
      // Exactly the marks that raised the maximum so far (in the order applied) advanced it.
      expect(results.filter((r) => r.advanced).length).toBeGreaterThan(0);
      for (const r of results) expect(r.position.offset).toBeGreaterThanOrEqual(0);
    });

    it('rejects calls once closed', async () => {
      const other = await backend.open();
      await other.close();
      await expect(other.get(ROOM, 'alice')).rejects.toThrow();
    });
  });
}
