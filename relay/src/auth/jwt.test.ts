import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { JwtPayload } from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StompError } from '../reasons.js';
import { createVerifier, principalFrom, tokenFromConnect } from './jwt.js';
import type { Principal } from './principal.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const GRANTS = { sub: ['/topic/room.42', '/topic/lobby.*'], pub: ['/topic/room.42'] };

const nowSec = (): number => Math.floor(Date.now() / 1000);

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/** A token with any header and payload, signed (or not) by hand. */
function handMade(header: object, payload: object, sign?: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${sign ? sign(input) : ''}`;
}

const hs256 = (secret: string | Buffer) => (input: string) =>
  createHmac('sha256', secret).update(input).digest('base64url');

/** Resolves with the StompError the promise rejects with (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<StompError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StompError);
    return err as StompError;
  }
  throw new Error('expected the verifier to reject, it resolved');
}

describe('createVerifier: HS256', () => {
  // Tokens without exp are refused by default (see 'exp rules'); these tests are about the rest.
  const verify = createVerifier({ secret: SECRET, requireExp: false });

  it('turns a good token into a principal', async () => {
    const exp = nowSec() + 600;
    const token = jwt.sign({ sub: 'alice', name: 'Alice', parley: GRANTS, exp }, SECRET, {
      algorithm: 'HS256',
    });
    await expect(verify(token)).resolves.toEqual({
      userId: 'alice',
      name: 'Alice',
      grants: GRANTS,
      expiresAt: exp * 1000,
    } satisfies Principal);
  });

  it('gives a token without parley claim null grants, and no name or expiry when absent', async () => {
    const token = jwt.sign({ sub: 'bob' }, SECRET, { algorithm: 'HS256', noTimestamp: true });
    const p = await verify(token);
    expect(p).toEqual({ userId: 'bob', grants: null });
    expect('name' in p).toBe(false);
    expect('expiresAt' in p).toBe(false);
  });

  it('refuses a token signed with another secret', async () => {
    const token = jwt.sign({ sub: 'alice' }, 'another-secret-of-32-characters!!', {
      algorithm: 'HS256',
    });
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: invalid signature');
  });

  it('refuses a token whose header is JSON but whose payload is not (found by the fuzz suite)', async () => {
    const part = (s: string) => Buffer.from(s).toString('base64url');
    const token = `${part('{"alg":"HS256","typ":"JWT"}')}.${part('{"sub":)\u0000')}.${part('sig')}`;
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: jwt malformed');
  });

  it('refuses an expired token with token-expired', async () => {
    const token = jwt.sign({ sub: 'alice', exp: nowSec() - 60 }, SECRET, { algorithm: 'HS256' });
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-expired');
    expect(err.message).toBe('token expired');
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    const token = jwt.sign({ sub: 'alice', nbf: nowSec() + 600 }, SECRET, { algorithm: 'HS256' });
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: jwt not active');
  });

  it('refuses garbage', async () => {
    for (const token of ['abc', 'a.b', '', 'a.b.c.d']) {
      const err = await rejection(verify(token));
      expect(err.reason).toBe('token-invalid');
      expect(err.message).toMatch(/^invalid token: /);
    }
    expect((await rejection(verify('abc'))).message).toBe('invalid token: jwt malformed');
  });

  it('refuses an unsigned alg:none token', async () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, { sub: 'alice', exp: nowSec() + 600 });
    expect(token.endsWith('.')).toBe(true);
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: algorithm none is not accepted');
  });

  it('refuses alg:none even with a signature part', async () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, { sub: 'alice' }, hs256(SECRET));
    expect((await rejection(verify(token))).reason).toBe('token-invalid');
  });

  it('refuses an HS384 token signed with the right secret (algorithm pinned)', async () => {
    const token = jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS384' });
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: algorithm HS384 is not accepted');
  });

  it('accepts a hand-made HS256 token (the signature check is the one we think)', async () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'carol' }, hs256(SECRET));
    await expect(verify(token)).resolves.toEqual({ userId: 'carol', grants: null });
  });

  it('refuses a sub claim that is missing, empty, not a string, or contains "/"', async () => {
    const cases: Array<[object, string]> = [
      [{ name: 'x' }, 'token has no usable sub claim (user id)'],
      [{ sub: '' }, 'token has no usable sub claim (user id)'],
      [{ sub: 42 }, 'token has no usable sub claim (user id)'],
      [{ sub: 'a'.repeat(201) }, 'token has no usable sub claim (user id)'],
      [{ sub: 'bob/queue' }, 'sub claim may not contain "/", spaces or control characters'],
      [{ sub: 'bob smith' }, 'sub claim may not contain "/", spaces or control characters'],
      [{ sub: 'bob\nx' }, 'sub claim may not contain "/", spaces or control characters'],
    ];
    for (const [claims, message] of cases) {
      const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims, hs256(SECRET));
      const err = await rejection(verify(token));
      expect(err.reason, JSON.stringify(claims)).toBe('token-invalid');
      expect(err.message, JSON.stringify(claims)).toBe(message);
    }
  });

  it('refuses a malformed parley claim', async () => {
    const cases: Array<[unknown, string]> = [
      ['everything', 'claim parley must be an object {sub, pub}'],
      [null, 'claim parley must be an object {sub, pub}'],
      [['/topic/x'], 'claim parley must be an object {sub, pub}'],
      [42, 'claim parley must be an object {sub, pub}'],
      [{ sub: '/topic/x' }, 'claim parley.sub must be a list of strings'],
      [{ sub: [1] }, 'claim parley.sub must be a list of strings'],
      [{ sub: ['/topic/x', null] }, 'claim parley.sub must be a list of strings'],
      [{ sub: [''] }, 'claim parley.sub must be a list of strings'],
      [{ sub: [], pub: { a: 1 } }, 'claim parley.pub must be a list of strings'],
      [{ pub: [['/topic/x']] }, 'claim parley.pub must be a list of strings'],
    ];
    for (const [parley, message] of cases) {
      const token = jwt.sign({ sub: 'alice', parley }, SECRET, { algorithm: 'HS256' });
      const err = await rejection(verify(token));
      expect(err.reason, JSON.stringify(parley)).toBe('token-invalid');
      expect(err.message, JSON.stringify(parley)).toBe(message);
    }
  });
});

describe('createVerifier: issuer and audience', () => {
  const logged: Array<{ obj: object; msg: string }> = [];
  const log = {
    debug: (obj: object, msg: string) => void logged.push({ obj, msg }),
    info: () => undefined,
    warn: () => undefined,
  };
  const verify = createVerifier(
    { secret: SECRET, issuer: 'https://auth.example.com', audience: 'parley' },
    { log },
  );
  const sign = (claims: object) =>
    jwt.sign({ sub: 'alice', ...claims }, SECRET, { algorithm: 'HS256', expiresIn: 600 });

  it('accepts the configured issuer and audience', async () => {
    await expect(
      verify(sign({ iss: 'https://auth.example.com', aud: 'parley' })),
    ).resolves.toMatchObject({
      userId: 'alice',
    });
    await expect(
      verify(sign({ iss: 'https://auth.example.com', aud: ['other', 'parley'] })),
    ).resolves.toMatchObject({ userId: 'alice' });
  });

  it('refuses a wrong or missing issuer without saying which issuer it expects', async () => {
    for (const claims of [{ iss: 'https://evil.example.com', aud: 'parley' }, { aud: 'parley' }]) {
      logged.length = 0;
      const err = await rejection(verify(sign(claims)));
      expect(err.reason).toBe('token-invalid');
      expect(err.message).toBe('token issuer/audience not accepted');
      expect(err.message).not.toContain('auth.example.com');
      // The operator finds the details in the log.
      expect(logged).toEqual([
        {
          msg: 'token refused: issuer or audience',
          obj: expect.objectContaining({ expectedIss: 'https://auth.example.com' }),
        },
      ]);
    }
  });

  it('refuses a wrong or missing audience', async () => {
    for (const claims of [
      { iss: 'https://auth.example.com', aud: 'other' },
      { iss: 'https://auth.example.com' },
    ]) {
      const err = await rejection(verify(sign(claims)));
      expect(err.reason).toBe('token-invalid');
      expect(err.message).toBe('token issuer/audience not accepted');
      expect(err.message).not.toMatch(/expected|parley/);
    }
  });

  it('ignores iss and aud when none is configured', async () => {
    const lax = createVerifier({ secret: SECRET });
    await expect(lax(sign({ iss: 'anyone', aud: 'anything' }))).resolves.toMatchObject({
      userId: 'alice',
    });
  });
});

describe('createVerifier: PARLEY_JWT_PUBLIC_KEY', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const ecPem = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();

  it('verifies RS256 tokens', async () => {
    const verify = createVerifier({ publicKey: rsaPem, requireExp: false });
    const exp = nowSec() + 600;
    const token = jwt.sign({ sub: 'alice', name: 'Alice', parley: GRANTS, exp }, rsa.privateKey, {
      algorithm: 'RS256',
    });
    await expect(verify(token)).resolves.toEqual({
      userId: 'alice',
      name: 'Alice',
      grants: GRANTS,
      expiresAt: exp * 1000,
    });
  });

  it('verifies ES256 tokens', async () => {
    const verify = createVerifier({ publicKey: ecPem, requireExp: false });
    const token = jwt.sign({ sub: 'bob' }, ec.privateKey, {
      algorithm: 'ES256',
      noTimestamp: true,
    });
    await expect(verify(token)).resolves.toEqual({ userId: 'bob', grants: null });
  });

  it('refuses an RS256 token signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ sub: 'alice' }, other.privateKey, { algorithm: 'RS256' });
    const err = await rejection(createVerifier({ publicKey: rsaPem, requireExp: false })(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: invalid signature');
  });

  it('refuses an expired RS256 token with token-expired', async () => {
    const token = jwt.sign({ sub: 'alice', exp: nowSec() - 5 }, rsa.privateKey, {
      algorithm: 'RS256',
    });
    expect(
      (await rejection(createVerifier({ publicKey: rsaPem, requireExp: false })(token))).reason,
    ).toBe('token-expired');
  });

  it('refuses RS384 and PS256 tokens from the right key (algorithm pinned)', async () => {
    const verify = createVerifier({ publicKey: rsaPem, requireExp: false });
    for (const algorithm of ['RS384', 'PS256'] as const) {
      const token = jwt.sign({ sub: 'alice' }, rsa.privateKey, { algorithm });
      const err = await rejection(verify(token));
      expect(err.reason, algorithm).toBe('token-invalid');
      expect(err.message, algorithm).toBe(`invalid token: algorithm ${algorithm} is not accepted`);
    }
  });

  it('refuses an HS256 token forged with the public key PEM as the HMAC secret', async () => {
    for (const pem of [rsaPem, ecPem]) {
      const verify = createVerifier({ publicKey: pem, requireExp: false });
      const forged = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'mallory' }, hs256(pem));
      const err = await rejection(verify(forged));
      expect(err.reason).toBe('token-invalid');
      expect(err.message).toBe('invalid token: algorithm HS256 is not accepted');
    }
  });

  it('refuses alg:none with a public key configured', async () => {
    const token = handMade({ alg: 'none', typ: 'JWT' }, { sub: 'mallory' });
    const err = await rejection(createVerifier({ publicKey: rsaPem, requireExp: false })(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: algorithm none is not accepted');
  });

  it('with a secret and a public key, takes HS256 from the secret and RS256 from the key only', async () => {
    const verify = createVerifier({ secret: SECRET, publicKey: rsaPem, requireExp: false });
    await expect(
      verify(jwt.sign({ sub: 'a' }, SECRET, { algorithm: 'HS256' })),
    ).resolves.toMatchObject({
      userId: 'a',
    });
    await expect(
      verify(jwt.sign({ sub: 'b' }, rsa.privateKey, { algorithm: 'RS256' })),
    ).resolves.toMatchObject({ userId: 'b' });
    const forged = handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 'mallory' }, hs256(rsaPem));
    const err = await rejection(verify(forged));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: invalid signature');
  });
});

describe('createVerifier: PARLEY_JWKS_URL', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  /** The public JWK of a private key, as an identity provider publishes it. */
  const jwk = (privateKey: KeyObject, kid: string, alg: string) => ({
    ...createPublicKey(privateKey).export({ format: 'jwk' }),
    kid,
    alg,
    use: 'sig',
  });
  let server: Server;
  let jwksUrl: string;
  let requests = 0;

  beforeAll(async () => {
    const body = JSON.stringify({
      keys: [jwk(rsa.privateKey, 'rsa-1', 'RS256'), jwk(ec.privateKey, 'ec-1', 'ES256')],
    });
    server = createServer((req, res) => {
      requests++;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('verifies RS256 and ES256 tokens by kid', async () => {
    const verify = createVerifier({ jwksUrl, requireExp: false });
    const before = requests;
    const exp = nowSec() + 600;
    const rsToken = jwt.sign({ sub: 'alice', parley: GRANTS, exp }, rsa.privateKey, {
      algorithm: 'RS256',
      keyid: 'rsa-1',
    });
    await expect(verify(rsToken)).resolves.toEqual({
      userId: 'alice',
      grants: GRANTS,
      expiresAt: exp * 1000,
    });
    const esToken = jwt.sign({ sub: 'bob' }, ec.privateKey, {
      algorithm: 'ES256',
      keyid: 'ec-1',
      noTimestamp: true,
    });
    await expect(verify(esToken)).resolves.toEqual({ userId: 'bob', grants: null });
    expect(requests).toBeGreaterThan(before);
  });

  it('refuses a token whose kid is not in the JWKS', async () => {
    const verify = createVerifier({ jwksUrl, requireExp: false });
    const token = jwt.sign({ sub: 'alice' }, rsa.privateKey, { algorithm: 'RS256', keyid: 'nope' });
    const err = await rejection(verify(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: no signing key matches the token');
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ sub: 'alice' }, other.privateKey, {
      algorithm: 'RS256',
      keyid: 'rsa-1',
    });
    const err = await rejection(createVerifier({ jwksUrl, requireExp: false })(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: invalid signature');
  });

  it('refuses an HS256 token forged with the JWKS public key as HMAC secret', async () => {
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const forged = handMade(
      { alg: 'HS256', typ: 'JWT', kid: 'rsa-1' },
      { sub: 'mallory' },
      hs256(pem),
    );
    const err = await rejection(createVerifier({ jwksUrl, requireExp: false })(forged));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: algorithm HS256 is not accepted');
  });

  it('refuses alg:none with a JWKS configured', async () => {
    const token = handMade({ alg: 'none', typ: 'JWT', kid: 'rsa-1' }, { sub: 'mallory' });
    const err = await rejection(createVerifier({ jwksUrl, requireExp: false })(token));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('invalid token: algorithm none is not accepted');
  });
});

describe('principalFrom', () => {
  it('maps claims to a principal', () => {
    expect(principalFrom({ sub: 'alice', name: 'Alice', parley: GRANTS, exp: 1700000000 })).toEqual(
      {
        userId: 'alice',
        name: 'Alice',
        grants: GRANTS,
        expiresAt: 1_700_000_000_000,
      },
    );
  });

  it('fills missing grant lists with empty ones', () => {
    expect(principalFrom({ sub: 'a', parley: {} }).grants).toEqual({ sub: [], pub: [] });
    expect(principalFrom({ sub: 'a', parley: { sub: ['/topic/x'] } }).grants).toEqual({
      sub: ['/topic/x'],
      pub: [],
    });
  });

  it('ignores a name that is not a string and an exp that is not a number', () => {
    const p = principalFrom({ sub: 'a', name: 42, exp: '1700000000' } as unknown as JwtPayload);
    expect(p).toEqual({ userId: 'a', grants: null });
  });

  it('throws token-invalid StompErrors synchronously', () => {
    expect(() => principalFrom({})).toThrow(StompError);
    try {
      principalFrom({ sub: 'x/y' });
      expect.unreachable();
    } catch (err) {
      expect((err as StompError).reason).toBe('token-invalid');
      expect((err as StompError).message).toBe(
        'sub claim may not contain "/", spaces or control characters',
      );
    }
  });

  it('accepts ids with dots, dashes, @ and non-ASCII letters', () => {
    for (const sub of ['user.1', 'a-b_c', 'x@example.com', '김철수', 'a'.repeat(200)]) {
      expect(principalFrom({ sub }).userId).toBe(sub);
    }
  });
});

describe('tokenFromConnect', () => {
  const from = (headers: Record<string, string>) => tokenFromConnect((name) => headers[name]);

  it.each<[Record<string, string>, string | undefined]>([
    [{ Authorization: 'Bearer x' }, 'x'],
    [{ authorization: 'Bearer x' }, 'x'],
    [{ Authorization: 'bearer x' }, 'x'],
    [{ Authorization: 'BEARER a.b.c' }, 'a.b.c'],
    [{ Authorization: 'Bearer   tok  ' }, 'tok'],
    [{ passcode: 'tok' }, 'tok'],
    [{ login: 'alice', passcode: 'tok' }, 'tok'],
    [{ Authorization: 'Bearer a', passcode: 'b' }, 'a'],
    [{ Authorization: 'Bearer a', authorization: 'Bearer b' }, 'a'],
    [{ Authorization: 'x' }, undefined],
    [{ Authorization: 'Basic dXNlcjpwYXNz' }, undefined],
    [{ Authorization: 'Bearer' }, undefined],
    [{ Authorization: 'Bearer ' }, undefined],
    [{ Authorization: 'Bearer a b' }, undefined],
    [{ Authorization: '' }, undefined],
    [{ passcode: '' }, undefined],
    [{ login: 'alice' }, undefined],
    [{}, undefined],
  ])('%j → %j', (headers, token) => {
    expect(from(headers)).toBe(token);
  });
});

describe('createVerifier: JWKS endpoint down', () => {
  it('reports auth-unavailable without the endpoint address, and never fetches for HS256 tokens', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('down'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    let hits = 0;
    server.on('request', () => hits++);
    const warnings: object[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (o: object) => void warnings.push(o),
    };
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign({ sub: 'alice', exp: nowSec() + 60 }, privateKey, {
        algorithm: 'RS256',
        keyid: 'k1',
      });
      const verify = createVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` }, { log });
      const err = await rejection(verify(token));
      expect(err.reason).toBe('auth-unavailable');
      expect(err.message).toBe('the relay cannot check tokens right now; try again later');
      expect(JSON.stringify(warnings)).toContain(`127.0.0.1:${port}`);
      const before = hits;
      const hs = await rejection(
        verify(jwt.sign({ sub: 'a' }, 'some-secret-0123456789', { algorithm: 'HS256' })),
      );
      expect(hs.message).toBe('invalid token: algorithm HS256 is not accepted');
      expect(hits).toBe(before);
    } finally {
      server.close();
    }
  });

  it('does not echo a connection error (address, errno) to the client', async () => {
    // A port nobody listens on: the fetch fails with ECONNREFUSED 127.0.0.1:<port>.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = jwt.sign({ sub: 'alice', exp: nowSec() + 60 }, privateKey, {
      algorithm: 'ES256',
      keyid: 'k1',
    });
    const err = await rejection(createVerifier({ jwksUrl: `http://127.0.0.1:${port}/j` })(token));
    expect(err.reason).toBe('auth-unavailable');
    expect(err.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|http:|fetch failed/);
  });
});

