/**
 * Attack suite, JWKS: a local node:http JWKS endpoint the test rotates. Keys rotate without a
 * restart; garbage `kid`s (1 000 CONNECTs of them) cost a bounded number of fetches and never
 * lock out a real, freshly rotated key; `kid` tricks never reach the JWKS URL; and no ERROR ever
 * names an internal address, URL or socket error — also when the JWKS endpoint fails or is down.
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../../codec/index.js';
import type { Frame } from '../../codec/index.js';
import { connectFrame, freePort, rawStomp } from '../../testing/index.js';
import type { RawStompClient } from '../../testing/index.js';
import {
  ACCEPTED_PROBE,
  ROOMS,
  expectConnected,
  expectNoLeak,
  expectRefused,
  startTarget,
  START_TIMEOUT_MS,
} from './fixture.harness.js';
import { eventually, sleep } from '../stomp-clients.js';
import type { Target } from './fixture.harness.js';
import { epoch, forgeJwt, junkSignature, publicJwk, rsaKeys } from './forge.harness.js';
import type { RsaKeys } from './forge.harness.js';
import { jwksServer, localServer } from './servers.harness.js';
import type { JwksServer, LocalServer } from './servers.harness.js';

const k1 = rsaKeys();
const k2 = rsaKeys();
const k3 = rsaKeys();
const evil = rsaKeys();

const signWith = (keys: RsaKeys, kid: string, sub = 'eve'): string =>
  jwt.sign({ sub, name: sub.toUpperCase(), parley: ROOMS }, keys.privateKey, {
    algorithm: 'RS256',
    keyid: kid,
    expiresIn: 3600,
  });

/** A token whose kid is made up: the relay cannot check it without a key for that kid. */
const garbage = (kid: string): string =>
  forgeJwt({ alg: 'RS256', typ: 'JWT', kid }, { sub: 'eve', exp: epoch(3600) }, undefined, {
    sig: junkSignature(256),
  });

/** Error bodies a broken identity provider might send: none of it may reach a client. */
const INTERNAL = 'upstream 10.1.2.3:5432 refused (ECONNREFUSED) see http://idp.internal/debug';

interface Row {
  name: string;
  token: () => string;
  reason: string;
}

const rows: Row[] = [
  {
    name: 'unknown kid, attacker key',
    token: () => signWith(evil, 'not-a-kid'),
    reason: 'token-invalid',
  },
  {
    name: 'no kid, attacker key',
    token: () => jwt.sign({ sub: 'eve' }, evil.privateKey, { algorithm: 'RS256', expiresIn: 60 }),
    reason: 'token-invalid',
  },
  {
    name: 'kid k1, signed by the attacker',
    token: () => signWith(evil, 'k1'),
    reason: 'token-invalid',
  },
  {
    name: 'kid path traversal',
    token: () => signWith(evil, '../../../jwks.json?x=1'),
    reason: 'token-invalid',
  },
  {
    name: 'kid with a URL',
    token: () => signWith(evil, 'http://127.0.0.1:1/evil.json'),
    reason: 'token-invalid',
  },
  { name: 'kid SQL-ish', token: () => signWith(evil, "k1' OR '1'='1"), reason: 'token-invalid' },
  {
    name: 'kid of 4 000 characters',
    token: () => signWith(evil, 'k'.repeat(4000)),
    reason: 'token-invalid',
  },
  {
    name: 'kid with control characters',
    token: () => signWith(evil, 'k1\u0000\r\nx'),
    reason: 'token-invalid',
  },
  {
    name: 'HS256 keyed with the JWKS public key, kid k1',
    token: () => forgeJwt({ alg: 'HS256', kid: 'k1' }, { sub: 'eve', exp: epoch(60) }, k1.pem),
    reason: 'token-invalid',
  },
  {
    name: 'jku pointing at the attacker',
    token: () =>
      forgeJwt(
        { alg: 'RS256', kid: 'evil', jku: `${attacker.url}/jwks.json` },
        { sub: 'eve', exp: epoch(60) },
        evil.privateKey,
      ),
    reason: 'token-invalid',
  },
];

let attacker: LocalServer;

