import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@parley/source'] },
  ssr: { resolve: { conditions: ['@parley/source'] } },
  test: { include: ['*.test.mjs'], testTimeout: 60_000, hookTimeout: 60_000 },
});
