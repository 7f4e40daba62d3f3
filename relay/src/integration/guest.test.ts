import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';
import { spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const SITE = 'https://shop.example';
const GRANTS = {
  sub: ['/topic/room.lobby', '/topic/room.support.{guest}'],
  pub: ['/topic/room.support.{guest}'],
};

function guest(relay: RelayProcess, body: unknown, origin: string | null = SITE) {
  return fetch(`${relay.httpUrl}/api/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin !== null && { origin }) },
    body: body === undefined ? '' : JSON.stringify(body),
  });
}

/** Connects with `token` over stompjs and sends to `destination`; resolves to the ERROR or 'ok'. */
function trySend(relay: RelayProcess, token: string, destination: string): Promise<string> {
  return new Promise((resolve) => {
    const client = new Client({
      webSocketFactory: () => new WebSocket(relay.wsUrl, ['v12.stomp'], { origin: SITE }),
      connectHeaders: { Authorization: `Bearer ${token}` },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    const done = (r: string): void => {
      void client.deactivate();
      resolve(r);
    };
    client.onStompError = (f) => done(f.headers.message ?? 'error');
    client.onConnect = () => {
      const receipt = 'r-1';
      client.watchForReceipt(receipt, () => done('ok'));
      client.publish({ destination, body: 'hi', headers: { receipt } });
    };
    client.activate();
  });
}

describe('POST /api/guest, off by default', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay();
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('is a 404', async () => {
    const res = await guest(relay, {});
    expect(res.status).toBe(404);
  });
});

describe('POST /api/guest, on', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        PARLEY_GUEST_GRANTS: JSON.stringify(GRANTS),
        PARLEY_GUEST_TTL_S: '120',
        PARLEY_GUEST_RATE_PER_IP: '5',
        PARLEY_ALLOWED_ORIGINS: SITE,
      },
    });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('mints a short-lived token with the configured grants; the relay accepts and enforces it', async () => {
    const res = await guest(relay, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; guestId: string; userId: string };
    expect(body.guestId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(body.userId).toBe(`guest-${body.guestId}`);
    const claims = jwt.verify(body.token, relay.secret) as jwt.JwtPayload;
    expect(claims.sub).toBe(body.userId);
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.parley).toEqual({
      sub: ['/topic/room.lobby', `/topic/room.support.${body.userId}`],
      pub: [`/topic/room.support.${body.userId}`],
    });
    expect(await trySend(relay, body.token, `/topic/room.support.${body.userId}`)).toBe('ok');
    expect(await trySend(relay, body.token, '/topic/room.support.guest-someone-else')).toMatch(
      /not allowed|forbidden|may not/i,
    );
  });

  it('re-issues a token for a stored guest id, and refuses a malformed one', async () => {
    const first = (await (await guest(relay, {})).json()) as { guestId: string; userId: string };
    const again = await guest(relay, { guestId: first.guestId });
    expect(again.status).toBe(200);
    const body = (await again.json()) as { token: string; userId: string };
    expect(body.userId).toBe(first.userId);
    expect((jwt.decode(body.token) as jwt.JwtPayload).sub).toBe(first.userId);
    expect((await guest(relay, { guestId: 'too-short' })).status).toBe(400);
  });

  it('needs an allowed Origin (and answers the CORS preflight for it only)', async () => {
    const none = await guest(relay, {}, null);
    expect(none.status, await none.text()).toBe(403);
    expect((await guest(relay, {}, 'https://evil.example')).status).toBe(403);
    const pre = await fetch(`${relay.httpUrl}/api/guest`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(SITE);
    const evil = await fetch(`${relay.httpUrl}/api/guest`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is rate-limited per address (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await guest(relay, {});
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

describe('guest mode without an HS256 secret', () => {
  it('refuses to start with a clear configuration error', async () => {
    const { publicKey } = await import('node:crypto').then((c) =>
      c.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    );
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const started = spawnRelay({
      env: {
        PARLEY_JWT_SECRET: '',
        PARLEY_JWT_PUBLIC_KEY: pem,
        PARLEY_GUEST_ENABLED: '1',
        PARLEY_ALLOWED_ORIGINS: SITE,
      },
      timeoutMs: 8000,
    });
    await expect(started).rejects.toThrow(/guest mode needs PARLEY_JWT_SECRET/);
  });
});
