import { MemoryReadStore } from './memory-read-store.js';
import { readStoreConformance } from './read-store.conformance.js';
import type { ReadStore } from './read-store.js';

readStoreConformance('memory', () => {
  let now = 1_700_000_000_000;
  const ttlMs = 60_000;
  const data = new MemoryReadStore({ ttlMs, now: () => now });
  const opened: ReadStore[] = [];
  return Promise.resolve({
    ttlMs,
    open: (options?: { maxReaders?: number }) => {
      const store = options?.maxReaders
        ? new MemoryReadStore({ ttlMs, now: () => now, maxReaders: options.maxReaders })
        : data.fork();
      opened.push(store);
      return Promise.resolve(store);
    },
    elapse: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
    close: async () => {
      for (const store of opened) await store.close();
    },
  });
});
