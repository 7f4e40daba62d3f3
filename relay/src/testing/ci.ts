/**
 * Whether this run is CI, where a missing Redis or Chromium fails the tests instead of skipping
 * them. `CI=true` and `CI=1` both count (runners set either; `scripts/pnpm.mjs` also maps 1 to
 * true, but a bare `npx vitest` under `CI=1` does not go through it).
 */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci === 'true' || ci === '1';
}
