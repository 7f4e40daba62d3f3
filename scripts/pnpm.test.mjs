import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childEnv, pinnedVersion } from './pnpm.mjs';

test('reads the pinned pnpm version from packageManager', () => {
  assert.equal(pinnedVersion({ packageManager: 'pnpm@10.34.9+sha512.abc' }), '10.34.9');
  assert.match(pinnedVersion(), /^10\.\d+\.\d+$/);
  assert.throws(() => pinnedVersion({}), /packageManager/);
});

test('CI=1 is passed on as CI=true; other values unchanged', () => {
  assert.equal(childEnv({ CI: '1' }).CI, 'true');
  assert.equal(childEnv({ CI: 'true' }).CI, 'true');
  assert.equal(childEnv({}).CI, undefined);
});
