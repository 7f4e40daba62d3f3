import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { PresenceBackendFactory } from './presence.conformance.js';
import type { PresenceStore } from './presence-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';
import type { RedisPresenceStoreOptions } from './redis-presence-store.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The Redis server's clock: the one the stores' scripts read with `TIME`. */
export interface RedisClock {
  /** The server's time, in ms. */
  now(): Promise<number>;
  /**
   * Returns once the server's clock shows `ms` more than when called: expiry is decided on that
   * clock, so this waits for the condition itself rather than for a timer of this process.
   * Polls every 10 ms; fails after `ms` + 5 s.
   */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A {@link RedisClock} on the server at `url` (the first one of a cluster: one machine clock). */
export async function redisClock(url: string | string[]): Promise<RedisClock> {
  const client = createClient({ url: Array.isArray(url) ? url[0] : url });
  await client.connect();
  const now = async (): Promise<number> => {
    const [s, us] = (await client.sendCommand(['TIME'])) as [string, string];
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };
  return {
    now,
    elapse: async (ms) => {
      const until = (await now()) + ms;
      const deadline = Date.now() + ms + 5000;
      while ((await now()) < until) {
        if (Date.now() > deadline) throw new Error(`Redis clock did not advance ${ms} ms`);
        await sleep(10);
      }
    },
    close: async () => {
      await client.close();
    },
  };
}

/**
 * Backends on one Redis (or cluster), each under a key prefix of its own. `connection` is read
 * when a store opens (the server starts in `beforeAll`).
 */
export function redisPresenceBackend(
  connection: () => Pick<RedisPresenceStoreOptions, 'url' | 'cluster'>,
): PresenceBackendFactory {
  return () => {
    const keyPrefix = `test-${randomBytes(4).toString('hex')}:`;
    const opened: PresenceStore[] = [];
    let clock: RedisClock | undefined;
    return Promise.resolve({
      ttlMs: 500,
      open: async () => {
        const store = await RedisPresenceStore.connect({ ...connection(), keyPrefix });
        opened.push(store);
        return store;
      },
      // Expiry is decided on Redis's clock (TIME in the scripts): wait until it has moved on.
      elapse: async (ms) => (clock ??= await redisClock(connection().url)).elapse(ms),
      close: async () => {
        for (const store of opened) await store.close();
        await clock?.close();
      },
    });
  };
}
