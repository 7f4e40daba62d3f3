import { MemoryPresenceStore } from './memory-presence-store.js';
import { presenceConformance } from './presence.conformance.js';
import type { PresenceStore } from './presence-store.js';

presenceConformance('memory', () => {
  let now = 1_700_000_000_000;
  const root = new MemoryPresenceStore({ now: () => now });
  const opened: PresenceStore[] = [];
  return Promise.resolve({
    ttlMs: 30_000,
    open: () => {
      const store = root.fork();
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