describe('attacks: JWKS rotation, garbage kids and failures; the others keep chatting', () => {
  let jwks: JwksServer;
  let t: Target;

  beforeAll(async () => {
    attacker = await localServer();
    jwks = await jwksServer([publicJwk(k1.publicKey, 'k1')]);
    t = await startTarget({
      env: {
        PARLEY_JWT_SECRET: '',
        PARLEY_JWKS_URL: jwks.jwksUrl,
        PARLEY_JWKS_REFRESH_MIN_MS: '300',
        PARLEY_JWKS_MAX_AGE_MS: '1000',
      },
      sign: (claims) => signWith(k1, 'k1', claims.sub),
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
    await Promise.all([jwks?.close(), attacker?.close()]);
  });

  const connectWith = async (token: string): Promise<RawStompClient> => {
    const raw = await t.raw();
    raw.send(connectFrame(token) + ACCEPTED_PROBE);
    return raw;
  };

  /**
   * CONNECTs with `token` until the first answer satisfies `want` (within 15 s). A new or removed
   * key takes effect at the relay's next JWKS fetch (at most one per PARLEY_JWKS_REFRESH_MIN_MS),
   * so a client retries meanwhile, as a real one would. No answer on the way may leak anything.
   */
  const until = async (
    token: string,
    want: (f: Frame) => boolean,
    what: string,
  ): Promise<RawStompClient> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const raw = await t.raw();
      raw.send(connectFrame(token));
      await eventually(() => raw.frames.length > 0, 10_000, 'CONNECTED or ERROR');
      const first = raw.frames[0]!;
      if (want(first)) return raw;
      expectNoLeak(header(first, 'message') ?? '');
      raw.close();
      if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
      await sleep(100);
    }
  };
  const isConnected = (f: Frame): boolean => f.command === 'CONNECTED';
  const reasonIs =
    (reason: string) =>
    (f: Frame): boolean =>
      f.command === 'ERROR' && header(f, 'parley-reason') === reason;

  it('control: a k1 token connects', async () => {
    await expectConnected(await connectWith(signWith(k1, 'k1')), 'eve');
    await t.stillChatting();
  });

  for (const row of rows) {
    it(`${row.name} → ERROR ${row.reason}, close; the JWKS URL is the only one fetched`, async () => {
      await expectRefused(await connectWith(row.token()), row.reason);
      expect(jwks.requests.every((r) => r === 'GET /jwks.json')).toBe(true);
      expect(attacker.requests).toEqual([]);
      await t.stillChatting();
    });
  }

  it('rotation without restart: a key added to the JWKS connects', async () => {
    jwks.setKeys([publicJwk(k1.publicKey, 'k1'), publicJwk(k2.publicKey, 'k2')]);
    await expectConnected(await until(signWith(k2, 'k2'), isConnected, 'k2 connects'), 'eve');
    await t.stillChatting();
  });

  it('1 000 garbage-kid CONNECTs: few fetches, all token-invalid, and a rotated kid connects meanwhile', async () => {
    const before = jwks.requests.length;
    const kids = Array.from({ length: 1000 }, (_, i) =>
      i % 4 === 3 ? `../${i}/${'x'.repeat(200)}` : randomBytes(12).toString('base64url'),
    );
    let rotated: Promise<void> | undefined;
    for (let i = 0; i < kids.length; i += 50) {
      if (i === 500) {
        // Mid-flood the identity provider publishes k3; a real user signs in with it.
        jwks.setKeys([
          publicJwk(k1.publicKey, 'k1'),
          publicJwk(k2.publicKey, 'k2'),
          publicJwk(k3.publicKey, 'k3'),
        ]);
        rotated = until(signWith(k3, 'k3'), isConnected, 'k3 connects').then((raw) =>
          expectConnected(raw, 'eve'),
        );
      }
      await Promise.all(
        kids.slice(i, i + 50).map(async (kid) => {
          await expectRefused(await connectWith(garbage(kid)), 'token-invalid');
        }),
      );
    }
    await rotated;
    expect(jwks.requests.length - before).toBeLessThan(100);
    await t.stillChatting();
  }, 60_000);

  it('a JWKS endpoint failing with internal details → ERROR auth-unavailable, nothing leaked', async () => {
    jwks.fail(INTERNAL);
    try {
      // An unpublished kid makes the relay fetch again (once the last fetch is old enough): it fails.
      const raw = await until(
        signWith(k2, 'k-unpublished'),
        reasonIs('auth-unavailable'),
        'auth-unavailable',
      );
      await expectRefused(raw, 'auth-unavailable', {
        secrets: ['10.1.2.3', 'idp.internal', jwks.url],
      });
    } finally {
      jwks.fail(undefined);
    }
    await t.stillChatting();
  });

  it('a key removed from the JWKS stops working without restart → ERROR token-invalid', async () => {
    jwks.setKeys([publicJwk(k2.publicKey, 'k2')]);
    // The relay refetches within PARLEY_JWKS_MAX_AGE_MS (1 s here); until then k1 still passes.
    const raw = await until(signWith(k1, 'k1'), reasonIs('token-invalid'), 'k1 refused');
    await expectRefused(raw, 'token-invalid');
    await t.stillChatting();
  });
});

describe('attacks: JWKS endpoint down → auth-unavailable, never an internal address', () => {
  let t: Target;
  let deadUrl: string;

  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await freePort()}/jwks.json`;
    t = await startTarget({ env: { PARLEY_JWKS_URL: deadUrl } });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  for (const kid of ['k1', 'rotated-2025', 'x'.repeat(100)]) {
    it(`RS256 token with kid "${kid.slice(0, 16)}" while the JWKS is unreachable → ERROR auth-unavailable`, async () => {
      const raw = await rawStomp(t.relay.wsUrl);
      raw.send(connectFrame(signWith(k1, kid)) + ACCEPTED_PROBE);
      await expectRefused(raw, 'auth-unavailable', {
        secrets: [deadUrl, String(new URL(deadUrl).port)],
      });
      await t.stillChatting();
    });
  }
});
