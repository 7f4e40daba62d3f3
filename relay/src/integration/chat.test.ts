import { Client } from '@stomp/stompjs';
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { header } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const ROOMS = { sub: ['/topic/room.*', '/sub/chat/**'], pub: ['/topic/room.*', '/sub/chat/**'] };

/** A @stomp/stompjs client over `ws`, connected, with a message inbox per destination. */
async function stompClient(
  relay: RelayProcess,
  token: string,
): Promise<{ client: Client; inbox: (dest: string) => IMessage[] }> {
  const boxes = new Map<string, IMessage[]>();
  const client = new Client({
    brokerURL: relay.wsUrl,
    webSocketFactory: () => new WebSocket(relay.wsUrl, ['v12.stomp']),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(f.headers.message));
    client.onWebSocketError = () => reject(new Error('websocket error'));
    client.activate();
  });
  return {
    client,
    inbox: (dest) => {
      let box = boxes.get(dest);
      if (!box) {
        const list: IMessage[] = [];
        boxes.set(dest, (box = list));
        client.subscribe(dest, (m) => list.push(m), { id: `sub-${boxes.size}` });
      }
      return box;
    },
  };
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Subscribe and wait for the relay's receipt so later sends are seen. */
async function subscribed(client: Client, inbox: () => IMessage[]): Promise<IMessage[]> {
  const box = inbox();
  const receipt = `r-${Math.random()}`;
  const done = new Promise<void>((r) => client.watchForReceipt(receipt, () => r()));
  client.publish({ destination: '/topic/room.noop', body: '', headers: { receipt } });
  await done;
  return box;
}

describe('relay: a message goes from one client to another', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_CONNECT_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('delivers A → B stamped with the verified sender, time and offset', async () => {
    const a = await stompClient(
      relay,
      signToken(relay.secret, { sub: 'alice', name: 'Alice', parley: ROOMS }),
    );
    const b = await stompClient(relay, signToken(relay.secret, { sub: 'bob', parley: ROOMS }));
    const got = await subscribed(b.client, () => b.inbox('/topic/room.1'));
    const before = Date.now();
    a.client.publish({
      destination: '/topic/room.1',
      body: '{"text":"안녕하세요"}',
      headers: {
        'content-type': 'application/json',
        'x-trace': 'line1:a\\b',
        'parley-sender': 'mallory',
      },
    });
    await eventually(() => got.length === 1);
    const m = got[0]!;
    expect(JSON.parse(m.body)).toEqual({ text: '안녕하세요' });
    expect(m.headers['parley-sender']).toBe('alice');
    expect(m.headers['parley-sender-name']).toBe('Alice');
    expect(m.headers['x-trace']).toBe('line1:a\\b');
    expect(m.headers['content-type']).toBe('application/json');
    expect(m.headers.destination).toBe('/topic/room.1');
    expect(m.headers.subscription).toMatch(/^sub-/);
    expect(m.headers['message-id']).toBeTruthy();
    expect(Number(m.headers['parley-offset'])).toBeGreaterThan(0);
    expect(m.headers['parley-epoch']).toBeTruthy();
    expect(Number(m.headers['parley-timestamp'])).toBeGreaterThanOrEqual(before - 1000);
    await a.client.deactivate();
    await b.client.deactivate();
  });

  it('maps Spring prefixes: SEND /pub/chat/room/1 reaches /sub/chat/room/1', async () => {
    const token = signToken(relay.secret, { sub: 'carol', parley: ROOMS });
    const a = await stompClient(relay, token);
    const got = await subscribed(a.client, () => a.inbox('/sub/chat/room/1'));
    a.client.publish({ destination: '/pub/chat/room/1', body: 'hi' });
    await eventually(() => got.length === 1);
    expect(got[0]!.body).toBe('hi');
    expect(got[0]!.headers.destination).toBe('/sub/chat/room/1');
    await a.client.deactivate();
  });

  it('answers receipts for SUBSCRIBE, SEND and DISCONNECT, then closes cleanly', async () => {
    const c = await rawStomp(relay.wsUrl);
    c.send(connectFrame(signToken(relay.secret, { sub: 'dave', parley: ROOMS })));
    const connected = await c.next('CONNECTED');
    expect(header(connected, 'version')).toBe('1.2');
    expect(header(connected, 'user-name')).toBe('dave');
    c.send('SUBSCRIBE\nid:0\ndestination:/topic/room.r\nreceipt:s1\n\n\0');
    expect(header(await c.next('RECEIPT'), 'receipt-id')).toBe('s1');
    c.send('SEND\ndestination:/topic/room.r\nreceipt:p1\n\nhello\0');
    expect(header(await c.next('RECEIPT'), 'receipt-id')).toBe('p1');
    expect(new TextDecoder().decode((await c.next('MESSAGE')).body)).toBe('hello');
    c.send('DISCONNECT\nreceipt:d1\n\n\0');
    expect(header(await c.next('RECEIPT'), 'receipt-id')).toBe('d1');
    expect((await c.closed).code).toBe(1000);
  });
});

