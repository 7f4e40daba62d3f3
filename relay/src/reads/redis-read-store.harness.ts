import { randomBytes } from 'node:crypto';
import type { ReadBackendFactory } from './read-store.conformance.js';
import type { ReadStore } from './read-store.js';
import { RedisReadStore } from './redis-read-store.js';
import type { RedisReadStoreOptions } from './redis-read-store.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Backends on one Redis (or cluster), each under a key prefix of its own. `connection` is read
 * when a store opens (the server starts in `beforeAll`).
 */
export function redisReadBackend(
  connection: () => Pick<RedisReadStoreOptions, 'url' | 'cluster'>,
): ReadBackendFactory {
  return () => {
    const keyPrefix = `test-${randomBytes(4).toString('hex')}:`;
    const ttlMs = 600;
    const opened: ReadStore[] = [];
    return Promise.resolve({
      ttlMs,
      open: async (options?: { maxReaders?: number }) => {
        const store = await RedisReadStore.connect({
          ...connection(),
          keyPrefix,
          ttlMs,
          ...(options?.maxReaders !== undefined && { maxReaders: options.maxReaders }),
        });
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
