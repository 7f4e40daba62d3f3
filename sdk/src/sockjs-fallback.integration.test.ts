/**
 * The SDK when WebSockets cannot be opened: it falls back to SockJS (the real sockjs-client,
 * loaded on demand) on the same relay, chats, and says which transport it uses.
 */
import { spawnRelay, signToken } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import type { ParleyClient } from './client.js';
import type { ChatMessage } from './types.js';

const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };
const KOREAN = '안녕하세요 👋';

let relay: RelayProcess;
const clients: ParleyClient[] = [];

beforeAll(async () => {
  // Browsers from other origins are refused at the WebSocket upgrade (403); sockjs-client in Node
  // sends no Origin, so SockJS is let in: a network where only WebSockets are blocked.
  relay = await spawnRelay({ env: { PARLEY_ALLOWED_ORIGINS: 'https://ok.example' } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await relay?.stop();
});

async function chat(client: ParleyClient, room: string): Promise<ChatMessage> {
  const r = client.room(room);
  const got = new Promise<ChatMessage>((resolve) => r.on('message', resolve));
  await r.send(KOREAN);
  return got;
}

describe('SockJS fallback', () => {
  it('falls back when the WebSocket is refused, and reports sockjs', async () => {
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'alice', parley: GRANTS }),
      // A browser on a page of another origin: the relay refuses its WebSocket with 403.
      webSocketFactory: (url, p) => new WebSocket(url, p, { origin: 'https://blocked.example' }),
    });
    clients.push(client);
    const connected = new Promise<string>((r) => client.on('connected', (e) => r(e.transport)));
    await client.connect();
    expect(await connected).toBe('sockjs');
    expect(client.transport).toBe('sockjs');
    const m = await chat(client, 'fallback');
    expect(m.body).toBe(KOREAN);
    expect(m.sender.id).toBe('alice');
  });

  it('falls back when the WebSocket factory throws', async () => {
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'bob', parley: GRANTS }),
      webSocketFactory: () => {
        throw new Error('WebSocket is blocked here');
      },
    });
    clients.push(client);
    await client.connect();
    expect(client.transport).toBe('sockjs');
    expect((await chat(client, 'thrown')).body).toBe(KOREAN);
  });

  it('uses SockJS only when forced, with no WebSocket at all', async () => {
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'carol', parley: GRANTS }),
      transport: 'sockjs',
    });
    clients.push(client);
    await client.connect();
    expect(client.transport).toBe('sockjs');
    expect((await chat(client, 'forced')).body).toBe(KOREAN);
  });

  it('stays on WebSocket when it works, and never loads SockJS for it', async () => {
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'dave', parley: GRANTS }),
      webSocketFactory: (url, p) => new WebSocket(url, p),
    });
    clients.push(client);
    await client.connect();
    expect(client.transport).toBe('websocket');
    expect((await chat(client, 'plain')).body).toBe(KOREAN);
  });

  it('fails without fallback when WebSocket is forced', async () => {
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'erin', parley: GRANTS }),
      transport: 'websocket',
      webSocketFactory: (url, p) => new WebSocket(url, p, { origin: 'https://blocked.example' }),
      reconnect: false,
      connectTimeoutMs: 3000,
    });
    clients.push(client);
    await expect(client.connect()).rejects.toBeTruthy();
    expect(client.transport).toBeUndefined();
  });
});
