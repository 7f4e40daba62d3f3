import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `pnpm exec vitest run --config bench/vitest.config.ts` (from relay/): the benchmark's smoke test alone. */
export default defineConfig({
  resolve: { conditions: ['@parley/source'] },
  ssr: { resolve: { conditions: ['@parley/source'] } },
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['bench/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
