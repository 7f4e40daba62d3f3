/**
 * Attack suite, JWT algorithms and keys: `alg: none` in every spelling, algorithm confusion
 * (HS256 keyed with the RSA public key), algorithms that are not configured, key injection
 * through `jwk` / `jku` / `x5u` / `x5c`, and `kid` tricks. Two relays: one verifying HS256 with a
 * secret (plus issuer and audience), one verifying RS256 with PARLEY_JWT_PUBLIC_KEY only. Every row
 * CONNECTs over a raw socket and must be refused with `token-invalid` (or, for the controls, be
 * CONNECTED), then the relay's healthy pair must still be chatting.
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFrame } from '../../testing/index.js';
import {
  ACCEPTED_PROBE,
  expectConnected,
  expectRefused,
  startTargets,
  START_TIMEOUT_MS,
} from './fixture.harness.js';
import type { Target } from './fixture.harness.js';
import { ecKeys, epoch, forgeJwt, junkSignature, publicJwk, rsaKeys } from './forge.harness.js';
import type { SigningKey } from './forge.harness.js';
import { localServer } from './servers.harness.js';
import type { LocalServer } from './servers.harness.js';

const ISS = 'https://auth.internal.example/realm-7';
const AUD = 'parley-aud-internal-7731';
const GRANTS = { sub: ['/**'], pub: ['/**'] };

/** The relay's own RSA key pair (the relay knows only the public half). */
const relayKeys = rsaKeys();
/** The attacker's keys. */
const evil = rsaKeys();
const evilEc = ecKeys();

/** A payload that is valid on both relays: only the header or the signature is wrong. */
function payload(sub = 'eve'): Record<string, unknown> {
  return { sub, name: 'Eve', parley: GRANTS, iss: ISS, aud: AUD, exp: epoch(3600), iat: epoch() };
}

type On = 'hs' | 'rsa';

interface Row {
  name: string;
  on: On[];
  /** The token to CONNECT with (`Authorization: Bearer`). */
  token: (t: Target) => string;
  /** `token-invalid` for every attack; `connects` for the controls. */
  expect: 'token-invalid' | 'connects';
}

const forge = (
  header: Record<string, unknown>,
  key?: SigningKey,
  options?: Parameters<typeof forgeJwt>[3],
): string => forgeJwt({ typ: 'JWT', ...header }, payload(), key, options);

let attackerSite: LocalServer;
const attackerJwks = (): string => `${attackerSite.url}/jwks.json`;

const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE'];
const NONE_FORMS: Array<[string, Parameters<typeof forgeJwt>[3]]> = [
  ['an empty signature', { sig: '' }],
  ['no signature part', { parts: 2 }],
  ['a junk signature', { sig: junkSignature(32) }],
];

