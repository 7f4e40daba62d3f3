import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const API_KEY = 'test-api-key-0123456789';

describe('HTTP API: POST /api/publish and GET /api/history', () => {
  let relay: RelayProcess;
  const post = (body: unknown, auth = API_KEY, type = 'application/json') =>
    fetch(`${relay.httpUrl}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const history = (query: string, auth = API_KEY) =>
    fetch(`${relay.httpUrl}/api/history?${query}`, {
      headers: { authorization: `Bearer ${auth}` },
    });
  const alice = () =>
    signToken(relay.secret, {
      sub: 'alice',
      name: 'Alice',
      parley: { sub: ['/topic/room.*'], pub: ['/topic/room.1'] },
    });

  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_API_KEY: API_KEY, PARLEY_MAX_FRAME_SIZE: '4096' } });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('publishes with the API key to live subscribers and returns the offset', async () => {
    const c = await rawStomp(relay.wsUrl);
    c.send(connectFrame(alice()));
    await c.next('CONNECTED');
    c.send('SUBSCRIBE\nid:0\ndestination:/topic/room.1\nreceipt:s\n\n\0');
    await c.next('RECEIPT');
    const res = await post({
      destination: '/topic/room.1',
      body: { text: '공지' },
      sender: 'bot-1',
      senderName: 'Bot',
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { offset: number; epoch: string; id: string };
    expect(out.offset).toBeGreaterThan(0);
    const m = await c.next('MESSAGE');
    expect(JSON.parse(new TextDecoder().decode(m.body))).toEqual({ text: '공지' });
    expect(header(m, 'parley-sender')).toBe('bot-1');
    expect(header(m, 'parley-sender-name')).toBe('Bot');
    expect(header(m, 'content-type')).toBe('application/json');
    expect(header(m, 'parley-offset')).toBe(String(out.offset));
    c.close();
  });

  it('publishes a batch in order, and refuses a batch with one bad message whole', async () => {
    const ok = await post({
      messages: [1, 2, 3].map((i) => ({ destination: '/topic/room.batch', body: `b${i}` })),
    });
    const { results } = (await ok.json()) as { results: Array<{ offset: number }> };
    expect(results.map((r) => r.offset)).toEqual([1, 2, 3]);
    const bad = await post({
      messages: [
        { destination: '/topic/room.batch', body: 'b4' },
        { destination: '/topic/a/../b', body: 'x' },
      ],
    });
    expect(bad.status).toBe(400);
    const page = (await (await history('destination=/topic/room.batch')).json()) as {
      messages: Array<{ body: string }>;
    };
    expect(page.messages.map((m) => m.body)).toEqual(['b1', 'b2', 'b3']);
  });

  it('lets a user token publish where it may, as itself, and nowhere else', async () => {
    const ok = await post(
      { destination: '/topic/room.1', body: 'from alice', sender: 'mallory' },
      alice(),
    );
    expect(ok.status).toBe(200);
    const forbidden = await post({ destination: '/topic/room.2', body: 'x' }, alice());
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: 'forbidden' });
    const page = (await (await history('destination=/topic/room.1&limit=1')).json()) as {
      messages: Array<{ sender: string }>;
    };
    expect(page.messages[0]!.sender).toBe('alice');
  });

  it('pages history back with before and limit, and checks read rights', async () => {
    for (let i = 1; i <= 5; i++) await post({ destination: '/topic/room.page', body: `p${i}` });
    const res = await history('destination=/topic/room.page&before=5&limit=2', alice());
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      messages: Array<{ body: string; offset: number }>;
      first: number;
      last: number;
    };
    expect(page.messages.map((m) => m.body)).toEqual(['p3', 'p4']);
    expect(page.last).toBe(5);
    const bin = await post({
      destination: '/topic/room.page',
      body: Buffer.from([0, 255, 1]).toString('base64'),
      encoding: 'base64',
    });
    expect(bin.status).toBe(200);
    const last = (await (await history('destination=/topic/room.page&after=5')).json()) as {
      messages: Array<{ body: string; encoding: string }>;
    };
    expect(last.messages[0]).toMatchObject({ body: 'AP8B', encoding: 'base64' });
    expect((await history('destination=/topic/secret', alice())).status).toBe(403);
  });

  it.each([
    [
      'no auth',
      () =>
        fetch(`${relay.httpUrl}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      401,
      'auth-required',
    ],
    [
      'bad token',
      () => post({ destination: '/topic/room.1', body: 'x' }, 'not-a-jwt'),
      401,
      'token-invalid',
    ],
    ['not JSON', () => post('{nope'), 400, 'bad-request'],
    ['wrong content type', () => post('{}', API_KEY, 'text/plain'), 415, 'bad-request'],
    ['missing destination', () => post({ body: 'x' }), 400, 'bad-request'],
    [
      'reserved header',
      () => post({ destination: '/topic/room.1', body: 'x', headers: { 'parley-sender': 'x' } }),
      400,
      'bad-request',
    ],
    [
      'message over the frame limit',
      () => post({ destination: '/topic/room.1', body: 'x'.repeat(5000) }),
      413,
      'bad-request',
    ],
    [
      'body over 1 MiB',
      () => post({ destination: '/topic/room.1', body: 'x'.repeat(1_100_000) }),
      413,
      'payload-too-large',
    ],
    [
      'history without a token',
      () => fetch(`${relay.httpUrl}/api/history?destination=/topic/room.1`),
      401,
      'auth-required',
    ],
    [
      'history with a bad limit',
      () => history('destination=/topic/room.1&limit=0'),
      400,
      'bad-request',
    ],
  ] as const)('refuses %s with %s', async (_name, call, status, error) => {
    const res = await call();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(error);
    expect(body.message.length).toBeGreaterThan(5);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
  });
});
