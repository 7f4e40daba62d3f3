import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParleyClient, createClient } from './client.js';
import { ParleyError } from './errors.js';
import type { ChatMessage, ClientEvents, ClientOptions, StateChange } from './types.js';
import { FakeRelay } from './test/fake-relay.js';

const URL = 'ws://relay.test/ws';
const clients: ParleyClient[] = [];

function setup(options: Partial<ClientOptions> = {}) {
  const relay = new FakeRelay();
  const client = createClient({
    url: URL,
    token: 'alice',
    webSocketFactory: relay.factory,
    heartbeatMs: 0,
    ...options,
  });
  clients.push(client);
  const states: string[] = [];
  client.on('state', ({ newState }: StateChange) => states.push(newState));
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

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await tick(2);
  expect(check()).toBe(true);
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  vi.unstubAllGlobals();
});

describe('createClient', () => {
  it('throws a TypeError pointing at ws when there is no WebSocket', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => createClient({ url: URL, token: 't' })).toThrow(TypeError);
    expect(() => createClient({ url: URL, token: 't' })).toThrow(/from "ws"/);
  });

  it('validates options', () => {
    const factory = new FakeRelay().factory;
    expect(() => createClient({ url: '', token: 't', webSocketFactory: factory })).toThrow(
      TypeError,
    );
    expect(() =>
      createClient({ url: URL, token: 3 as unknown as string, webSocketFactory: factory }),
    ).toThrow(TypeError);
    expect(() =>
      createClient({ url: URL, token: 't', webSocketFactory: factory, heartbeatMs: -1 }),
    ).toThrow(/heartbeatMs/);
  });

  it('starts disconnected and does not connect by itself', async () => {
    const { client, relay } = setup();
    await tick();
    expect(client.state).toBe('disconnected');
    expect(relay.sockets).toHaveLength(0);
  });
});

describe('connect()', () => {
  it('sends CONNECT with the bearer token over the STOMP sub-protocols and resolves on CONNECTED', async () => {
    const { client, relay, states } = setup();
    const connected = next(client, 'connected');
    await client.connect();
    expect(client.state).toBe('connected');
    expect(states).toEqual(['connecting', 'connected']);
    expect((await connected).headers['server']).toBe('fake-relay');
    expect(relay.last.protocols).toEqual(['v12.stomp', 'v11.stomp', 'v10.stomp']);
    expect(relay.last.url).toBe(URL);
    const connect = relay.last.frames[0];
    expect(connect?.command).toBe('CONNECT');
    expect(connect?.headers).toMatchObject({
      Authorization: 'Bearer alice',
      'accept-version': '1.2,1.1,1.0',
      host: 'relay.test',
    });
  });

  it('rejects with the ERROR frame reason and message, ends disconnected, and does not retry', async () => {
    const { client, relay, states } = setup({ token: 'bad' });
    const errors: ParleyError[] = [];
    client.on('error', (e) => errors.push(e));
    const disconnected = next(client, 'disconnected');

    const error = await client.connect().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ reason: 'token-invalid', message: 'invalid signature' });
    expect(client.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'disconnected']);
    expect(errors).toEqual([error]);
    expect(await disconnected).toEqual({ reason: 'token-invalid', message: 'invalid signature' });
    await tick(30);
    expect(relay.sockets).toHaveLength(1);
  });

  it('fetches a fresh token from the token function before every connect', async () => {
    let n = 0;
    const token = vi.fn(async () => `user${++n}`);
    const { client, relay } = setup({ token });
    await client.connect();
    await client.disconnect();
    await client.connect();
    expect(token).toHaveBeenCalledTimes(2);
    expect(relay.sockets.map((s) => s.frames[0]?.headers['Authorization'])).toEqual([
      'Bearer user1',
      'Bearer user2',
    ]);
  });

  it('rejects with token-unavailable when the token function fails, without opening a socket', async () => {
    const { client, relay, states } = setup({ token: () => Promise.reject(new Error('offline')) });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'token-unavailable' });
    expect(client.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'disconnected']);
    await tick(20);
    expect(relay.sockets).toHaveLength(0);
  });

  it('rejects with connection-closed when nothing is listening, and does not retry', async () => {
    const { client, relay } = setup();
    relay.refuseConnections = true;
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'connection-closed' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(client.state).toBe('disconnected');
    await tick(30);
    expect(relay.sockets).toHaveLength(1);
  });

  it('rejects with socket-failed when the factory throws (bad URL)', async () => {
    const { client } = setup({
      url: 'not a url',
      webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
    });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'socket-failed' });
    expect(client.state).toBe('disconnected');
  });

  it('rejects with connection-closed for a real ws socket to a closed port', async () => {
    const { client } = setup({
      url: 'ws://127.0.0.1:9/ws',
      webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
    });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'connection-closed' });
    expect(client.state).toBe('disconnected');
  });

  it('rejects with timeout when the relay never answers CONNECT', async () => {
    const { client, relay } = setup({ connectTimeoutMs: 30 });
    relay.authorize = () => ({ silent: true });
    await expect(client.connect()).rejects.toMatchObject({ reason: 'timeout' });
    expect(client.state).toBe('disconnected');
  });

  it('returns the same promise to concurrent callers and opens one socket', async () => {
    const { client, relay } = setup();
    const a = client.connect();
    const b = client.connect();
    expect(b).toBe(a);
    await Promise.all([a, b, client.connect()]);
    expect(relay.sockets).toHaveLength(1);
    await client.connect();
    expect(relay.sockets).toHaveLength(1);
  });

  it('connects again after a disconnect in progress finishes', async () => {
    const { client, relay, states } = setup();
    await client.connect();
    const down = client.disconnect();
    const up = client.connect();
    await Promise.all([down, up]);
    expect(client.state).toBe('connected');
    expect(relay.sockets).toHaveLength(2);
    expect(states).toEqual([
      'connecting',
      'connected',
      'disconnecting',
      'disconnected',
      'connecting',
      'connected',
    ]);
  });

  it('resolves even when a state listener disconnects right away', async () => {
    const { client } = setup();
    client.on('state', ({ newState }) => {
      if (newState === 'connected') void client.disconnect();
    });
    await client.connect();
    await until(() => client.state === 'disconnected');
  });
});

