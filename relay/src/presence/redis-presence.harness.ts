import { randomBytes } from 'node:crypto';
import type { PresenceBackendFactory } from './presence.conformance.js';
import type { PresenceStore } from './presence-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';
import type { RedisPresenceStoreOptions } from './redis-presence-store.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
    return Promise.resolve({
      ttlMs: 500,
      open: async () => {
        const store = await RedisPresenceStore.connect({ ...connection(), keyPrefix });
        opened.push(store);
        return store;
      },
      elapse: sleep,
      close: async () => {
        for (const store of opened) await store.close();
      },
    });
  };
}
