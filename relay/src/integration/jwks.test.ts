/**
 * JWKS against a real relay process and a local JWKS endpoint (node:http on 127.0.0.1): a flood
 * of CONNECTs with made-up `kid`s must not lock out a real user whose key was just rotated in,
 * must cost a bounded number of fetches, and a JWKS outage must not leak the endpoint's address.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import { connectFrame, rawStomp, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { sleep } from './stomp-clients.js';

const REFRESH_MIN_MS = 1000;
const GARBAGE = 1000;
const CONCURRENCY = 50;

const jwk = (privateKey: KeyObject, kid: string): object => ({
  ...createPublicKey(privateKey).export({ format: 'jwk' }),
  kid,
  alg: 'RS256',
  use: 'sig',
});

const key1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const key2 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const key3 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const token = (sub: string, kid: string, key: KeyObject): string =>
  jwt.sign({ sub, parley: { sub: ['/topic/room.*'], pub: [] } }, key, {
    algorithm: 'RS256',
    keyid: kid,
    expiresIn: 600,
  });

/** Opens a socket, sends CONNECT, and resolves with the first CONNECTED or ERROR frame. */
async function connectOnce(url: string, jwtToken: string): Promise<Frame> {
  const c = await rawStomp(url);
  try {
    c.send(connectFrame(jwtToken));
    await Promise.race([c.next('CONNECTED', 15_000), c.next('ERROR', 15_000)]).catch(() => {});
    const f = c.frames.find((x) => x.command === 'CONNECTED' || x.command === 'ERROR');
    if (!f) throw new Error(`no answer to CONNECT; got ${c.frames.map((x) => x.command).join()}`);
    return f;
  } finally {
    c.close();
  }
}

describe('JWKS: a garbage-kid flood does not lock out real users', () => {
  let idp: Server;
  let keys: object[] = [jwk(key1, 'key-1')];
  let status = 200;
  let fetches = 0;
  let relay: RelayProcess;
  let jwksUrl: string;

  beforeAll(async () => {
    idp = createServer((_req, res) => {
      fetches++;
      if (status !== 200) {
        res.writeHead(status).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    relay = await spawnRelay({
      env: {
        PARLEY_JWKS_URL: jwksUrl,
        PARLEY_JWKS_REFRESH_MIN_MS: String(REFRESH_MIN_MS),
        PARLEY_LOG_LEVEL: 'info',
        // This test floods from one address on purpose.
        PARLEY_MAX_CONNECTIONS_PER_IP: '0',
        PARLEY_CONNECT_RATE_PER_IP: '0',
      },
    });
  });

  afterAll(async () => {
    await relay?.stop();
    idp.closeAllConnections();
    await new Promise<void>((r) => idp.close(() => r()));
  });

  it(`connects a user whose kid was just rotated in while ${GARBAGE} garbage-kid CONNECTs arrive`, async () => {
    // A first user loads the key set (one fetch).
    expect((await connectOnce(relay.wsUrl, token('alice', 'key-1', key1))).command).toBe(
      'CONNECTED',
    );
    expect(fetches).toBe(1);
    // Rotation at the identity provider, without restarting the relay.
    keys = [jwk(key1, 'key-1'), jwk(key2, 'key-2')];
    await sleep(REFRESH_MIN_MS + 100);
    const before = fetches;
    const started = Date.now();

    const reasons = new Map<string, number>();
    const messages = new Set<string>();
    let sent = 0;
    let validResult: Promise<Frame> | undefined;
    const worker = async (): Promise<void> => {
      while (sent < GARBAGE) {
        sent++;
        // Bring in the real user while the flood is in full swing.
        if (sent === 100) validResult = connectOnce(relay.wsUrl, token('bob', 'key-2', key2));
        const kid = randomBytes(6).toString('hex');
        const f = await connectOnce(relay.wsUrl, token(`g${sent}`, kid, key3));
        const r = `${f.command}:${header(f, 'parley-reason') ?? ''}`;
        reasons.set(r, (reasons.get(r) ?? 0) + 1);
        messages.add(header(f, 'message') ?? '');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const valid = await validResult!;
    const elapsed = Date.now() - started;

    expect(valid.command, header(valid, 'message')).toBe('CONNECTED');
    expect(header(valid, 'user-name')).toBe('bob');
    expect(Object.fromEntries(reasons)).toEqual({ 'ERROR:token-invalid': GARBAGE });
    expect([...messages]).toEqual(['invalid token: no signing key matches the token']);
    // At most one fetch per refresh interval, whatever the flood (jwks-rsa: one per unknown kid).
    expect(fetches - before).toBeGreaterThanOrEqual(1);
    expect(fetches - before).toBeLessThanOrEqual(Math.ceil(elapsed / REFRESH_MIN_MS) + 1);
  });

  it('keeps known keys through a JWKS outage; an unknown kid is auth-unavailable without the address', async () => {
    status = 503;
    await sleep(REFRESH_MIN_MS + 100);
    expect((await connectOnce(relay.wsUrl, token('carol', 'key-2', key2))).command).toBe(
      'CONNECTED',
    );
    const f = await connectOnce(relay.wsUrl, token('dave', 'key-new', key3));
    expect(f.command).toBe('ERROR');
    expect(header(f, 'parley-reason')).toBe('auth-unavailable');
    const message = header(f, 'message') ?? '';
    expect(message).toBe('the relay cannot check tokens right now; try again later');
    expect(message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|jwks|http/i);
    // The operator sees the details in the log.
    expect(relay.output()).toContain('JWKS fetch failed');
    status = 200;
  });
});
