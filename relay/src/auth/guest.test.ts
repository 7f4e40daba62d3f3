import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUEST_GRANTS,
  DEV_GUEST_GRANTS,
  GUEST_ID,
  GuestConfigError,
  grantsFor,
  loadGuestConfig,
  newGuestId,
  parseGuestGrants,
  signGuestToken,
} from './guest.js';

const SECRET = 'guest-test-secret-0123456789';
const prod = { dev: false, secret: SECRET, allowedOrigins: ['https://shop.example'] };

describe('guest settings', () => {
  it('are off by default, and on by default in development mode', () => {
    expect(loadGuestConfig({}, prod).enabled).toBe(false);
    const dev = loadGuestConfig({}, { dev: true, secret: SECRET, allowedOrigins: [] });
    expect(dev.enabled).toBe(true);
    expect(dev.grants).toEqual(DEV_GUEST_GRANTS);
    expect(
      loadGuestConfig({ PARLEY_GUEST_ENABLED: '0' }, { ...prod, dev: true, allowedOrigins: [] })
        .enabled,
    ).toBe(false);
  });

  it('turn on with PARLEY_GUEST_ENABLED=1 or with PARLEY_GUEST_GRANTS', () => {
    const on = loadGuestConfig({ PARLEY_GUEST_ENABLED: '1' }, prod);
    expect(on).toMatchObject({ enabled: true, ttlS: 900, ratePerIp: 20 });
    expect(on.grants).toEqual(DEFAULT_GUEST_GRANTS);
    const grants = '{"sub":["/topic/room.lobby"],"pub":["/topic/room.lobby"]}';
    const byGrants = loadGuestConfig(
      { PARLEY_GUEST_GRANTS: grants, PARLEY_GUEST_TTL_S: '120', PARLEY_GUEST_RATE_PER_IP: '3' },
      prod,
    );
    expect(byGrants).toMatchObject({ enabled: true, ttlS: 120, ratePerIp: 3 });
    expect(byGrants.grants).toEqual({ sub: ['/topic/room.lobby'], pub: ['/topic/room.lobby'] });
    expect(
      loadGuestConfig({ PARLEY_GUEST_GRANTS: grants, PARLEY_GUEST_ENABLED: '0' }, prod).enabled,
    ).toBe(false);
  });

  it('refuse to start without an HS256 secret, without allowed origins, or with bad values', () => {
    const on = { PARLEY_GUEST_ENABLED: '1' };
    expect(() => loadGuestConfig(on, { ...prod, secret: undefined })).toThrow(/PARLEY_JWT_SECRET/);
    expect(() => loadGuestConfig(on, { ...prod, allowedOrigins: [] })).toThrow(
      /PARLEY_ALLOWED_ORIGINS/,
    );
    expect(() => loadGuestConfig({ PARLEY_GUEST_ENABLED: 'yes' }, prod)).toThrow(GuestConfigError);
    expect(() => loadGuestConfig({ ...on, PARLEY_GUEST_TTL_S: '5' }, prod)).toThrow(/TTL/);
    expect(() => parseGuestGrants('{"sub":"/topic/x"}')).toThrow(/list/);
    expect(() => parseGuestGrants('[1]')).toThrow(/object/);
    expect(() => parseGuestGrants('nope')).toThrow(/JSON/);
    // Development mode without a secret (public keys only): off, with the reason, no error.
    const dev = loadGuestConfig({}, { dev: true, secret: undefined, allowedOrigins: [] });
    expect(dev.enabled).toBe(false);
    expect(dev.offReason).toMatch(/PARLEY_JWT_SECRET/);
  });
});

describe('guest tokens', () => {
  it('are random ids of 22+ URL-safe characters', () => {
    const a = newGuestId();
    expect(a).toMatch(GUEST_ID);
    expect(a).not.toBe(newGuestId());
    expect(GUEST_ID.test('short')).toBe(false);
    expect(GUEST_ID.test('a'.repeat(21) + '/')).toBe(false);
  });

  it('carry sub guest-<id>, the grants with {guest} filled in, exp = now + ttl, iss and aud', () => {
    const id = newGuestId();
    const now = 1_800_000_000_000;
    const minted = signGuestToken(
      id,
      { grants: DEFAULT_GUEST_GRANTS, ttlS: 900 },
      { secret: SECRET, issuer: 'parley', audience: 'chat' },
      now,
    );
    expect(minted.userId).toBe(`guest-${id}`);
    const claims = jwt.verify(minted.token, SECRET, {
      algorithms: ['HS256'],
      clockTimestamp: now / 1000,
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({
      sub: `guest-${id}`,
      iss: 'parley',
      aud: 'chat',
      iat: now / 1000,
      exp: now / 1000 + 900,
      parley: {
        sub: ['/topic/room.lobby', `/topic/room.support.guest-${id}`],
        pub: ['/topic/room.lobby', `/topic/room.support.guest-${id}`, '/topic/room.support-inbox'],
      },
    });
    expect(minted.expiresAt).toBe(now / 1000 + 900);
  });

  it('fill every {guest} placeholder', () => {
    expect(grantsFor({ sub: ['/a/{guest}.{guest}'], pub: [] }, 'guest-x')).toEqual({
      sub: ['/a/guest-x.guest-x'],
      pub: [],
    });
  });
});