describe('relay: bad input gets ERROR and a close while others keep chatting', () => {
  let relay: RelayProcess;
  let alice: Awaited<ReturnType<typeof stompClient>>;
  let bob: Awaited<ReturnType<typeof stompClient>>;
  let bobGot: IMessage[];
  let round = 0;

  beforeAll(async () => {
    relay = await spawnRelay({
      env: { PARLEY_CONNECT_TIMEOUT_MS: '500', PARLEY_MAX_FRAME_SIZE: '4096' },
    });
    alice = await stompClient(relay, signToken(relay.secret, { sub: 'alice', parley: ROOMS }));
    bob = await stompClient(relay, signToken(relay.secret, { sub: 'bob', parley: ROOMS }));
    bobGot = await subscribed(bob.client, () => bob.inbox('/topic/room.healthy'));
  });
  afterAll(async () => {
    await alice?.client.deactivate();
    await bob?.client.deactivate();
    await relay?.stop();
  });

  /** Alice and Bob still chat after each bad client. */
  async function stillChatting(): Promise<void> {
    const body = `round ${++round}`;
    alice.client.publish({ destination: '/topic/room.healthy', body });
    await eventually(() => bobGot.some((m) => m.body === body));
  }

  const expired = (): string =>
    signToken(relay.secret, { sub: 'eve', parley: ROOMS, exp: Math.floor(Date.now() / 1000) - 60 });

  const cases: Array<{ name: string; frames: () => string[]; reason: string; message: RegExp }> = [
    {
      name: 'bad token',
      frames: () => [connectFrame('not.a.jwt')],
      reason: 'token-invalid',
      message: /invalid token/,
    },
    {
      name: 'token signed with another secret',
      frames: () => [connectFrame(signToken('another-secret-0123456789', { sub: 'eve' }))],
      reason: 'token-invalid',
      message: /signature/,
    },
    {
      name: 'missing token',
      frames: () => [connectFrame(undefined)],
      reason: 'auth-required',
      message: /no token/,
    },
    {
      name: 'frame before CONNECT',
      frames: () => ['SEND\ndestination:/topic/room.1\n\nx\0'],
      reason: 'protocol-error',
      message: /expected CONNECT/,
    },
    {
      name: 'malformed header',
      frames: () => [connectFrame(tokenFor()), 'SEND\nno-colon-here\n\n\0'],
      reason: 'frame-invalid',
      message: /./,
    },
    {
      name: 'bad escape',
      frames: () => [connectFrame(tokenFor()), 'SEND\ndestination:/topic/room.1\nx:a\\tb\n\n\0'],
      reason: 'frame-invalid',
      message: /escape/,
    },
    {
      name: 'unknown command',
      frames: () => [connectFrame(tokenFor()), 'FROB\n\n\0'],
      reason: 'unknown-command',
      message: /FROB/,
    },
    {
      name: 'lower-case command',
      frames: () => [connectFrame(tokenFor()), 'send\ndestination:/x\n\n\0'],
      reason: 'frame-invalid',
      message: /command/,
    },
    {
      name: 'oversized frame',
      frames: () => [
        connectFrame(tokenFor()),
        `SEND\ndestination:/topic/room.1\n\n${'x'.repeat(10_000)}\0`,
      ],
      reason: 'frame-too-large',
      message: /4096/,
    },
    {
      name: 'SEND without destination',
      frames: () => [connectFrame(tokenFor()), 'SEND\n\nx\0'],
      reason: 'protocol-error',
      message: /destination/,
    },
    {
      name: 'SUBSCRIBE without id',
      frames: () => [connectFrame(tokenFor()), 'SUBSCRIBE\ndestination:/topic/room.1\n\n\0'],
      reason: 'protocol-error',
      message: /id/,
    },
    {
      name: 'forbidden destination',
      frames: () => [connectFrame(tokenFor()), 'SUBSCRIBE\nid:1\ndestination:/topic/secret\n\n\0'],
      reason: 'forbidden',
      message: /\/topic\/secret/,
    },
    {
      name: 'dot-dot destination',
      frames: () => [connectFrame(tokenFor()), 'SEND\ndestination:/topic/room.1/../secret\n\n\0'],
      reason: 'destination-invalid',
      message: /\.\./,
    },
    {
      name: 'expired token',
      frames: () => [connectFrame(expired())],
      reason: 'token-expired',
      message: /expired/,
    },
    {
      name: 'no common version',
      frames: () => [connectFrame(tokenFor(), { 'accept-version': '2.0' })],
      reason: 'version-unsupported',
      message: /version/,
    },
  ];

  function tokenFor(): string {
    return signToken(relay.secret, {
      sub: 'eve',
      parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] },
    });
  }

  for (const c of cases) {
    it(`${c.name} → ERROR ${c.reason} and close`, async () => {
      const raw = await rawStomp(relay.wsUrl);
      for (const f of c.frames()) raw.send(f);
      const err = await raw.next('ERROR');
      expect(header(err, 'parley-reason')).toBe(c.reason);
      expect(header(err, 'message')).toMatch(c.message);
      const { code } = await raw.closed;
      expect(code).toBeGreaterThanOrEqual(4000);
      await stillChatting();
    });
  }

  it('counts what happened in /metrics', async () => {
    const text = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    const count = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    expect(
      count(/^parley_session_errors_total\{reason="token-invalid"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(2);
    expect(
      count(/^parley_session_errors_total\{reason="frame-too-large"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(1);
    expect(count(/^parley_messages_published_total (\d+)$/m)).toBeGreaterThanOrEqual(round);
    expect(count(/^parley_messages_delivered_total (\d+)$/m)).toBeGreaterThanOrEqual(round);
    expect(count(/^parley_connects_total (\d+)$/m)).toBeGreaterThanOrEqual(2);
  });

  it('closes a client that never sends CONNECT', async () => {
    const raw = await rawStomp(relay.wsUrl);
    const err = await raw.next('ERROR', 3000);
    expect(header(err, 'parley-reason')).toBe('connect-timeout');
    await raw.closed;
    await stillChatting();
  });

  it('refuses a WebSocket without a STOMP sub-protocol', async () => {
    await expect(rawStomp(relay.wsUrl, { protocols: ['mqtt'] })).rejects.toThrow(/400/);
    await stillChatting();
  });

  it('ERROR echoes the receipt of the failing frame', async () => {
    const raw = await rawStomp(relay.wsUrl);
    raw.send(connectFrame(tokenFor()));
    await raw.next('CONNECTED');
    raw.send('SUBSCRIBE\nid:1\ndestination:/topic/secret\nreceipt:77\n\n\0');
    const err = await raw.next('ERROR');
    expect(header(err, 'receipt-id')).toBe('77');
    await raw.closed;
  });
});

describe('relay process', () => {
  it('serves /healthz, /readyz, the demo page and a dev token in --dev mode', async () => {
    const relay = await spawnRelay({ args: ['--dev'] });
    try {
      expect(relay.output()).toMatch(/native binary loaded/);
      expect(relay.output()).toMatch(/DEVELOPMENT MODE/);
      const health = await fetch(`${relay.httpUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${relay.httpUrl}/readyz`)).status).toBe(200);
      const page = await fetch(`${relay.httpUrl}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      // The demo is the real widget snippet; the bare-SDK page sits beside it.
      expect(await page.text()).toMatch(/\/widget\/parley\.js[\s\S]*Parley\('boot'/);
      expect(await (await fetch(`${relay.httpUrl}/sdk.html`)).text()).toMatch(/createClient/);
      expect((await fetch(`${relay.httpUrl}/nope`)).status).toBe(404);
      const metrics = await (await fetch(`${relay.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^parley_sessions \d+$/m);
      expect(metrics).toMatch(/^parley_broker_ready 1$/m);
      expect(metrics).toMatch(/^parley_process_cpu_user_seconds_total /m);
      // Other methods on every kind of path answer without taking the process down.
      for (const path of ['/', '/healthz', '/sdk/parley-sdk.js', '/nope', '/ws']) {
        for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
          const res = await fetch(`${relay.httpUrl}${path}`, { method });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        }
      }
      expect((await fetch(`${relay.httpUrl}/`, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
      const tok = (await (await fetch(`${relay.httpUrl}/dev/token?sub=zoe`)).json()) as {
        token: string;
      };
      const c = await rawStomp(relay.wsUrl);
      c.send(connectFrame(tok.token));
      await c.next('CONNECTED');
      c.send('SUBSCRIBE\nid:0\ndestination:/topic/anything\nreceipt:1\n\n\0');
      await c.next('RECEIPT');
      c.close();
    } finally {
      expect(await relay.stop()).toBe(0);
    }
  });

  it('has no dev token endpoint outside dev mode', async () => {
    const relay = await spawnRelay();
    try {
      expect((await fetch(`${relay.httpUrl}/dev/token?sub=zoe`)).status).toBe(404);
    } finally {
      await relay.stop();
    }
  });

  it('stops cleanly on SIGTERM, telling connected clients why', async () => {
    const relay = await spawnRelay();
    const c = await rawStomp(relay.wsUrl);
    c.send(connectFrame(signToken(relay.secret, { sub: 'x' })));
    await c.next('CONNECTED');
    const code = await relay.stop();
    expect(code).toBe(0);
    const err = await c.next('ERROR');
    expect(header(err, 'parley-reason')).toBe('server-shutdown');
    expect(relay.output()).toMatch(/stopped/);
  });

  it('checks PARLEY_ALLOWED_ORIGINS at the upgrade; clients without Origin are not browsers', async () => {
    const relay = await spawnRelay({ env: { PARLEY_ALLOWED_ORIGINS: 'https://chat.example.com' } });
    try {
      await expect(
        rawStomp(relay.wsUrl, { headers: { Origin: 'https://evil.example' } }),
      ).rejects.toThrow(/403/);
      const ok = await rawStomp(relay.wsUrl, { headers: { Origin: 'https://chat.example.com' } });
      ok.send(connectFrame(signToken(relay.secret, { sub: 'x' })));
      await ok.next('CONNECTED');
      ok.close();
      const bot = await rawStomp(relay.wsUrl);
      bot.send(connectFrame(signToken(relay.secret, { sub: 'bot' })));
      await bot.next('CONNECTED');
      bot.close();
    } finally {
      await relay.stop();
    }
  });

  it('refuses the slow ws fallback in production unless allowed', async () => {
    const env = { UWS_USE_FALLBACK: '1', NODE_ENV: 'production' };
    await expect(spawnRelay({ env })).rejects.toThrow(
      /exited with 3[\s\S]*did NOT load[\s\S]*PARLEY_ALLOW_WS_FALLBACK/,
    );
    const relay = await spawnRelay({ env: { ...env, PARLEY_ALLOW_WS_FALLBACK: '1' } });
    try {
      expect(relay.output()).toMatch(/"uws":"fallback"/);
      expect(relay.output().indexOf('did NOT load')).toBeLessThan(
        relay.output().indexOf('listening'),
      );
    } finally {
      await relay.stop();
    }
  });

  it('refuses bad configuration with a clear message and exit code 2', async () => {
    await expect(spawnRelay({ env: { PARLEY_PORT: 'eighty' } })).rejects.toThrow(
      /exited with 2[\s\S]*PARLEY_PORT must be a whole number/,
    );
    await expect(spawnRelay({ env: { PARLEY_JWT_SECRET: '' } })).rejects.toThrow(
      /exited with 2[\s\S]*no JWT key/,
    );
  });
});
