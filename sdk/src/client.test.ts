import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from './client.js';
import type { ParleyClient } from './client.js';
import { ParleyError, UnauthorizedError } from './errors.js';
import type { ChatMessage, ClientOptions, EnvironmentLike } from './types.js';
import type { ClientEvents, ResyncEvent } from './events.js';
import { FakeRelay } from './test/fake-relay.js';

const URL = 'ws://relay.test/ws';
const clients: ParleyClient[] = [];
const fast = { initialDelayMs: 10, maxDelayMs: 50, stableAfterMs: 10_000, shutdownSpreadMs: 30 };

function setup(options: Partial<ClientOptions> = {}, relay = new FakeRelay()) {
  const client = createClient({
    url: URL,
    token: 'alice',
    webSocketFactory: relay.factory,
    heartbeatMs: 0,
    reconnect: fast,
    environment: null,
    ...options,
  });
  clients.push(client);
  const states: string[] = [];
  client.on('state', ({ newState }) => states.push(newState));
  return { relay, client, states };
}

function next<K extends keyof ClientEvents>(
  client: ParleyClient,
  event: K,
): Promise<ClientEvents[K]> {
  return new Promise((resolve) => {
    const off = client.on(event, (payload) => {
      off();
      resolve(payload);
    });
  });
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await tick(5);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** An unsigned JWT with the given claims (the fake relay does not verify). */
function jwt(claims: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256' })}.${enc(claims)}.x`;
}

function fakeEnvironment() {
  let listener: ((e: 'online' | 'offline' | 'visible') => void) | undefined;
  let subscribed = 0;
  const env: EnvironmentLike = {
    isOnline: () => true,
    subscribe(l) {
      listener = l;
      subscribed++;
      return () => {
        listener = undefined;
        subscribed--;
      };
    },
  };
  return {
    env,
    fire: (e: 'online' | 'offline' | 'visible') => listener?.(e),
    subscribed: () => subscribed,
  };
}

afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
  vi.useRealTimers();
});

describe('createClient', () => {
  it('validates options and starts idle without connecting', () => {
    const factory = new FakeRelay().factory;
    expect(() => createClient({ url: '', token: 't', webSocketFactory: factory })).toThrow(
      TypeError,
    );
    expect(() => createClient({ url: [], token: 't', webSocketFactory: factory })).toThrow(
      TypeError,
    );
    expect(() =>
      createClient({ url: URL, token: 't', webSocketFactory: factory, outbox: { maxMessages: 0 } }),
    ).toThrow(/maxMessages/);
    const { client, relay } = setup();
    expect(client.state).toBe('idle');
    expect(relay.sockets).toHaveLength(0);
  });
});