describe('disconnect()', () => {
  it('sends DISCONNECT, waits for the receipt and ends disconnected with no reason', async () => {
    const { client, relay, states } = setup();
    await client.connect();
    const disconnected = next(client, 'disconnected');
    await client.disconnect();
    expect(client.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'connected', 'disconnecting', 'disconnected']);
    expect(relay.last.frames.at(-1)).toMatchObject({ command: 'DISCONNECT' });
    expect(relay.last.frames.at(-1)?.headers['receipt']).toBeTruthy();
    expect(await disconnected).toEqual({});
  });

  it('resolves at once when already disconnected, and shares an in-flight disconnect', async () => {
    const { client } = setup();
    await client.disconnect();
    await client.connect();
    const a = client.disconnect();
    expect(client.disconnect()).toBe(a);
    await a;
  });

  it('aborts a pending connect()', async () => {
    const { client, states } = setup();
    const connecting = client.connect();
    const stopped = client.disconnect();
    await expect(connecting).rejects.toMatchObject({ reason: 'aborted' });
    await stopped;
    expect(client.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'disconnecting', 'disconnected']);
  });

  it('aborts a connect() still waiting for the token', async () => {
    let release!: (token: string) => void;
    const { client, relay } = setup({ token: () => new Promise<string>((r) => (release = r)) });
    const connecting = client.connect();
    await tick();
    await client.disconnect();
    release('late');
    await expect(connecting).rejects.toMatchObject({ reason: 'aborted' });
    await tick(20);
    expect(relay.sockets).toHaveLength(0);
    expect(client.state).toBe('disconnected');
  });

  it('drops the socket when the relay never confirms DISCONNECT', async () => {
    const relay = new FakeRelay();
    relay.ignoreDisconnect = true;
    const client = new ParleyClient({
      url: URL,
      token: 'alice',
      factory: relay.factory,
      heartbeatMs: 0,
      connectTimeoutMs: 0,
      disconnectGraceMs: 30,
      debug: undefined,
    });
    await client.connect();
    await client.disconnect();
    expect(client.state).toBe('disconnected');
    expect(relay.last.readyState).toBe(3);
  });
});

describe('connection loss', () => {
  it('ends disconnected with connection-closed and emits error', async () => {
    const { client, relay, states } = setup();
    await client.connect();
    const error = next(client, 'error');
    const disconnected = next(client, 'disconnected');
    relay.last.drop();
    expect(await disconnected).toMatchObject({ reason: 'connection-closed' });
    expect((await error).reason).toBe('connection-closed');
    expect(states).toEqual(['connecting', 'connected', 'disconnected']);
  });

  it('reports an ERROR frame that arrives while connected', async () => {
    const { client, relay } = setup();
    await client.connect();
    const disconnected = next(client, 'disconnected');
    relay.fail(relay.last, 'token-expired', 'token expired at 12:00');
    expect(await disconnected).toEqual({
      reason: 'token-expired',
      message: 'token expired at 12:00',
    });
    expect(client.state).toBe('disconnected');
  });
});

