/**
 * A token provider that fetches a token endpoint (the usual browser setup), with the endpoint's
 * edge cases played by msw: it fails, it is slow, it hands out an expired token, it says 401.
 */
import { HttpResponse, delay, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import type { ParleyClient } from './client.js';
import { UnauthorizedError } from './errors.js';
import { FakeRelay } from './test/fake-relay.js';
import { tokenTimes } from './token-schedule.js';

const TOKEN_URL = 'https://app.test/api/chat-token';
const server = setupServer();
const clients: ParleyClient[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  for (const c of clients.splice(0)) c.dispose();
});
afterAll(() => server.close());

/** The provider docs/sdk.md recommends. */
async function fetchToken(): Promise<string> {
  const res = await fetch(TOKEN_URL);
  if (res.status === 401) throw new UnauthorizedError('logged out');
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  return res.text();
}

function jwt(expInSeconds: number): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256' })}.${enc({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + expInSeconds })}.x`;
}

/** A fake relay that refuses expired tokens the way the real one does. */
function relay(): FakeRelay {
  const r = new FakeRelay();
  r.authorize = (headers) => {
    const token = (headers['Authorization'] ?? '').replace(/^Bearer /, '');
    const { exp } = tokenTimes(token);
    if (exp !== undefined && exp * 1000 <= Date.now()) {
      return { accept: false, reason: 'token-expired', message: 'token expired' };
    }
    return { accept: true, user: 'alice' };
  };
  return r;
}

function client(r: FakeRelay, connectTimeoutMs = 5000) {
  const c = createClient({
    url: 'ws://relay.test/ws',
    token: fetchToken,
    webSocketFactory: r.factory,
    heartbeatMs: 0,
    connectTimeoutMs,
    environment: null,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
  });
  clients.push(c);
  return c;
}

describe('token endpoint edge cases (msw)', () => {
  it('retries with backoff while the endpoint fails, then connects', async () => {
    let calls = 0;
    server.use(
      http.get(TOKEN_URL, () => {
        calls++;
        return calls <= 2
          ? new HttpResponse('down', { status: 503 })
          : HttpResponse.text(jwt(3600));
      }),
    );
    const r = relay();
    const c = client(r);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.reason));
    await c.connect();
    expect(calls).toBe(3);
    expect(errors).toEqual(['token-unavailable', 'token-unavailable']);
    expect(r.sockets).toHaveLength(1);
  });

  it('gives up on a slow endpoint after connectTimeoutMs and tries again', async () => {
    let calls = 0;
    server.use(
      http.get(TOKEN_URL, async () => {
        calls++;
        if (calls === 1) await delay(2000);
        return HttpResponse.text(jwt(3600));
      }),
    );
    const c = client(relay(), 300);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.reason));
    const started = Date.now();
    await c.connect();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(errors).toEqual(['timeout']);
    expect(calls).toBe(2);
  });

  it('an endpoint handing out an expired token: one fresh try, then failed', async () => {
    let calls = 0;
    server.use(
      http.get(TOKEN_URL, () => {
        calls++;
        return HttpResponse.text(jwt(-60));
      }),
    );
    const r = relay();
    const c = client(r);
    await expect(c.connect()).rejects.toMatchObject({ reason: 'token-expired' });
    expect(c.state).toBe('failed');
    expect(calls).toBe(2);
    expect(r.sockets).toHaveLength(2);
  });

  it('an expired token once, then a good one: connected', async () => {
    let calls = 0;
    server.use(
      http.get(TOKEN_URL, () => {
        calls++;
        return HttpResponse.text(jwt(calls === 1 ? -60 : 3600));
      }),
    );
    const c = client(relay());
    await c.connect();
    expect(c.state).toBe('connected');
  });

  it('401 from the endpoint → UnauthorizedError → failed, no socket', async () => {
    server.use(http.get(TOKEN_URL, () => new HttpResponse(null, { status: 401 })));
    const r = relay();
    const c = client(r);
    await expect(c.connect()).rejects.toMatchObject({ reason: 'unauthorized' });
    expect(c.state).toBe('failed');
    expect(r.sockets).toHaveLength(0);
  });
});
