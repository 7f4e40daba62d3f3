/**
 * Attack suite, JWT claims and how the token travels: correctly signed tokens whose claims are
 * expired, not yet valid, for another issuer or audience, of the wrong types, or without `exp`;
 * the token in `passcode` versus `Authorization`, without `Bearer`, in odd casing, twice, and over
 * 8 KiB. One relay (HS256 secret, PARLEY_JWT_ISSUER and PARLEY_JWT_AUDIENCE set); after every row
 * its healthy pair must still be chatting.
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFrame } from '../../testing/index.js';
import {
  ACCEPTED_PROBE,
  expectConnected,
  expectRefused,
  rawConnect,
  startTarget,
  START_TIMEOUT_MS,
} from './fixture.harness.js';
import type { Target } from './fixture.harness.js';
import { epoch, forgeJwt } from './forge.harness.js';

const ISS = 'https://auth.internal.example/realm-7';
const AUD = 'parley-aud-internal-7731';

type Expect = { reason: string; message?: RegExp } | { connectsAs: string };

interface Row {
  name: string;
  /** The CONNECT frame; `t.relay.secret` signs genuine tokens. */
  connect: (t: Target) => string;
  expect: Expect;
}

/** Claims that are right in every way but the ones a row overrides (`undefined` deletes one). */
function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    sub: 'eve',
    name: 'Eve',
    parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] },
    iss: ISS,
    aud: AUD,
    iat: epoch(),
    exp: epoch(3600),
    ...extra,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base;
}

/** HS256 with the relay's secret: the signature is good, only the claims are under test. */
const signed = (t: Target, extra: Record<string, unknown> = {}): string =>
  forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims(extra), t.relay.secret);

/** An unsigned token claiming to be `admin` with every grant. */
const forged = (): string =>
  forgeJwt({ alg: 'none', typ: 'JWT' }, claims({ sub: 'admin', parley: { sub: ['/**'] } }));

const bearer = (token: string): string => `Bearer ${token}`;

const claimRows: Array<[string, Record<string, unknown>, Expect]> = [
  ['control: every claim right', {}, { connectsAs: 'eve' }],
  ['expired an hour ago', { exp: epoch(-3600) }, { reason: 'token-expired' }],
  ['expired a few seconds ago', { exp: epoch(-5) }, { reason: 'token-expired' }],
  ['nbf an hour in the future', { nbf: epoch(3600) }, { reason: 'token-invalid' }],
  ['nbf as a string', { nbf: String(epoch(-10)) }, { reason: 'token-invalid' }],
  ['exp as a string', { exp: String(epoch(3600)) }, { reason: 'token-invalid' }],
  ['exp as an object', { exp: { valueOf: epoch(3600) } }, { reason: 'token-invalid' }],
  ['no exp (refused by default)', { exp: undefined }, { reason: 'token-invalid' }],
  ['wrong aud', { aud: 'someone-else' }, { reason: 'token-invalid' }],
  ['aud list without ours', { aud: ['a', 'b'] }, { reason: 'token-invalid' }],
  ['no aud', { aud: undefined }, { reason: 'token-invalid' }],
  ['wrong iss', { iss: 'https://evil.example' }, { reason: 'token-invalid' }],
  ['no iss', { iss: undefined }, { reason: 'token-invalid' }],
  ['iss as a list', { iss: [ISS] }, { reason: 'token-invalid' }],
  ['sub as a number', { sub: 42 }, { reason: 'token-invalid' }],
  ['sub empty', { sub: '' }, { reason: 'token-invalid' }],
  ['sub as a list', { sub: ['eve'] }, { reason: 'token-invalid' }],
  ['sub null', { sub: null }, { reason: 'token-invalid' }],
  ['sub as an object', { sub: { id: 'eve' } }, { reason: 'token-invalid' }],
  ['no sub', { sub: undefined }, { reason: 'token-invalid' }],
  ['sub of 201 characters', { sub: 'e'.repeat(201) }, { reason: 'token-invalid' }],
  ['sub of 5 000 characters', { sub: 'e'.repeat(5000) }, { reason: 'token-invalid' }],
  ['sub with a BEL', { sub: 'eve\u0007' }, { reason: 'token-invalid' }],
  ['sub with a newline', { sub: 'eve\nparley-sender:admin' }, { reason: 'token-invalid' }],
  ['sub with a NUL', { sub: 'eve\u0000admin' }, { reason: 'token-invalid' }],
  ['sub with DEL', { sub: 'eve\u007f' }, { reason: 'token-invalid' }],
  ['sub with the C1 control U+0085', { sub: 'eve\u0085' }, { reason: 'token-invalid' }],
  ['sub with a slash', { sub: 'eve/../bob' }, { reason: 'token-invalid' }],
  ['sub with a space', { sub: 'eve bob' }, { reason: 'token-invalid' }],
  ['sub with U+2028', { sub: 'eve\u2028' }, { reason: 'token-invalid' }],
  ['parley as a string', { parley: '/**' }, { reason: 'token-invalid' }],
  ['parley as a list', { parley: ['/**'] }, { reason: 'token-invalid' }],
  ['parley null', { parley: null }, { reason: 'token-invalid' }],
  ['parley.sub as a string', { parley: { sub: '/**' } }, { reason: 'token-invalid' }],
  ['parley.sub with a number', { parley: { sub: [1] } }, { reason: 'token-invalid' }],
  ['parley.pub with null', { parley: { pub: [null] } }, { reason: 'token-invalid' }],
  ['parley.pub with an empty pattern', { parley: { pub: [''] } }, { reason: 'token-invalid' }],
  [
    'parley.sub with an object',
    { parley: { sub: [{ '/**': true }] } },
    { reason: 'token-invalid' },
  ],
  ['parley.pub with a nested list', { parley: { pub: [['/**']] } }, { reason: 'token-invalid' }],
];

