import { MAX_STORED_READERS, decodePosition } from './read-store.js';
import type { MarkResult, ReadPosition, ReadStore, ReadStoreOptions } from './read-store.js';
import { connectRedis, loadScript } from '../redis/connection.js';
import type { RedisConnection, RedisConnectionOptions } from '../redis/connection.js';

/** How {@link RedisReadStore.connect} reaches Redis, and the store's settings. */
export interface RedisReadStoreOptions
  extends
    ReadStoreOptions,
    Pick<
      RedisConnectionOptions,
      'url' | 'cluster' | 'connectTimeoutMs' | 'commandTimeoutMs' | 'onError'
    > {
  /** Prepended to every key (default `parley:`). Must not contain `{` or `}`. */
  keyPrefix?: string;
}

const SCRIPTS = {
  mark: loadScript(import.meta.url, 'mark'),
  list: loadScript(import.meta.url, 'list'),
};

const text = (reply: unknown): string =>
  Buffer.isBuffer(reply) ? reply.toString() : typeof reply === 'string' ? reply : String(reply);

/** Keeps `{`, `}` and `%` out of the hash tag, injectively (as the Redis broker does). */
const tag = (destination: string): string =>
  destination.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Read positions shared by every relay through Redis (or Redis Cluster).
 *
 * Key layout (`P` = key prefix; both keys of a destination share the hash tag, so every script
 * touches one slot and destinations spread over a cluster's nodes):
 *
 * - `P{reads:<destination>}:pos` — HASH user → `epoch \t offset \t at \t timestamp`.
 * - `P{reads:<destination>}:at` — ZSET user → when the position last advanced (ms), so replies
 *   list the most recent readers and the store forgets the least recent past `maxReaders`.
 *
 * Both keys expire `ttlMs` after the last mark in the destination.
 */
export class RedisReadStore implements ReadStore {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly maxReaders: number;
  private redis!: RedisConnection;

  private constructor(options: RedisReadStoreOptions) {
    this.prefix = options.keyPrefix ?? 'parley:';
    if (/[{}]/.test(this.prefix)) throw new TypeError('keyPrefix must not contain "{" or "}"');
    this.ttlMs = Math.max(1, Math.ceil(options.ttlMs));
    this.maxReaders = options.maxReaders ?? MAX_STORED_READERS;
  }

  /** Connects to Redis (or a Redis Cluster) and resolves once it is ready. */
  static async connect(options: RedisReadStoreOptions): Promise<RedisReadStore> {
    const store = new RedisReadStore(options);
    store.redis = await connectRedis({ ...options, name: 'parley-reads' });
    return store;
  }

  async mark(destination: string, position: ReadPosition): Promise<MarkResult> {
    const k = this.keys(destination);
    const reply = await this.redis.eval(
      SCRIPTS.mark,
      [k.pos, k.at],
      [
        position.user,
        position.epoch,
        String(position.offset),
        String(position.at),
        position.timestamp === undefined ? '' : String(position.timestamp),
        String(this.ttlMs),
        String(this.maxReaders),
      ],
    );
    if (!Array.isArray(reply) || reply.length < 2)
      throw new Error('unexpected reply from mark.lua');
    const stored = decodePosition(position.user, text(reply[1]));
    if (!stored) throw new Error('unexpected position text in Redis');
    return { position: stored, advanced: Number(reply[0]) === 1 };
  }

  async get(destination: string, user: string): Promise<ReadPosition | undefined> {
    const k = this.keys(destination);
    const reply = await this.redis.send(k.pos, ['HGET', k.pos, user]);
    return reply === null || reply === undefined ? undefined : decodePosition(user, text(reply));
  }

  async list(destination: string, limit: number): Promise<ReadPosition[]> {
    if (limit < 1) return [];
    const k = this.keys(destination);
    const reply = await this.redis.eval(SCRIPTS.list, [k.pos, k.at], [String(Math.floor(limit))]);
    if (!Array.isArray(reply)) throw new Error('unexpected reply from list.lua');
    const out: ReadPosition[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const p = decodePosition(text(reply[i]), text(reply[i + 1]));
      if (p) out.push(p);
    }
    return out;
  }

  close(): Promise<void> {
    return this.redis.close();
  }

  private keys(destination: string): { pos: string; at: string } {
    const base = `${this.prefix}{reads:${tag(destination)}}`;
    return { pos: `${base}:pos`, at: `${base}:at` };
  }
}