const rows: Row[] = [
  // --- controls: a genuine token connects (so the rows below would notice an acceptance) ---
  {
    name: 'control: HS256 signed with the relay secret',
    on: ['hs'],
    token: (t) => forge({ alg: 'HS256' }, t.relay.secret),
    expect: 'connects',
  },
  {
    name: 'control: RS256 signed with the relay private key',
    on: ['rsa'],
    token: () => forge({ alg: 'RS256' }, relayKeys.privateKey),
    expect: 'connects',
  },
  // --- alg: none ---
  ...NONE_SPELLINGS.flatMap((alg) =>
    NONE_FORMS.map(([form, options]): Row => ({
      name: `alg "${alg}" with ${form}`,
      on: ['hs', 'rsa'],
      token: () => forge({ alg }, undefined, options),
      expect: 'token-invalid',
    })),
  ),
  ...[
    ['an empty alg', ''],
    ['no alg at all', undefined],
    ['alg null', null],
    ['alg as a list ["HS256"]', ['HS256']],
    ['alg "hs256" (lower case)', 'hs256'],
    ['alg "HS256 " (trailing space)', 'HS256 '],
    ['alg "HS256\\u0000"', 'HS256\u0000'],
  ].map(([what, alg]): Row => ({
    name: `${String(what)}, signed HS256 with the relay secret`,
    on: ['hs'],
    token: (t) => forge({ alg }, t.relay.secret, { signWith: 'HS256' }),
    expect: 'token-invalid',
  })),
  // --- algorithm confusion: the RSA public key as an HMAC secret ---
  {
    name: 'HS256 keyed with the relay RSA public key PEM',
    on: ['rsa'],
    token: () => forge({ alg: 'HS256' }, relayKeys.pem),
    expect: 'token-invalid',
  },
  {
    name: 'HS256 keyed with the PEM without its trailing newline',
    on: ['rsa'],
    token: () => forge({ alg: 'HS256' }, relayKeys.pem.trim()),
    expect: 'token-invalid',
  },
  {
    name: 'HS256 keyed with the DER bytes of the public key',
    on: ['rsa'],
    token: () =>
      forge({ alg: 'HS256' }, relayKeys.publicKey.export({ type: 'spki', format: 'der' })),
    expect: 'token-invalid',
  },
  {
    name: 'HS512 keyed with the relay RSA public key PEM',
    on: ['rsa'],
    token: () => forge({ alg: 'HS512' }, relayKeys.pem),
    expect: 'token-invalid',
  },
  // --- algorithms that are not configured ---
  ...(['HS384', 'HS512'] as const).map((alg): Row => ({
    name: `${alg} signed with the relay secret (only HS256 is configured)`,
    on: ['hs'],
    token: (t) => forge({ alg }, t.relay.secret),
    expect: 'token-invalid',
  })),
  ...(['PS256', 'RS384', 'RS512'] as const).map((alg): Row => ({
    name: `${alg} signed with the relay's own private key (only RS256/ES256 accepted)`,
    on: ['rsa'],
    token: () => forge({ alg }, relayKeys.privateKey),
    expect: 'token-invalid',
  })),
  ...(['RS256', 'PS256', 'RS512'] as const).map((alg): Row => ({
    name: `${alg} signed with an attacker RSA key`,
    on: ['hs', 'rsa'],
    token: () => forge({ alg }, evil.privateKey),
    expect: 'token-invalid',
  })),
  {
    name: 'ES256 signed with an attacker EC key',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'ES256' }, evilEc.privateKey),
    expect: 'token-invalid',
  },
  // --- key injection through the header ---
  {
    name: 'embedded jwk header carrying the attacker public key',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'RS256', jwk: publicJwk(evil.publicKey, 'evil') }, evil.privateKey),
    expect: 'token-invalid',
  },
  {
    name: 'jku pointing at the attacker JWKS',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'RS256', kid: 'evil', jku: attackerJwks() }, evil.privateKey),
    expect: 'token-invalid',
  },
  {
    name: 'x5u pointing at the attacker certificate',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'RS256', x5u: `${attackerSite.url}/cert.pem` }, evil.privateKey),
    expect: 'token-invalid',
  },
  {
    name: 'x5c with a junk certificate chain',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'RS256', x5c: [junkSignature(600)] }, evil.privateKey),
    expect: 'token-invalid',
  },
  // --- kid tricks: a kid must never select an attacker-chosen key ---
  {
    name: 'kid path traversal to /dev/null, signed with an empty secret',
    on: ['hs'],
    token: () => forge({ alg: 'HS256', kid: '../../../../../../dev/null' }, ''),
    expect: 'token-invalid',
  },
  {
    name: 'kid SQL injection selecting a chosen secret',
    on: ['hs'],
    token: () =>
      forge({ alg: 'HS256', kid: "x' UNION SELECT 'attacker-secret' -- " }, 'attacker-secret'),
    expect: 'token-invalid',
  },
  {
    name: 'kid of 4 000 characters',
    on: ['hs', 'rsa'],
    token: () => forge({ alg: 'RS256', kid: 'K'.repeat(4000) }, evil.privateKey),
    expect: 'token-invalid',
  },
  {
    name: 'kid path traversal with an attacker RSA key',
    on: ['rsa'],
    token: () => forge({ alg: 'RS256', kid: '../../../etc/ssl/certs/ca.pem' }, evil.privateKey),
    expect: 'token-invalid',
  },
];

describe('attacks: JWT algorithms and keys are refused with token-invalid; the others keep chatting', () => {
  const targets = {} as Record<On, Target>;

  beforeAll(async () => {
    attackerSite = await localServer();
    [targets.hs, targets.rsa] = await startTargets(
      {
        env: { PARLEY_JWT_ISSUER: ISS, PARLEY_JWT_AUDIENCE: AUD },
        claims: { iss: ISS, aud: AUD },
      },
      {
        env: { PARLEY_JWT_SECRET: '', PARLEY_JWT_PUBLIC_KEY: relayKeys.pem },
        sign: (claims) =>
          jwt.sign(claims, relayKeys.privateKey, { algorithm: 'RS256', expiresIn: 3600 }),
      },
    );
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
    await attackerSite?.close();
  });

  for (const row of rows) {
    for (const on of row.on) {
      const outcome = row.expect === 'connects' ? 'CONNECTED' : 'ERROR token-invalid, close';
      it(`[${on}] ${row.name} → ${outcome}`, async () => {
        const t = targets[on];
        const raw = await t.raw();
        raw.send(connectFrame(row.token(t)) + ACCEPTED_PROBE);
        if (row.expect === 'connects') await expectConnected(raw, 'eve');
        else await expectRefused(raw, 'token-invalid', { secrets: [ISS, AUD, t.relay.secret] });
        // The relay never fetched a key from where a token told it to.
        expect(attackerSite.requests).toEqual([]);
        await t.stillChatting();
      });
    }
  }
});
