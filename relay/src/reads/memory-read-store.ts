import { MAX_STORED_READERS, advances } from './read-store.js';
import type { MarkResult, ReadPosition, ReadStore, ReadStoreOptions } from './read-store.js';

/** One destination's readers, least recently advanced first, and when they all expire. */
interface Readers {
  positions: Map<string, ReadPosition>;
  until: number;
}

/** Positions of every destination, least recently marked first (so expiry sweeps the front). */
type Data = Map<string, Readers>;

/** Options of {@link MemoryReadStore}. */
export interface MemoryReadStoreOptions extends ReadStoreOptions {
  /** Clock, for tests (default `Date.now`). */
  now?: () => number;
}

/**
 * Read positions in the relay process: the embedded default (one relay, no Redis). Lost when
 * the relay stops, like the embedded broker's history they point into.
 */
export class MemoryReadStore implements ReadStore {
  private closed = false;
  private readonly ttlMs: number;
  private readonly maxReaders: number;
  private readonly now: () => number;

  constructor(
    options: MemoryReadStoreOptions,
    private readonly data: Data = new Map(),
  ) {
    this.ttlMs = options.ttlMs;
    this.maxReaders = options.maxReaders ?? MAX_STORED_READERS;
    this.now = options.now ?? Date.now;
  }

  /** Another store on the same data (tests: a second relay). */
  fork(): MemoryReadStore {
    return new MemoryReadStore(
      { ttlMs: this.ttlMs, maxReaders: this.maxReaders, now: this.now },
      this.data,
    );
  }

  mark(destination: string, position: ReadPosition): Promise<MarkResult> {
    if (this.closed) return Promise.reject(new Error('read store is closed'));
    const now = this.now();
    this.expire(now);
    let readers = this.data.get(destination);
    if (readers) this.data.delete(destination);
    else readers = { positions: new Map(), until: 0 };
    readers.until = now + this.ttlMs;
    this.data.set(destination, readers);
    const stored = readers.positions.get(position.user);
    if (!advances(stored, position)) return Promise.resolve({ position: stored!, advanced: false });
    const copy = { ...position };
    readers.positions.delete(position.user);
    readers.positions.set(position.user, copy);
    for (const user of readers.positions.keys()) {
      if (readers.positions.size <= this.maxReaders) break;
      readers.positions.delete(user);
    }
    return Promise.resolve({ position: { ...copy }, advanced: true });
  }

  get(destination: string, user: string): Promise<ReadPosition | undefined> {
    if (this.closed) return Promise.reject(new Error('read store is closed'));
    this.expire(this.now());
    const p = this.data.get(destination)?.positions.get(user);
    return Promise.resolve(p && { ...p });
  }

  list(destination: string, limit: number): Promise<ReadPosition[]> {
    if (this.closed) return Promise.reject(new Error('read store is closed'));
    this.expire(this.now());
    const positions = [...(this.data.get(destination)?.positions.values() ?? [])];
    const newestFirst = positions.reverse().slice(0, Math.max(0, limit));
    return Promise.resolve(newestFirst.map((p) => ({ ...p })));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Drops destinations nobody marked within the TTL (they sit at the front). */
  private expire(now: number): void {
    for (const [destination, readers] of this.data) {
      if (readers.until > now) break;
      this.data.delete(destination);
    }
  }
}
