import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StompError } from '../reasons.js';
import { JwksKeyNotFoundError, JwksKeyStore, JwksUnavailableError } from './jwks.js';
import { createVerifier } from './jwt.js';

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** The public JWK of a private key, as an identity provider publishes it. */
const jwk = (privateKey: KeyObject, kid: string, alg: string): object => ({
  ...createPublicKey(privateKey).export({ format: 'jwk' }),
  kid,
  alg,
  use: 'sig',
});

const rsa1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

const rs256 = (kid: string, key = rsa1, claims: object = {}): string =>
  jwt.sign({ sub: 'alice', exp: nowSec() + 600, ...claims }, key, {
    algorithm: 'RS256',
    keyid: kid,
  });

/** A JWKS endpoint whose key set and health the test changes. */
class JwksServer {
  keys: object[] = [];
  status = 200;
  fetches = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      this.fetches++;
      if (this.status !== 200) {
        res.writeHead(this.status).end('down');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StompError);
    return (err as StompError).reason;
  }
  return 'resolved';
}

describe('JWKS key set: no lock-out by unknown kids', () => {
  const idp = new JwksServer();
  let clock = 1_000_000;
  const now = (): number => clock;
  beforeAll(() => idp.start());
  afterAll(() => idp.stop());
  beforeEach(() => {
    idp.keys = [jwk(rsa1, 'rsa-1', 'RS256'), jwk(ec1, 'ec-1', 'ES256')];
    idp.status = 200;
    idp.fetches = 0;
    clock += 10_000_000;
  });

  const verifier = (refreshMinMs = 30_000, maxAgeMs = 600_000) =>
    createVerifier(
      { jwksUrl: idp.url, jwksRefreshMinMs: refreshMinMs, jwksMaxAgeMs: maxAgeMs },
      { now },
    );

  it('answers 1000 concurrent garbage kids with token-invalid for one fetch, while a rotated kid connects', async () => {
    const verify = verifier();
    await expect(verify(rs256('rsa-1'))).resolves.toMatchObject({ userId: 'alice' });
    expect(idp.fetches).toBe(1);
    // Rotation: the IdP publishes rsa-2; later the refresh window has passed.
    idp.keys = [...idp.keys, jwk(rsa2, 'rsa-2', 'RS256')];
    clock += 30_000;
    const garbage = Array.from({ length: 1000 }, () =>
      reason(verify(rs256(randomBytes(8).toString('hex')))),
    );
    const valid = verify(rs256('rsa-2', rsa2, { sub: 'bob' }));
    const results = await Promise.all(garbage);
    await expect(valid).resolves.toMatchObject({ userId: 'bob' });
    expect(new Set(results)).toEqual(new Set(['token-invalid']));
    expect(idp.fetches).toBe(2);
  });

  it('refuses an unknown kid within the refresh interval at once, without fetching', async () => {
    const verify = verifier();
    await verify(rs256('rsa-1'));
    const before = idp.fetches;
    clock += 29_999;
    expect(await reason(verify(rs256('never-seen')))).toBe('token-invalid');
    expect(idp.fetches).toBe(before);
  });

  it('never fetches for an implausible kid (too long, odd characters)', async () => {
    const verify = verifier();
    for (const kid of ['x'.repeat(129), 'a b', 'kid\u0000', '"quoted"', '']) {
      expect(await reason(verify(rs256(kid))), JSON.stringify(kid)).toBe('token-invalid');
    }
    expect(idp.fetches).toBe(0);
  });

  it('picks up a rotated key without restart once the refresh interval has passed', async () => {
    const verify = verifier(1000);
    await verify(rs256('rsa-1'));
    idp.keys = [jwk(rsa2, 'rsa-2', 'RS256')];
    clock += 1000;
    await expect(verify(rs256('rsa-2', rsa2))).resolves.toMatchObject({ userId: 'alice' });
    expect(idp.fetches).toBe(2);
  });

  it('stops accepting a removed key after the maximum age', async () => {
    const verify = verifier(1000, 60_000);
    await verify(rs256('rsa-1'));
    idp.keys = [jwk(rsa2, 'rsa-2', 'RS256')];
    clock += 60_000;
    // The stale set still answers this one and is refreshed behind it…
    await expect(verify(rs256('rsa-1'))).resolves.toMatchObject({ userId: 'alice' });
    await new Promise((r) => setTimeout(r, 200));
    expect(idp.fetches).toBe(2);
    // …after which the removed key is unknown.
    expect(await reason(verify(rs256('rsa-1')))).toBe('token-invalid');
  });

  it('keeps cached keys through an outage; an unknown kid is then auth-unavailable', async () => {
    const verify = verifier(1000, 1000);
    await verify(rs256('rsa-1'));
    idp.status = 503;
    clock += 5000;
    await expect(verify(rs256('rsa-1'))).resolves.toMatchObject({ userId: 'alice' });
    await new Promise((r) => setTimeout(r, 100)); // the background refresh fails
    clock += 5000;
    expect(await reason(verify(rs256('rsa-9')))).toBe('auth-unavailable');
    // Garbage kids during the outage cost no extra fetch within the interval.
    const before = idp.fetches;
    for (let i = 0; i < 50; i++) await reason(verify(rs256(`g${i}`)));
    expect(idp.fetches).toBe(before);
  });

  it('is auth-unavailable with no cached key when the endpoint is down from the start', async () => {
    idp.status = 500;
    expect(await reason(verifier()(rs256('rsa-1')))).toBe('auth-unavailable');
  });

  it('refuses a key used with the wrong algorithm (EC key for an RS256 token)', async () => {
    const forged = jwt.sign({ sub: 'eve', exp: nowSec() + 60 }, rsa1, {
      algorithm: 'RS256',
      keyid: 'ec-1',
    });
    expect(await reason(verifier()(forged))).toBe('token-invalid');
  });
});

