import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preflight } from './test-preflight.mjs';

const none = { PATH: '/nonexistent', PARLEY_CHROMIUM_PATH: '/nonexistent/chromium' };

test('without redis-server and chromium: says what it skips and the one install command', () => {
  const { ok, text } = preflight(none);
  assert.equal(ok, true);
  assert.match(text, /SKIP {4}Redis/);
  assert.match(text, /SKIP {4}browser/);
  assert.match(text, /sudo apt-get install -y redis-server chromium/);
});

test('under CI=true or CI=1 a missing program fails the run', () => {
  for (const CI of ['true', '1']) {
    const { ok, text } = preflight({ ...none, CI });
    assert.equal(ok, false);
    assert.match(text, /MISSING Redis/);
    assert.match(text, /CI is set/);
  }
});

test('with chromium found, only redis-server is asked for', () => {
  const { text } = preflight({ ...none, PARLEY_CHROMIUM_PATH: process.execPath });
  assert.match(text, /run {5}browser/);
  assert.match(text, /apt-get install -y redis-server$/m);
});