describe('connection', () => {
  it('opens one socket for concurrent and repeated connect() calls (StrictMode)', async () => {
    const { client, relay } = setup();
    const [a, b] = [client.connect(), client.connect()];
    await Promise.all([a, b, client.connect()]);
    expect(relay.sockets).toHaveLength(1);
    // StrictMode: effect, cleanup, effect again.
    await client.disconnect();
    await Promise.all([client.connect(), client.connect()]);
    expect(relay.open).toHaveLength(1);
    expect(client.state).toBe('connected');
  });

  it('reconnects on its own after a drop, with resubscribe and caughtUp', async () => {
    const { client, relay, states } = setup();
    const room = client.room('lobby');
    const got: string[] = [];
    room.on('message', (m: ChatMessage) => got.push(m.body));
    await client.connect();
    relay.publish('/topic/room.lobby', { id: 'bob' }, 'one');
    await until(() => got.length === 1);
    const caughtUp = next(client, 'caughtUp');
    relay.last.drop();
    await caughtUp;
    expect(client.caughtUp).toBe(true);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    const subscribe = relay.last.frames.find((f) => f.command === 'SUBSCRIBE');
    expect(subscribe?.headers).toMatchObject({ 'parley-since': '1', 'parley-epoch': 'e1' });
    expect(subscribe?.headers['receipt']).toBeDefined();
    relay.publish('/topic/room.lobby', { id: 'bob' }, 'two');
    await until(() => got.length === 2);
    expect(got).toEqual(['one', 'two']);
  });

  it('resyncs a room from history when the relay cannot replay, once', async () => {
    const { client, relay } = setup();
    const room = client.room('lobby');
    const got: string[] = [];
    const resyncs: ResyncEvent[] = [];
    room.on('message', (m) => got.push(m.body));
    room.on('resync', (e) => resyncs.push(e));
    await client.connect();
    relay.publish('/topic/room.lobby', { id: 'bob' }, 'old');
    await until(() => got.length === 1);
    relay.last.drop();
    relay.restart('e2');
    relay.recovered = false;
    relay.publish('/topic/room.lobby', { id: 'bob' }, 'while away');
    await next(client, 'caughtUp');
    expect(resyncs).toHaveLength(1);
    expect(resyncs[0]?.epoch).toBe('e2');
    expect(resyncs[0]?.messages.map((m) => m.body)).toEqual(['while away']);
    relay.publish('/topic/room.lobby', { id: 'bob' }, 'live');
    await until(() => got.includes('live'));
    expect(got).toEqual(['old', 'live']);
  });

  it('refuses a static token for good: failed, no retry, connect() rejects', async () => {
    const { client, relay } = setup({ token: 'bad' });
    const failed = next(client, 'failed');
    await expect(client.connect()).rejects.toMatchObject({ reason: 'token-invalid' });
    expect((await failed).error.reason).toBe('token-invalid');
    expect(client.state).toBe('failed');
    await tick(80);
    expect(relay.sockets).toHaveLength(1);
  });

  it('gives a token provider one more try after a refusal, then fails', async () => {
    const token = vi.fn(() => 'bad');
    const { client, relay } = setup({ token });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'token-invalid' });
    expect(token).toHaveBeenCalledTimes(2);
    expect(relay.sockets).toHaveLength(2);
    await tick(80);
    expect(relay.sockets).toHaveLength(2);
  });

  it('stops at once when the provider throws UnauthorizedError, opening no socket', async () => {
    const { client, relay } = setup({
      token: () => Promise.reject(new UnauthorizedError('logged out')),
    });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'unauthorized' });
    expect(client.state).toBe('failed');
    expect(relay.sockets).toHaveLength(0);
  });

  it('retries other provider errors with backoff', async () => {
    let calls = 0;
    const { client, relay } = setup({
      token: () => {
        calls++;
        if (calls < 3) throw new Error('token server down');
        return 'alice';
      },
    });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.reason));
    await client.connect();
    expect(calls).toBe(3);
    expect(errors).toEqual(['token-unavailable', 'token-unavailable']);
    expect(relay.sockets).toHaveLength(1);
  });

  it('reconnects promptly but spread after server-shutdown, within parley-reconnect-after', async () => {
    const { client, relay } = setup({
      random: () => 0.99,
      reconnect: { ...fast, initialDelayMs: 60_000 },
    });
    await client.connect();
    const started = Date.now();
    relay.fail(relay.last, 'server-shutdown', 'stopping', { 'parley-reconnect-after': '40' });
    await until(() => relay.sockets.length === 2 && client.state === 'connected');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('moves to the next URL after a lost connection', async () => {
    const relay = new FakeRelay();
    const urls: string[] = [];
    const { client } = setup({
      url: ['ws://a/ws', 'ws://b/ws'],
      webSocketFactory: (url, p) => {
        urls.push(url);
        return relay.factory(url, p);
      },
    });
    const connected: string[] = [];
    client.on('connected', (e) => connected.push(e.url));
    await client.connect();
    relay.last.drop();
    await until(() => connected.length === 2);
    expect(connected).toEqual(['ws://a/ws', 'ws://b/ws']);
  });

  it('waits while offline and reconnects at once when online or visible', async () => {
    const { env, fire } = fakeEnvironment();
    const { client, relay } = setup({
      environment: env,
      random: () => 0.99,
      reconnect: { ...fast, initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    await client.connect();
    fire('offline');
    relay.refuseConnections = true;
    relay.last.drop();
    await tick(50);
    expect(client.state).toBe('reconnecting');
    expect(relay.sockets).toHaveLength(1);
    relay.refuseConnections = false;
    fire('online');
    await until(() => client.state === 'connected');
    expect(relay.sockets).toHaveLength(2);
    // Down again with a minute of backoff ahead: becoming visible skips the wait.
    relay.last.drop();
    await tick(30);
    expect(client.state).toBe('reconnecting');
    expect(relay.sockets).toHaveLength(2);
    fire('visible');
    await until(() => client.state === 'connected');
  });
});

describe('refused subscriptions', () => {
  it('reports a refused room on the room and does not subscribe it again (no loop)', async () => {
    const { client, relay } = setup();
    const room = client.room('forbidden');
    const errors: string[] = [];
    room.on('error', (e) => errors.push(e.reason));
    room.on('message', () => {});
    await client.connect();
    await until(
      () => errors.length === 1 && client.state === 'connected' && relay.sockets.length === 2,
    );
    await tick(100);
    expect(errors).toEqual(['forbidden']);
    expect(relay.sockets).toHaveLength(2);
    expect(client.caughtUp).toBe(true);
  });
});

describe('outbox', () => {
  it('queues sends made while not connected and flushes them in order after connect', async () => {
    const { client, relay } = setup();
    const room = client.room('lobby');
    const statuses: string[] = [];
    client.on('outbox', (m) => statuses.push(`${m.body}:${m.status}`));
    const a = room.send('a');
    const b = room.send('b');
    expect(a.outgoing.status).toBe('pending');
    expect(client.pendingMessages).toBe(2);
    await client.connect();
    const [ra, rb] = await Promise.all([a, b]);
    expect(rb.offset).toBe(ra.offset + 1);
    // Own messages count as read: a read mark follows them (not a message).
    const sends = relay.last.frames.filter(
      (f) => f.command === 'SEND' && f.headers['parley-kind'] === undefined,
    );
    expect(sends.map((f) => f.body)).toEqual(['a', 'b']);
    expect(sends[0]?.headers['parley-client-id']).toBe(a.clientId);
    expect(statuses).toEqual(['a:pending', 'b:pending', 'a:sent', 'b:sent']);
  });

  it('resends a message whose receipt was lost with the same client id', async () => {
    const { client, relay } = setup();
    await client.connect();
    relay.last.drop(); // lost before anything: the send below waits
    const p = client.room('lobby').send('x');
    await p;
    const ids = relay.sockets.flatMap((s) =>
      s.frames
        .filter((f) => f.command === 'SEND' && f.headers['parley-kind'] === undefined)
        .map((f) => f.headers['parley-client-id']),
    );
    expect(ids).toEqual([p.clientId]);
  });

  it('fails a refused send at once without retrying it', async () => {
    const { client, relay } = setup();
    await client.connect();
    const room = client.room('forbidden');
    const p = room.send('no');
    await expect(p).rejects.toMatchObject({ reason: 'forbidden' });
    await until(() => client.state === 'connected' && relay.sockets.length === 2);
    await tick(30);
    const resent = relay.sockets[1]?.frames.filter((f) => f.command === 'SEND') ?? [];
    expect(resent).toHaveLength(0);
  });

  it('refuses with outbox-full past its bounds', async () => {
    const { client } = setup({ outbox: { maxMessages: 1 } });
    void client.room('lobby').send('1');
    await expect(client.room('lobby').send('2')).rejects.toMatchObject({ reason: 'outbox-full' });
  });
});

describe('token refresh', () => {
  it('refreshes at exp − 10 % of the lifetime, then again for the new token (fake timers)', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const token = vi.fn(() => {
      const now = Math.floor(Date.now() / 1000);
      return jwt({ sub: 'alice', iat: now, exp: now + 3600 });
    });
    const { client, relay } = setup({ token });
    const connected = client.connect();
    await vi.advanceTimersByTimeAsync(20);
    await connected;
    expect(token).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3240_000 - 20 - 1);
    expect(relay.refreshedTokens).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(25);
    expect(relay.refreshedTokens).toHaveLength(1);
    expect(token).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3240_000);
    expect(relay.refreshedTokens).toHaveLength(2);
    expect(relay.sockets).toHaveLength(1);
  });

  it('refreshes in place before exp, without reconnecting', async () => {
    let n = 0;
    const token = () => jwt({ sub: 'alice', n: ++n, exp: Math.floor(Date.now() / 1000) + 2 });
    const { client, relay } = setup({ token });
    const refreshed = new Promise<ClientEvents['token']>((resolve) => {
      client.on('token', (e) => e.inPlace && resolve(e));
    });
    await client.connect();
    await refreshed;
    expect(relay.sockets).toHaveLength(1);
    expect(relay.refreshedTokens).toHaveLength(1);
  });

  it('reconnects with a fresh token when refreshInPlace is off', async () => {
    const token = () => jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 2 });
    const { client, relay } = setup({ token, refreshInPlace: false });
    await client.connect();
    await until(() => relay.sockets.length === 2 && client.state === 'connected', 'reconnect');
    expect(relay.refreshedTokens).toHaveLength(0);
  });

  it('falls back to reconnecting on a relay without /parley/token', async () => {
    const token = () => jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 2 });
    const relay = new FakeRelay();
    relay.tokenRefreshUnsupported = true;
    const { client } = setup({ token }, relay);
    await client.connect();
    await until(() => relay.sockets.length === 2 && client.state === 'connected', 'fallback');
    expect(
      relay.sockets[0]?.frames.filter((f) => f.headers['destination'] === '/parley/token'),
    ).toHaveLength(1);
  });
});