describe('JwksKeyStore', () => {
  const doc = (keys: object[]): Response =>
    new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } });

  it('shares one fetch between every waiter (single flight)', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = new JwksKeyStore({
      url: 'http://idp.invalid/jwks',
      refreshMinMs: 0,
      maxAgeMs: 60_000,
      fetch: async () => {
        calls++;
        await gate;
        return doc([jwk(rsa1, 'rsa-1', 'RS256')]);
      },
    });
    const waiting = Array.from({ length: 100 }, (_, i) =>
      store.key(i === 0 ? 'rsa-1' : `nope-${i}`, 'RS256').then(
        () => 'ok',
        (err: unknown) => (err instanceof JwksKeyNotFoundError ? 'not-found' : 'other'),
      ),
    );
    release();
    const results = await Promise.all(waiting);
    expect(calls).toBe(1);
    expect(results[0]).toBe('ok');
    expect(results.slice(1).every((r) => r === 'not-found')).toBe(true);
  });

  it('reports fetch failures (with details) to onFetch and throws JwksUnavailableError', async () => {
    const outcomes: unknown[] = [];
    const store = new JwksKeyStore({
      url: 'http://idp.invalid/jwks',
      refreshMinMs: 0,
      maxAgeMs: 60_000,
      fetch: () => Promise.resolve(new Response('{"keys": "nope"}')),
      onFetch: (o) => outcomes.push(o),
    });
    await expect(store.key('k', 'RS256')).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false, url: 'http://idp.invalid/jwks' });
  });

  it('skips keys it cannot use and refuses an oversized document', async () => {
    const kept: string[][] = [];
    const store = new JwksKeyStore({
      url: 'http://idp.invalid/jwks',
      refreshMinMs: 0,
      maxAgeMs: 60_000,
      maxBytes: 4096,
      fetch: () =>
        Promise.resolve(
          doc([
            jwk(rsa1, 'rsa-1', 'RS256'),
            { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
            { ...jwk(rsa2, 'enc', 'RS256'), use: 'enc' },
            { kty: 'RSA', kid: 'broken', e: 'AQAB' },
            { kty: 'EC', crv: 'P-256', kid: 'bad-point', x: 'AA', y: 'AA' },
          ]),
        ),
      onFetch: (o) => {
        if (o.ok) kept.push(o.kids);
      },
    });
    await expect(store.key('rsa-1', 'RS256')).resolves.toBeDefined();
    expect(kept).toEqual([['rsa-1']]);
    const big = new JwksKeyStore({
      url: 'http://idp.invalid/jwks',
      refreshMinMs: 0,
      maxAgeMs: 60_000,
      maxBytes: 100,
      fetch: () => Promise.resolve(doc([jwk(rsa1, 'rsa-1', 'RS256')])),
    });
    await expect(big.key('rsa-1', 'RS256')).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});
