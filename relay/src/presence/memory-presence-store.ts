import { checkConn } from './presence-store.js';
import type {
  Departure,
  LiveConnection,
  Member,
  PresenceStore,
  RoomEntry,
} from './presence-store.js';

interface RoomState {
  /** `<userId>\0<conn>` → expiry (ms), like the Redis ZSET. */
  entries: Map<string, number>;
  /** userId → number of entries (expired ones included until swept) and latest name. */
  users: Map<string, { count: number; name?: string }>;
}

/** What several {@link MemoryPresenceStore} handles share (one per simulated relay). */
class MemoryPresenceData {
  readonly rooms = new Map<string, RoomState>();
  /** userId → conn → expiry (ms). */
  readonly online = new Map<string, Map<string, number>>();
}

const entryKey = (userId: string, conn: string): string => `${userId}\0${conn}`;
const userOf = (key: string): string => key.slice(0, key.lastIndexOf('\0'));

export interface MemoryPresenceStoreOptions {
  /** Clock in ms (default `Date.now`); inject one in tests. */
  now?: () => number;
}

/**
 * In-process presence for a single relay (the embedded default). Semantics match
 * `RedisPresenceStore` exactly, including expiry and sweeping, so the same service code and
 * the same conformance suite run on both.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly now: () => number;
  private closed = false;

  constructor(
    options: MemoryPresenceStoreOptions = {},
    private readonly data: MemoryPresenceData = new MemoryPresenceData(),
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Another handle on the same data, as a second relay would see it (for tests: two relays in
   * one process). Closing one handle leaves the others working.
   */
  fork(): MemoryPresenceStore {
    return new MemoryPresenceStore({ now: this.now }, this.data);
  }

  join(room: string, conn: string, member: Member, ttlMs: number): Promise<boolean> {
    return this.run(() => {
      checkConn(conn);
      let state = this.data.rooms.get(room);
      if (!state) this.data.rooms.set(room, (state = { entries: new Map(), users: new Map() }));
      const key = entryKey(member.userId, conn);
      const added = !state.entries.has(key);
      state.entries.set(key, this.now() + ttlMs);
      let user = state.users.get(member.userId);
      if (!user) state.users.set(member.userId, (user = { count: 0 }));
      if (added) user.count++;
      if (member.name !== undefined) user.name = member.name;
      return added && user.count === 1;
    });
  }

  leave(room: string, conn: string, userId: string): Promise<boolean> {
    return this.run(() => {
      const state = this.data.rooms.get(room);
      if (!state?.entries.delete(entryKey(userId, conn))) return false;
      const last = this.release(state, userId);
      if (state.entries.size === 0) this.data.rooms.delete(room);
      return last;
    });
  }

  members(room: string): Promise<Member[]> {
    return this.run(() => {
      const state = this.data.rooms.get(room);
      if (!state) return [];
      const now = this.now();
      const seen = new Set<string>();
      const members: Member[] = [];
      for (const [key, expiry] of state.entries) {
        if (expiry <= now) continue;
        const userId = userOf(key);
        if (seen.has(userId)) continue;
        seen.add(userId);
        const name = state.users.get(userId)?.name;
        members.push(name === undefined ? { userId } : { userId, name });
      }
      return members;
    });
  }

  connect(conn: string, userId: string, ttlMs: number): Promise<void> {
    return this.run(() => {
      checkConn(conn);
      this.touchOnline(userId, [conn], ttlMs);
    });
  }

  disconnect(conn: string, userId: string): Promise<void> {
    return this.run(() => {
      const conns = this.data.online.get(userId);
      if (conns?.delete(conn) && conns.size === 0) this.data.online.delete(userId);
    });
  }

  refresh(connections: readonly LiveConnection[], ttlMs: number): Promise<RoomEntry[]> {
    return this.run(() => {
      const expiry = this.now() + ttlMs;
      const missing: RoomEntry[] = [];
      for (const { conn, userId, rooms } of connections) {
        this.touchOnline(userId, [conn], ttlMs);
        for (const room of rooms) {
          const entries = this.data.rooms.get(room)?.entries;
          const key = entryKey(userId, conn);
          if (entries?.has(key)) entries.set(key, expiry);
          else missing.push({ room, conn, userId });
        }
      }
      return missing;
    });
  }

  sweep(): Promise<Departure[]> {
    return this.run(() => {
      const now = this.now();
      const departures: Departure[] = [];
      for (const [room, state] of this.data.rooms) {
        for (const [key, expiry] of state.entries) {
          if (expiry > now) continue;
          state.entries.delete(key);
          const userId = userOf(key);
          const name = state.users.get(userId)?.name;
          if (this.release(state, userId)) {
            departures.push({ room, member: name === undefined ? { userId } : { userId, name } });
          }
        }
        if (state.entries.size === 0) this.data.rooms.delete(room);
      }
      for (const [userId, conns] of this.data.online) {
        for (const [conn, expiry] of conns) if (expiry <= now) conns.delete(conn);
        if (conns.size === 0) this.data.online.delete(userId);
      }
      return departures;
    });
  }

  online(userIds: readonly string[]): Promise<Record<string, boolean>> {
    return this.run(() => {
      const now = this.now();
      const result: Record<string, boolean> = {};
      for (const userId of userIds) {
        const conns = this.data.online.get(userId);
        result[userId] = conns !== undefined && [...conns.values()].some((e) => e > now);
      }
      return result;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Runs `fn` synchronously (so calls are atomic, like the Lua scripts), as a promise. */
  private run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('presence store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Counts one entry of `userId` gone; true when it was their last in the room. */
  private release(state: RoomState, userId: string): boolean {
    const user = state.users.get(userId);
    if (user && --user.count > 0) return false;
    state.users.delete(userId);
    return true;
  }

  private touchOnline(userId: string, conns: string[], ttlMs: number): void {
    const now = this.now();
    let map = this.data.online.get(userId);
    if (!map) this.data.online.set(userId, (map = new Map()));
    for (const [conn, expiry] of map) if (expiry <= now) map.delete(conn);
    for (const conn of conns) map.set(conn, now + ttlMs);
  }
}
