import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@parley/source'] },
  ssr: { resolve: { conditions: ['@parley/source'] } },
  test: { include: ['*.test.mjs'], testTimeout: 20_000, hookTimeout: 30_000 },
});