const rows: Row[] = [
  ...claimRows.map(([name, extra, expect]): Row => ({
    name,
    connect: (t) => connectFrame(signed(t, extra)),
    expect,
  })),
  {
    name: 'exp in the year 33658 (no timer overflow)',
    connect: (t) => connectFrame(signed(t, { exp: 1e12 })),
    expect: { connectsAs: 'eve' },
  },
  // --- where the token travels ---
  {
    name: 'token in passcode (login/passcode clients)',
    connect: (t) =>
      rawConnect([
        ['login', 'eve'],
        ['passcode', signed(t)],
      ]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'login naming another user does not change who connects',
    connect: (t) =>
      rawConnect([
        ['login', 'admin'],
        ['passcode', signed(t)],
      ]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'forged Authorization is not rescued by a good passcode',
    connect: (t) =>
      rawConnect([
        ['Authorization', bearer(forged())],
        ['passcode', signed(t)],
      ]),
    expect: { reason: 'token-invalid' },
  },
  {
    name: 'good Authorization wins over a forged passcode',
    connect: (t) =>
      rawConnect([
        ['Authorization', bearer(signed(t))],
        ['passcode', forged()],
      ]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'Authorization without "Bearer "',
    connect: (t) => rawConnect([['Authorization', signed(t)]]),
    expect: { reason: 'auth-required' },
  },
  {
    name: 'Authorization: Basic',
    connect: () => rawConnect([['Authorization', `Basic ${btoa('eve:secret')}`]]),
    expect: { reason: 'auth-required' },
  },
  {
    name: 'Authorization: "Bearer" and nothing else',
    connect: () => rawConnect([['Authorization', 'Bearer']]),
    expect: { reason: 'auth-required' },
  },
  {
    name: 'Authorization: Bearer with two tokens',
    connect: (t) => rawConnect([['Authorization', `Bearer ${signed(t)} ${forged()}`]]),
    expect: { reason: 'auth-required' },
  },
  {
    name: 'lower-case authorization header',
    connect: (t) => rawConnect([['authorization', bearer(signed(t))]]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'lower-case bearer scheme',
    connect: (t) => rawConnect([['Authorization', `bearer ${signed(t)}`]]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'two Authorization headers, genuine first: the first counts',
    connect: (t) =>
      rawConnect([
        ['Authorization', bearer(signed(t))],
        ['Authorization', bearer(forged())],
      ]),
    expect: { connectsAs: 'eve' },
  },
  {
    name: 'two Authorization headers, forged first: refused',
    connect: (t) =>
      rawConnect([
        ['Authorization', bearer(forged())],
        ['Authorization', bearer(signed(t))],
      ]),
    expect: { reason: 'token-invalid' },
  },
  {
    name: 'forged Authorization, genuine authorization: refused',
    connect: (t) =>
      rawConnect([
        ['Authorization', bearer(forged())],
        ['authorization', bearer(signed(t))],
      ]),
    expect: { reason: 'token-invalid' },
  },
  {
    name: 'token over 8 KiB in Authorization',
    connect: (t) => connectFrame(signed(t, { pad: 'p'.repeat(9 * 1024) })),
    expect: { reason: 'frame-too-large' },
  },
  {
    name: 'token over 8 KiB in passcode',
    connect: (t) => rawConnect([['passcode', signed(t, { pad: 'p'.repeat(9 * 1024) })]]),
    expect: { reason: 'frame-too-large' },
  },
  {
    name: 'token signed by another issuer with the same claims but another secret',
    connect: () =>
      connectFrame(jwt.sign(claims(), 'another-secret-0123456789abcdef', { algorithm: 'HS256' })),
    expect: { reason: 'token-invalid' },
  },
];

describe('attacks: JWT claims and token transport; the others keep chatting', () => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget({
      env: { PARLEY_JWT_ISSUER: ISS, PARLEY_JWT_AUDIENCE: AUD },
      claims: { iss: ISS, aud: AUD },
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  for (const row of rows) {
    const e = row.expect;
    const outcome = 'connectsAs' in e ? `CONNECTED as ${e.connectsAs}` : `ERROR ${e.reason}, close`;
    it(`${row.name} → ${outcome}`, async () => {
      const raw = await t.raw();
      raw.send(row.connect(t) + ACCEPTED_PROBE);
      if ('connectsAs' in e) await expectConnected(raw, e.connectsAs);
      else {
        // Issuer and audience failures say token-invalid without telling what would pass.
        await expectRefused(raw, e.reason, { secrets: [ISS, AUD, t.relay.secret] });
      }
      await t.stillChatting();
    });
  }

  it('no timer overflowed on the way (far-future exp)', () => {
    expect(t.relay.output()).not.toMatch(/TimeoutOverflowWarning/);
  });
});