describe('rooms', () => {
  it('returns the same Room for the same id and validates ids', () => {
    const { client } = setup();
    expect(client.room('lobby')).toBe(client.room('lobby'));
    expect(client.room('lobby').destination).toBe('/topic/room.lobby');
    expect(() => client.room('a/b')).toThrow(
      expect.objectContaining({ reason: 'invalid-argument' }),
    );
  });

  it('rejects send() with not-connected while disconnected', async () => {
    const { client } = setup();
    await expect(client.room('lobby').send('hi')).rejects.toMatchObject({
      reason: 'not-connected',
    });
    await expect(client.room('lobby').send('hi')).rejects.toBeInstanceOf(ParleyError);
  });

  it('sends JSON and text with content types, resolving on the RECEIPT', async () => {
    const { client, relay } = setup();
    await client.connect();
    await client.room('lobby').send({ text: '안녕하세요' });
    await client.room('lobby').send('plain', { 'x-thread': '7' });
    const sends = relay.last.frames.filter((f) => f.command === 'SEND');
    expect(sends).toHaveLength(2);
    expect(sends[0]).toMatchObject({
      headers: { destination: '/topic/room.lobby', 'content-type': 'application/json' },
      body: '{"text":"안녕하세요"}',
    });
    expect(sends[1]).toMatchObject({
      headers: { 'content-type': 'text/plain;charset=utf-8', 'x-thread': '7' },
      body: 'plain',
    });
    expect(sends[0]?.headers['receipt']).not.toBe(sends[1]?.headers['receipt']);
  });

  it('rejects a refused send with the relay reason', async () => {
    const { client } = setup();
    await client.connect();
    await expect(client.room('forbidden').send('x')).rejects.toMatchObject({ reason: 'forbidden' });
    expect(client.state).toBe('disconnected');
  });

  it('rejects pending sends when the connection drops', async () => {
    const { client, relay } = setup();
    await client.connect();
    relay.handle = () => {}; // the relay stops answering
    const sending = client.room('lobby').send('lost?');
    relay.last.drop();
    await expect(sending).rejects.toMatchObject({ reason: 'connection-closed' });
  });

  it('subscribes with the first listener, maps messages, and unsubscribes with the last', async () => {
    const { client, relay } = setup();
    await client.connect();
    const room = client.room('lobby');
    const received: ChatMessage[] = [];
    const offA = room.on('message', (m) => received.push(m));
    const offB = room.on('message', () => {});
    const subscribes = relay.last.frames.filter((f) => f.command === 'SUBSCRIBE');
    expect(subscribes).toHaveLength(1);
    expect(subscribes[0]?.headers['destination']).toBe('/topic/room.lobby');

    relay.publish('/topic/room.lobby', { id: 'bob', name: 'Bob' }, '{"text":"hi"}', {
      'content-type': 'application/json',
    });
    await until(() => received.length === 1);
    const [message] = received;
    expect(message).toMatchObject({
      room: 'lobby',
      sender: { id: 'bob', name: 'Bob' },
      offset: 1,
      epoch: 'e1',
    });
    expect(message?.json()).toEqual({ text: 'hi' });
    expect(message?.timestamp).toBeInstanceOf(Date);

    offA();
    expect(relay.last.frames.some((f) => f.command === 'UNSUBSCRIBE')).toBe(false);
    offB();
    expect(relay.last.frames.at(-1)).toMatchObject({
      command: 'UNSUBSCRIBE',
      headers: { id: subscribes[0]?.headers['id'] },
    });
  });

  it('delivers the client’s own messages back to it', async () => {
    const { client } = setup();
    await client.connect();
    const room = client.room('echo');
    const got = new Promise<ChatMessage>((resolve) => room.on('message', resolve));
    await room.send({ n: 1 });
    expect((await got).sender.id).toBe('alice');
  });

  it('subscribes a room with listeners on connect, and again after a reconnect', async () => {
    const { client, relay } = setup();
    const received: string[] = [];
    client.room('lobby').on('message', (m) => received.push(m.body));
    await client.connect();
    expect(relay.sockets[0]?.frames.map((f) => f.command)).toEqual(['CONNECT', 'SUBSCRIBE']);

    relay.sockets[0]?.drop();
    await until(() => client.state === 'disconnected');
    await client.connect();
    expect(relay.sockets[1]?.frames.map((f) => f.command)).toEqual(['CONNECT', 'SUBSCRIBE']);

    relay.publish('/topic/room.lobby', { id: 'bob' }, 'again');
    await until(() => received.length === 1);
    expect(received).toEqual(['again']);
  });
});

describe('debug', () => {
  it('logs the protocol with the token redacted', async () => {
    const lines: string[] = [];
    const { client } = setup({ token: 'secret-jwt', debug: (line) => lines.push(line) });
    await client.connect();
    const log = lines.join('\n');
    expect(log).toContain('CONNECT');
    expect(log).toContain('state connecting -> connected');
    expect(log).not.toContain('secret-jwt');
  });
});
