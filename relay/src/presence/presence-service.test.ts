import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryPresenceStore } from './memory-presence-store.js';
import { encodePresenceEvent, PresenceService } from './presence-service.js';
import type { PresenceEvent, PresenceServiceOptions } from './presence-service.js';
import type {
  Departure,
  LiveConnection,
  Member,
  PresenceStore,
  RoomEntry,
} from './presence-store.js';

const alice: Member = { userId: 'alice', name: 'Alice' };
const bob: Member = { userId: 'bob' };
const TTL = 30_000;

type Seen = PresenceEvent & { room: string };

/** A store whose calls can be made to fail, as while Redis is unreachable. */
class FlakyStore implements PresenceStore {
  readonly failing = new Set<keyof PresenceStore>();
  constructor(private readonly inner: PresenceStore) {}
  private gate<T>(name: keyof PresenceStore, call: () => Promise<T>): Promise<T> {
    return this.failing.has(name) ? Promise.reject(new Error(`${name} failed`)) : call();
  }
  join(room: string, conn: string, member: Member, ttlMs: number): Promise<boolean> {
    return this.gate('join', () => this.inner.join(room, conn, member, ttlMs));
  }
  leave(room: string, conn: string, userId: string): Promise<boolean> {
    return this.gate('leave', () => this.inner.leave(room, conn, userId));
  }
  members(room: string): Promise<Member[]> {
    return this.gate('members', () => this.inner.members(room));
  }
  connect(conn: string, userId: string, ttlMs: number): Promise<void> {
    return this.gate('connect', () => this.inner.connect(conn, userId, ttlMs));
  }
  disconnect(conn: string, userId: string): Promise<void> {
    return this.gate('disconnect', () => this.inner.disconnect(conn, userId));
  }
  refresh(connections: readonly LiveConnection[], ttlMs: number): Promise<RoomEntry[]> {
    return this.gate('refresh', () => this.inner.refresh(connections, ttlMs));
  }
  sweep(): Promise<Departure[]> {
    return this.gate('sweep', () => this.inner.sweep());
  }
  online(userIds: readonly string[]): Promise<Record<string, boolean>> {
    return this.gate('online', () => this.inner.online(userIds));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('PresenceService', () => {
  let store: MemoryPresenceStore;
  let events: Seen[];
  let errors: string[];
  const services: PresenceService[] = [];

  /** A relay: its own service (and store handle) publishing to the shared event log. */
  const relay = (
    relayId: string,
    options: Partial<PresenceServiceOptions> = {},
  ): PresenceService => {
    const service = new PresenceService({
      store: store.fork(),
      publish: (room, event) => void events.push({ room, ...event }),
      relayId,
      ttlMs: TTL,
      onError: (err, during) => errors.push(`${during}: ${String(err)}`),
      ...options,
    });
    services.push(service);
    return service;
  };
  const join = (room: string, m: Member): Seen => ({
    room,
    type: 'join',
    user: m.name === undefined ? { id: m.userId } : { id: m.userId, name: m.name },
  });
  const leave = (room: string, m: Member): Seen => ({ ...join(room, m), type: 'leave' });

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    store = new MemoryPresenceStore({ now: () => Date.now() });
    events = [];
    errors = [];
  });
  afterEach(() => {
    for (const s of services.splice(0)) s.abandon();
    vi.useRealTimers();
  });

  it('encodes events as the documented JSON', () => {
    expect(encodePresenceEvent({ type: 'join', user: { id: 'u1', name: 'Ann' } })).toBe(
      '{"type":"join","user":{"id":"u1","name":"Ann"}}',
    );
    expect(encodePresenceEvent({ type: 'leave', user: { id: 'u1' } })).toBe(
      '{"type":"leave","user":{"id":"u1"}}',
    );
  });

  it('publishes one join and one leave per user across tabs and relays', async () => {
    const a = relay('a');
    const b = relay('b');
    await a.track('r', 's1', alice);
    await a.track('r', 's2', alice);
    await b.track('r', 's1', alice);
    await a.track('r', 's1', alice);
    await b.track('r', 's2', bob);
    expect(events).toEqual([join('r', alice), join('r', bob)]);
    expect(await a.members('r')).toEqual(expect.arrayContaining([alice, bob]));
    await a.untrack('r', 's1');
    await a.disconnect('s2');
    expect(events).toHaveLength(2);
    await b.untrackAll('s1');
    await b.untrack('r', 's2');
    await b.untrack('r', 's2');
    expect(events).toEqual([join('r', alice), join('r', bob), leave('r', alice), leave('r', bob)]);
    expect(await b.members('r')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('publishes in the order the store decided, even without awaiting each call', async () => {
    const a = relay('a');
    await Promise.all([
      a.track('r', 's1', alice),
      a.untrack('r', 's1'),
      a.track('r', 's2', alice),
      a.disconnect('s2'),
      a.track('r', 's3', bob),
      a.untrackAll('s3'),
    ]);
    expect(events).toEqual([
      join('r', alice),
      leave('r', alice),
      join('r', alice),
      leave('r', alice),
      join('r', bob),
      leave('r', bob),
    ]);
  });

  it('keeps entries and online status alive while the relay runs', async () => {
    const a = relay('a');
    await a.connect('s0', bob);
    await a.track('r', 's1', alice);
    await vi.advanceTimersByTimeAsync(TTL * 5);
    expect(events).toEqual([join('r', alice)]);
    expect(await a.members('r')).toEqual([alice]);
    expect(await a.online(['alice', 'bob', 'carol'])).toEqual({
      alice: true,
      bob: true,
      carol: false,
    });
    await a.untrackAll('s1');
    expect(await a.online(['alice'])).toEqual({ alice: true });
    await a.disconnect('s1');
    await a.disconnect('s0');
    expect(await a.online(['alice', 'bob'])).toEqual({ alice: false, bob: false });
    expect(events).toEqual([join('r', alice), leave('r', alice)]);
  });

  it("publishes a dead relay's leaves from a surviving relay, once", async () => {
    const a = relay('a');
    const b = relay('b');
    const c = relay('c');
    await a.track('r', 's1', alice);
    await b.track('r', 's1', bob);
    await b.track('r2', 's1', bob);
    await b.track('r', 's2', alice);
    events.length = 0;
    b.abandon();
    await vi.advanceTimersByTimeAsync(TTL - 1);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(TTL);
    expect(events).toEqual(expect.arrayContaining([leave('r', bob), leave('r2', bob)]));
    expect(events).toHaveLength(2);
    expect(await c.members('r')).toEqual([alice]);
    expect(await c.online(['alice', 'bob'])).toEqual({ alice: true, bob: false });
    await vi.advanceTimersByTimeAsync(TTL * 3);
    expect(events).toHaveLength(2);
  });

  it('on close removes its own entries, publishing their leaves, and stops', async () => {
    const a = relay('a');
    const b = relay('b');
    await a.track('r1', 's1', alice);
    await a.track('r2', 's1', alice);
    await a.track('r1', 's2', bob);
    await b.track('r1', 's1', alice);
    events.length = 0;
    await a.close();
    expect(events).toEqual(expect.arrayContaining([leave('r2', alice), leave('r1', bob)]));
    expect(events).toHaveLength(2);
    expect(await b.members('r1')).toEqual([alice]);
    expect(await b.online(['alice', 'bob'])).toEqual({ alice: true, bob: false });
    await a.track('r3', 's3', bob);
    await a.connect('s4', bob);
    expect(await b.members('r3')).toEqual([]);
    expect(await b.online(['bob'])).toEqual({ bob: false });
    await a.close();
    await vi.advanceTimersByTimeAsync(TTL * 2);
    expect(events).toHaveLength(2);
  });

  it('joins again what the store missed, and lets a missed leave expire', async () => {
    const flaky = new FlakyStore(store.fork());
    const a = relay('a', { store: flaky });
    relay('b');
    flaky.failing.add('join').add('connect');
    await a.track('r', 's1', alice);
    expect(events).toEqual([]);
    expect(errors).toEqual(['connect: Error: connect failed', 'join: Error: join failed']);
    flaky.failing.clear();
    await vi.advanceTimersByTimeAsync(a.refreshMs);
    expect(events).toEqual([join('r', alice)]);
    expect(await a.online(['alice'])).toEqual({ alice: true });

    flaky.failing.add('leave');
    await a.untrack('r', 's1');
    expect(events).toEqual([join('r', alice)]);
    flaky.failing.clear();
    await vi.advanceTimersByTimeAsync(TTL + a.refreshMs);
    expect(events).toEqual([join('r', alice), leave('r', alice)]);
  });

  it('after an outage longer than the TTL, publishes leave then join again', async () => {
    const flaky = new FlakyStore(store.fork());
    const a = relay('a', { store: flaky });
    relay('b');
    await a.track('r', 's1', alice);
    flaky.failing.add('refresh').add('sweep');
    await vi.advanceTimersByTimeAsync(TTL + a.refreshMs);
    // The other relay swept the entry this relay could not refresh.
    expect(events).toEqual([join('r', alice), leave('r', alice)]);
    flaky.failing.clear();
    await vi.advanceTimersByTimeAsync(a.refreshMs);
    expect(events).toEqual([join('r', alice), leave('r', alice), join('r', alice)]);
    expect(await a.members('r')).toEqual([alice]);
  });

  it('survives a publish callback that throws or rejects', async () => {
    let calls = 0;
    const a = relay('a', {
      publish: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.reject(new Error('later boom'));
      },
    });
    await a.track('r', 's1', alice);
    await a.untrack('r', 's1');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    expect(errors).toEqual(['publish: Error: boom', 'publish: Error: later boom']);
  });

  it('refuses a refresh interval that is not shorter than the TTL', () => {
    expect(() => relay('x', { ttlMs: 1000, refreshMs: 1000 })).toThrow(RangeError);
    expect(relay('y', { ttlMs: 900 }).refreshMs).toBe(300);
  });

  it('propagates store failures from members() and online()', async () => {
    const flaky = new FlakyStore(store.fork());
    const a = relay('a', { store: flaky });
    flaky.failing.add('members').add('online');
    await expect(a.members('r')).rejects.toThrow('members failed');
    await expect(a.online(['alice'])).rejects.toThrow('online failed');
  });
});
