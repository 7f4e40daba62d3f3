import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Departure, Member, PresenceStore } from './presence-store.js';

/** A presence backend for one test: stores on shared data, and a way to let time pass. */
export interface PresenceBackend {
  /** Opens a store on the backend's data; each call stands for another relay. */
  open(): Promise<PresenceStore>;
  /**
   * Lets `ms` pass on the stores' clock (memory: advances a fake clock; Redis: waits until the
   * server's TIME, which the scripts expire by, has moved on that much).
   */
  elapse(ms: number): Promise<void>;
  /** The TTL the tests use (short for Redis, which really waits). */
  ttlMs: number;
  /** Closes every store it opened and forgets the data. */
  close(): Promise<void>;
}

/** Makes a fresh backend (its own keyspace) for one test. */
export type PresenceBackendFactory = () => Promise<PresenceBackend>;

const alice: Member = { userId: 'alice', name: 'Alice' };
const bob: Member = { userId: 'bob' };

const byUser = (a: { userId: string }, b: { userId: string }): number =>
  a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
const sorted = (members: Member[]): Member[] => [...members].sort(byUser);
const sortedDepartures = (list: Departure[]): Departure[] =>
  [...list].sort((a, b) =>
    a.room === b.room ? byUser(a.member, b.member) : a.room < b.room ? -1 : 1,
  );