describe('dispose', () => {
  it('releases every timer, listener and socket, and refuses later use', async () => {
    vi.useFakeTimers();
    const { env, subscribed } = fakeEnvironment();
    const token = () => jwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 });
    const { client, relay } = setup({ environment: env, token, heartbeatMs: 1000 });
    const room = client.room('lobby');
    const pending = room.send('never');
    const typers: string[][] = [];
    room.on('typing', ({ users }) => typers.push(users.map((u) => u.id)));
    const dm = client.dm('carol');
    dm.on('message', () => undefined);
    const connecting = client.connect();
    await vi.advanceTimersByTimeAsync(50);
    await connecting;
    expect(subscribed()).toBe(1);
    // Typing both ways: the local user's idle timer (5 s) and bob's expiry timer (6 s).
    room.typing();
    dm.typing();
    relay.publish('/topic/room.lobby', { id: 'bob' }, '', { 'parley-kind': 'typing' });
    await vi.advanceTimersByTimeAsync(10);
    expect(typers.at(-1)).toContain('bob');
    const announced = typers.length;
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    client.dispose();
    await vi.advanceTimersByTimeAsync(50);
    expect(vi.getTimerCount()).toBe(0);
    // Room listeners are released too: nothing is announced after dispose().
    expect(typers).toHaveLength(announced);
    expect(subscribed()).toBe(0);
    expect(relay.open).toHaveLength(0);
    expect(() => client.room('x')).toThrow(ParleyError);
    await expect(client.connect()).rejects.toMatchObject({ reason: 'disposed' });
    expect(pending.outgoing.status).toBe('sent');
  });
});