describe('createVerifier: exp rules', () => {
  const noExp = jwt.sign({ sub: 'bob' }, SECRET, { algorithm: 'HS256' });

  it('refuses a token without exp by default', async () => {
    const err = await rejection(createVerifier({ secret: SECRET })(noExp));
    expect(err.reason).toBe('token-invalid');
    expect(err.message).toBe('token has no exp claim: tokens must expire');
  });

  it('accepts it when requireExp is false (PARLEY_JWT_REQUIRE_EXP=0), with no expiry', async () => {
    const p = await createVerifier({ secret: SECRET, requireExp: false })(noExp);
    expect(p).toEqual({ userId: 'bob', grants: null });
  });

  it('refuses an exp that is not a number, whatever requireExp says', async () => {
    const token = handMade(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'bob', exp: 'later' },
      hs256(SECRET),
    );
    for (const requireExp of [true, false]) {
      const err = await rejection(createVerifier({ secret: SECRET, requireExp })(token));
      expect(err.reason).toBe('token-invalid');
    }
  });

  it('accepts a token with exp by default', async () => {
    const exp = nowSec() + 60;
    const token = jwt.sign({ sub: 'bob', exp }, SECRET, { algorithm: 'HS256' });
    await expect(createVerifier({ secret: SECRET })(token)).resolves.toEqual({
      userId: 'bob',
      grants: null,
      expiresAt: exp * 1000,
    });
  });
});
