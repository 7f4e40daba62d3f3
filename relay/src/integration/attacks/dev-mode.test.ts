/**
 * Attack suite, `--dev` misuse: development mode with a real PARLEY_JWT_SECRET on a reachable
 * address must not mint tokens for anyone (`/dev/token` → 404, with a warning in the log); the
 * demo page, the SDK bundle and `/dev/token` do not exist outside development mode; the dev
 * secret is worthless outside it; development mode listens on loopback by default and refuses
 * NODE_ENV=production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET } from '../../config.js';
import { connectFrame, signToken, spawnRelay } from '../../testing/index.js';
import {
  ACCEPTED_PROBE,
  expectRefused,
  http,
  startTargets,
  START_TIMEOUT_MS,
} from './fixture.harness.js';
import type { Target } from './fixture.harness.js';

const REAL_SECRET = 'a-real-production-secret-7f3a9c1e5b';

type Name = 'devReal' | 'devLoopback' | 'plain';

interface Row {
  name: string;
  on: Name;
  check: (t: Target) => Promise<void>;
}

const status = (path: string, expected: number) => async (t: Target) => {
  const res = await http(t.relay, path);
  expect(res.status, res.text).toBe(expected);
};

const refusedToken = (token: (t: Target) => string, reason: string) => async (t: Target) => {
  const raw = await t.raw();
  raw.send(connectFrame(token(t)) + ACCEPTED_PROBE);
  await expectRefused(raw, reason);
};

const rows: Row[] = [
  // --dev, PARLEY_JWT_SECRET real, PARLEY_HOST=0.0.0.0
  { name: '/dev/token for anyone', on: 'devReal', check: status('/dev/token?sub=mallory', 404) },
  { name: '/dev/token for admin', on: 'devReal', check: status('/dev/token?sub=admin', 404) },
  {
    name: 'the log warns that /dev/token is off',
    on: 'devReal',
    check: async (t) => {
      const warnings = t.relay
        .output()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l));
      expect(warnings.join('\n')).toMatch(/\/dev\/token is off/);
    },
  },
  {
    name: 'a token signed with the public dev secret → ERROR token-invalid',
    on: 'devReal',
    check: refusedToken(() => signToken(DEV_JWT_SECRET, { sub: 'mallory' }), 'token-invalid'),
  },
  // --dev with the dev secret and no PARLEY_HOST
  {
    name: 'development mode listens on 127.0.0.1 by default',
    on: 'devLoopback',
    check: async (t) => {
      expect(t.relay.output()).toMatch(/"host":"127\.0\.0\.1"[^\n]*listening/);
    },
  },
  {
    name: 'control: /dev/token works on loopback',
    on: 'devLoopback',
    check: status('/dev/token?sub=dora', 200),
  },
  {
    name: 'control: the demo page is served in development mode',
    on: 'devLoopback',
    check: status('/', 200),
  },
  // no --dev
  { name: 'the demo page / outside development mode', on: 'plain', check: status('/', 404) },
  { name: '/index.html outside development mode', on: 'plain', check: status('/index.html', 404) },
  {
    name: 'the SDK bundle outside development mode',
    on: 'plain',
    check: status('/sdk/parley-sdk.js', 404),
  },
  {
    name: '/dev/token outside development mode',
    on: 'plain',
    check: status('/dev/token?sub=mallory', 404),
  },
  {
    name: 'the dev secret outside development mode → ERROR token-invalid',
    on: 'plain',
    check: refusedToken(() => signToken(DEV_JWT_SECRET, { sub: 'mallory' }), 'token-invalid'),
  },
  {
    name: 'a token without grants outside development mode → ERROR forbidden on a topic',
    on: 'plain',
    check: async (t) => {
      const raw = await t.connected(signToken(t.relay.secret, { sub: 'nogrants' }));
      raw.send('SUBSCRIBE\nid:x\ndestination:/topic/anything\n\n\0' + ACCEPTED_PROBE);
      await expectRefused(raw, 'forbidden');
    },
  },
];

describe('attacks: --dev misuse; the others keep chatting', () => {
  const targets = {} as Record<Name, Target>;

  beforeAll(async () => {
    [targets.devReal, targets.devLoopback, targets.plain] = await startTargets(
      {
        args: ['--dev'],
        env: { PARLEY_JWT_SECRET: REAL_SECRET, PARLEY_HOST: '0.0.0.0' },
        // spawnRelay reports the dev secret for every --dev relay; this one has a real one.
        sign: (claims) => signToken(REAL_SECRET, claims),
      },
      { args: ['--dev'], env: { PARLEY_HOST: '' } },
      {},
    );
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
  });

  for (const row of rows) {
    it(`[${row.on}] ${row.name}`, async () => {
      const t = targets[row.on];
      await row.check(t);
      await t.stillChatting();
    });
  }

  it('--dev with NODE_ENV=production refuses to start (exit status 2)', async () => {
    const failure = await spawnRelay({ args: ['--dev'], env: { NODE_ENV: 'production' } }).then(
      async (r) => {
        await r.stop();
        return 'it started';
      },
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/relay exited with 2 before listening/);
    expect(failure).toMatch(/production/);
  });
});
