/**
 * Token rules against a real relay process: `exp` required, issuer/audience refusals that do not
 * echo the configuration, a maximum session age, pathological grant patterns, and who may ask
 * `GET /api/online` about whom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { header } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RawStompClient, RelayProcess } from '../testing/index.js';
import { eventually, sleep } from './stomp-clients.js';

const ISSUER = 'https://auth.internal.example/realm-7';
const AUDIENCE = 'parley-internal-audience';
const API_KEY = 'api-key-for-auth-hardening-tests';

async function connect(relay: RelayProcess, token: string): Promise<RawStompClient> {
  const c = await rawStomp(relay.wsUrl);
  c.send(connectFrame(token));
  return c;
}

/** The first CONNECTED or ERROR frame, read without consuming later ones. */
async function answer(c: RawStompClient): Promise<Frame> {
  const first = () => c.frames.find((x) => x.command === 'CONNECTED' || x.command === 'ERROR');
  await eventually(() => first() !== undefined, 5000, 'an answer to CONNECT');
  return first()!;
}

describe('token rules at CONNECT', () => {
  let relay: RelayProcess;
  const claims = { iss: ISSUER, aud: AUDIENCE };

  beforeAll(async () => {
    relay = await spawnRelay({
      env: { PARLEY_JWT_ISSUER: ISSUER, PARLEY_JWT_AUDIENCE: AUDIENCE, PARLEY_LOG_LEVEL: 'debug' },
    });
  });
  afterAll(() => relay?.stop());

  it('refuses a token without exp (it would never expire)', async () => {
    const token = jwt.sign({ sub: 'nox', ...claims }, relay.secret, { algorithm: 'HS256' });
    const f = await answer(await connect(relay, token));
    expect(f.command).toBe('ERROR');
    expect(header(f, 'parley-reason')).toBe('token-invalid');
    expect(header(f, 'message')).toBe('token has no exp claim: tokens must expire');
  });

  it('refuses a wrong issuer or audience without naming the expected ones', async () => {
    for (const bad of [
      { iss: 'https://evil.example', aud: AUDIENCE },
      { iss: ISSUER, aud: 'other' },
    ]) {
      const f = await answer(await connect(relay, signToken(relay.secret, { sub: 'eve', ...bad })));
      expect(f.command).toBe('ERROR');
      expect(header(f, 'parley-reason')).toBe('token-invalid');
      expect(header(f, 'message')).toBe('token issuer/audience not accepted');
      expect(new TextDecoder().decode(f.body)).not.toMatch(/internal|realm-7/);
    }
    // The detail is in the relay's log for the operator.
    await eventually(() => relay.output().includes('token refused: issuer or audience'), 2000);
  });

  it('answers a pathological grant pattern without stalling', async () => {
    const c = await connect(
      relay,
      signToken(relay.secret, {
        sub: 'pat',
        ...claims,
        parley: { sub: ['/topic/*a*a*a*a*a*a*a*a*a*a*a*a*b'], pub: [] },
      }),
    );
    expect((await answer(c)).command).toBe('CONNECTED');
    c.send(`SUBSCRIBE\nid:s\ndestination:/topic/${'a'.repeat(200)}\n\n\0`);
    const f = await c.next('ERROR', 2000);
    expect(header(f, 'parley-reason')).toBe('forbidden');
  });
});

describe('PARLEY_MAX_SESSION_AGE_MS', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_MAX_SESSION_AGE_MS: '1500' } });
  });
  afterAll(() => relay?.stop());

  it('ends a connection older than the maximum age with token-expired, though its token is valid', async () => {
    const c = await connect(
      relay,
      signToken(relay.secret, { sub: 'old' }, { expiresInSeconds: 3600 }),
    );
    expect((await answer(c)).command).toBe('CONNECTED');
    const f = await c.next('ERROR', 5000);
    expect(header(f, 'parley-reason')).toBe('token-expired');
    expect(header(f, 'message')).toBe(
      'session reached its maximum age of 1500 ms: reconnect with a fresh token',
    );
    await c.closed;
  });
});

describe('GET /api/online', () => {
  let relay: RelayProcess;
  const clients: RawStompClient[] = [];
  const online = async (query: string, bearer: string) => {
    const res = await fetch(`${relay.httpUrl}/api/online?${query}`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_API_KEY: API_KEY } });
    const join = async (sub: string, room?: string): Promise<void> => {
      const c = await connect(
        relay,
        signToken(relay.secret, { sub, parley: { sub: ['/topic/**'], pub: [] } }),
      );
      clients.push(c);
      await c.next('CONNECTED');
      if (room) {
        c.send(`SUBSCRIBE\nid:p\ndestination:${room}\nparley-presence:true\nreceipt:r\n\n\0`);
        await c.next('RECEIPT');
      }
    };
    await join('ann', '/topic/room.1');
    await join('ben');
    await join('cid', '/topic/secret.2');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await relay?.stop();
  });

  it('refuses a user token asking about arbitrary users (no destination) with 403', async () => {
    const nobody = signToken(relay.secret, { sub: 'snoop' });
    const r = await online('users=ann,ben,cid', nobody);
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('forbidden');
    expect(r.body.message).toMatch(/needs destination=/);
  });

  it('refuses a room the token may not subscribe to', async () => {
    const nobody = signToken(relay.secret, { sub: 'snoop' });
    const r = await online('users=ann&destination=/topic/room.1', nobody);
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('forbidden');
  });

  it('answers a user token only about members of a room it may subscribe to', async () => {
    const reader = signToken(relay.secret, {
      sub: 'reader',
      parley: { sub: ['/topic/room.*'], pub: [] },
    });
    let r = await online('users=ann,ben,cid&destination=/topic/room.1', reader);
    for (let i = 0; i < 50 && (r.body.online as Record<string, boolean>).ann !== true; i++) {
      await sleep(50); // presence is tracked asynchronously after the RECEIPT
      r = await online('users=ann,ben,cid&destination=/topic/room.1', reader);
    }
    // ben is online but in no room; cid is online in a room the reader may not see.
    expect(r).toEqual({
      status: 200,
      body: { destination: '/topic/room.1', online: { ann: true, ben: false, cid: false } },
    });
  });

  it('answers the API key about anyone', async () => {
    const r = await online('users=ann,ben,cid,zed', API_KEY);
    expect(r).toEqual({
      status: 200,
      body: { online: { ann: true, ben: true, cid: true, zed: false } },
    });
  });
});
