import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET } from './config.js';
import { devModePlan } from './dev-mode.js';

const REAL = 'a-real-production-secret-0123456789';

describe('devModePlan', () => {
  it.each(['0.0.0.0', '127.0.0.1', '::'])('mints for anyone with the dev secret on %s', (host) => {
    expect(devModePlan({ host, secret: DEV_JWT_SECRET })).toEqual({
      devToken: 'any-peer',
      warnings: [],
    });
  });

  it.each(['127.0.0.1', '::1', 'localhost'])(
    'mints for loopback peers only with a real secret on %s, warning that tokens work everywhere',
    (host) => {
      const plan = devModePlan({ host, secret: REAL });
      expect(plan.devToken).toBe('loopback-peers');
      expect(plan.warnings.join()).toMatch(
        /valid on EVERY relay that shares this PARLEY_JWT_SECRET/,
      );
    },
  );

  it.each(['0.0.0.0', '::', '192.168.1.10'])(
    'turns /dev/token off with a real secret on %s, saying why',
    (host) => {
      const plan = devModePlan({ host, secret: REAL });
      expect(plan.devToken).toBe('off');
      expect(plan.offReason).toMatch(/\/dev\/token is off/);
      expect(plan.warnings.join()).toContain(`ON ${host}`);
      expect(plan.warnings.join()).toContain('PARLEY_HOST=127.0.0.1');
    },
  );

  it('turns /dev/token off without an HS256 secret', () => {
    expect(devModePlan({ host: '127.0.0.1' }).devToken).toBe('off');
  });
});