/** The behaviour every {@link PresenceStore} must show. Call from each implementation's test file. */
export function presenceConformance(name: string, factory: PresenceBackendFactory): void {
  describe(`PresenceStore conformance: ${name}`, () => {
    let backend: PresenceBackend;
    let store: PresenceStore;
    let ttl: number;
    /** Past this, an entry that was not refreshed has expired. */
    let long: number;
    /** Less than the TTL; two of these exceed it. */
    let short: number;

    beforeEach(async () => {
      backend = await factory();
      store = await backend.open();
      ttl = backend.ttlMs;
      long = Math.ceil(ttl * 1.5);
      short = Math.ceil(ttl * 0.6);
    });
    afterEach(async () => {
      await backend.close();
    });

    it('reports a join for the first tab only and a leave for the last tab only', async () => {
      expect(await store.join('r', 'tab1', alice, ttl)).toBe(true);
      expect(await store.join('r', 'tab2', alice, ttl)).toBe(false);
      expect(await store.join('r', 'tab3', bob, ttl)).toBe(true);
      expect(await store.leave('r', 'tab1', 'alice')).toBe(false);
      expect(sorted(await store.members('r'))).toEqual([alice, bob]);
      expect(await store.leave('r', 'tab2', 'alice')).toBe(true);
      expect(await store.leave('r', 'tab2', 'alice')).toBe(false);
      expect(await store.members('r')).toEqual([bob]);
      expect(await store.join('r', 'tab4', alice, ttl)).toBe(true);
    });

    it('treats joining again with the same connection as no join, and unknown leaves as no leave', async () => {
      expect(await store.join('r', 'tab1', alice, ttl)).toBe(true);
      expect(await store.join('r', 'tab1', alice, ttl)).toBe(false);
      expect(await store.leave('r', 'tab1', 'alice')).toBe(true);
      expect(await store.leave('r', 'never', 'alice')).toBe(false);
      expect(await store.leave('nowhere', 'tab1', 'alice')).toBe(false);
      expect(await store.members('r')).toEqual([]);
    });

    it('lists distinct members with names, per room', async () => {
      await store.join('r1', 'a1', alice, ttl);
      await store.join('r1', 'a2', alice, ttl);
      await store.join('r1', 'b1', bob, ttl);
      await store.join('r2', 'b1', bob, ttl);
      expect(sorted(await store.members('r1'))).toEqual([alice, bob]);
      expect(await store.members('r2')).toEqual([bob]);
      expect(await store.members('empty')).toEqual([]);
      // The latest join that carries a name sets it.
      await store.join('r1', 'a3', { userId: 'alice', name: 'Alice B.' }, ttl);
      await store.join('r1', 'a4', { userId: 'alice' }, ttl);
      expect(sorted(await store.members('r1'))).toEqual([
        { userId: 'alice', name: 'Alice B.' },
        bob,
      ]);
    });

    it('keeps ids with separators, braces, NUL and non-ASCII text apart', async () => {
      const odd: Member = { userId: 'a\0b:{x}', name: '김철수' };
      const room = '/topic/room.{42}:conns';
      expect(await store.join(room, 'c:1', odd, ttl)).toBe(true);
      expect(await store.join(room, 'c:2', { userId: 'a' }, ttl)).toBe(true);
      expect(await store.join('/topic/room.{42}', 'c:1', odd, ttl)).toBe(true);
      expect(sorted(await store.members(room))).toEqual(sorted([odd, { userId: 'a' }]));
      expect(await store.leave(room, 'c:1', 'a\0b:{x}')).toBe(true);
      expect(await store.members(room)).toEqual([{ userId: 'a' }]);
      expect(await store.members('/topic/room.{42}')).toEqual([odd]);
      await expect(store.join(room, 'bad\0conn', odd, ttl)).rejects.toThrow();
    });

    it('expires entries that are not refreshed; concurrent sweeps report each leave once', async () => {
      const other = await backend.open();
      await store.join('r1', 'a1', alice, ttl);
      await store.join('r1', 'a2', alice, ttl);
      await store.join('r1', 'b1', bob, ttl);
      await store.join('r2', 'b1', bob, ttl);
      await backend.elapse(long);
      expect(await store.members('r1')).toEqual([]);
      const [one, two] = await Promise.all([store.sweep(), other.sweep()]);
      expect(sortedDepartures([...one, ...two])).toEqual([
        { room: 'r1', member: alice },
        { room: 'r1', member: bob },
        { room: 'r2', member: bob },
      ]);
      expect(await store.sweep()).toEqual([]);
      expect(await other.sweep()).toEqual([]);
      // A later join is a join again.
      expect(await store.join('r1', 'a3', alice, ttl)).toBe(true);
    });

    it('reports each of many departures exactly once across relays sweeping together', async () => {
      const relays = [store, await backend.open(), await backend.open()];
      const expected: Departure[] = [];
      for (let i = 0; i < 40; i++) {
        const member = { userId: `u${i}`, name: `User ${i}` };
        const room = `room.${i % 4}`;
        await relays[i % 3]!.join(room, `c${i}`, member, ttl);
        await relays[i % 3]!.join(room, `d${i}`, member, ttl);
        expected.push({ room, member });
      }
      await backend.elapse(long);
      const reports = await Promise.all([...relays, ...relays].map((r) => r.sweep()));
      expect(sortedDepartures(reports.flat())).toEqual(sortedDepartures(expected));
    });

    it('does not report a leave while another tab of the user is alive', async () => {
      await store.join('r', 'old', alice, ttl);
      await backend.elapse(short);
      await store.join('r', 'new', alice, ttl);
      await backend.elapse(short);
      // `old` has expired, `new` has not.
      expect(await store.sweep()).toEqual([]);
      expect(await store.members('r')).toEqual([alice]);
      expect(await store.leave('r', 'new', 'alice')).toBe(true);
      expect(await store.sweep()).toEqual([]);
    });

    it('lets a leave take an expired entry, without a second leave from the sweep', async () => {
      await store.join('r', 'a1', alice, ttl);
      await backend.elapse(long);
      expect(await store.leave('r', 'a1', 'alice')).toBe(true);
      expect(await store.sweep()).toEqual([]);
    });

    it('keeps refreshed entries alive, and returns the ones that are gone', async () => {
      await store.join('r1', 'a1', alice, ttl);
      await store.join('r2', 'a1', alice, ttl);
      await store.join('r1', 'b1', bob, ttl);
      await backend.elapse(short);
      const missing = await store.refresh(
        [
          { conn: 'a1', userId: 'alice', rooms: ['r1', 'r2'] },
          { conn: 'b1', userId: 'bob', rooms: [] },
        ],
        ttl,
      );
      expect(missing).toEqual([]);
      await backend.elapse(short);
      expect(await store.sweep()).toEqual([{ room: 'r1', member: bob }]);
      expect(await store.members('r1')).toEqual([alice]);
      expect(await store.members('r2')).toEqual([alice]);

      await backend.elapse(long);
      expect(sortedDepartures(await store.sweep())).toEqual([
        { room: 'r1', member: alice },
        { room: 'r2', member: alice },
      ]);
      const gone = await store.refresh([{ conn: 'a1', userId: 'alice', rooms: ['r1', 'r3'] }], ttl);
      expect(gone.sort((a, b) => (a.room < b.room ? -1 : 1))).toEqual([
        { room: 'r1', conn: 'a1', userId: 'alice' },
        { room: 'r3', conn: 'a1', userId: 'alice' },
      ]);
      // Refresh never re-creates a room entry.
      expect(await store.members('r1')).toEqual([]);
    });

    it('tracks online status across connections, rooms and stores', async () => {
      const other = await backend.open();
      expect(await store.online(['alice', 'bob'])).toEqual({ alice: false, bob: false });
      await store.connect('a1', 'alice', ttl);
      await other.connect('a2', 'alice', ttl);
      expect(await other.online(['alice', 'bob', 'alice'])).toEqual({ alice: true, bob: false });
      await store.disconnect('a1', 'alice');
      expect(await store.online(['alice'])).toEqual({ alice: true });
      await other.disconnect('a2', 'alice');
      expect(await store.online(['alice'])).toEqual({ alice: false });
      await store.disconnect('a2', 'alice');
      expect(await store.online([])).toEqual({});
    });

    it('lets online status expire unless refreshed', async () => {
      await store.connect('a1', 'alice', ttl);
      await store.connect('b1', 'bob', ttl);
      await backend.elapse(short);
      await store.refresh([{ conn: 'a1', userId: 'alice', rooms: [] }], ttl);
      await backend.elapse(short);
      expect(await store.online(['alice', 'bob'])).toEqual({ alice: true, bob: false });
      // Refresh registers a connection that had expired (its relay still holds it).
      await store.refresh([{ conn: 'b1', userId: 'bob', rooms: [] }], ttl);
      expect(await store.online(['bob'])).toEqual({ bob: true });
      await backend.elapse(long);
      expect(await store.online(['alice', 'bob'])).toEqual({ alice: false, bob: false });
    });

    it('shows the same room to every store on the backend', async () => {
      const other = await backend.open();
      expect(await store.join('r', 'a1', alice, ttl)).toBe(true);
      expect(await other.join('r', 'a2', alice, ttl)).toBe(false);
      expect(await other.join('r', 'b1', bob, ttl)).toBe(true);
      expect(sorted(await store.members('r'))).toEqual([alice, bob]);
      expect(sorted(await other.members('r'))).toEqual([alice, bob]);
      expect(await store.leave('r', 'a2', 'alice')).toBe(false);
      expect(await other.leave('r', 'a1', 'alice')).toBe(true);
      expect(await store.members('r')).toEqual([bob]);
      expect(await other.members('r')).toEqual([bob]);
    });

    it('rejects calls once closed', async () => {
      const other = await backend.open();
      await other.close();
      await expect(other.members('r')).rejects.toThrow();
      await expect(other.join('r', 'a1', alice, ttl)).rejects.toThrow();
      await expect(other.sweep()).rejects.toThrow();
      // Other stores on the backend go on working.
      expect(await store.join('r', 'a1', alice, ttl)).toBe(true);
    });
  });
}
