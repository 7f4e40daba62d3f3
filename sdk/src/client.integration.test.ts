import { spawnRelay, signToken } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from './client.js';
import type { ParleyClient } from './client.js';
import type { Room } from './room.js';
import type { ChatMessage } from './types.js';

const rooms = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

let relay: RelayProcess;
const clients: ParleyClient[] = [];

function clientFor(token: string): ParleyClient {
  const client = createClient({
    url: relay.wsUrl,
    token,
    webSocketFactory: (url, protocols) => new WebSocket(url, protocols),
  });
  clients.push(client);
  return client;
}

/** Collects a room's messages; `until(match)` resolves with the first match, dropping the rest. */
function inbox(room: Room) {
  const queue: ChatMessage[] = [];
  let wake: (() => void) | undefined;
  room.on('message', (m) => {
    queue.push(m);
    wake?.();
  });
  return {
    async until(match: (m: ChatMessage) => boolean): Promise<ChatMessage> {
      for (;;) {
        while (queue.length > 0) {
          const m = queue.shift();
          if (m && match(m)) return m;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

beforeAll(async () => {
  relay = await spawnRelay();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await relay?.stop();
});

describe('client against a real relay', () => {
  it('opens one socket for double connect() (StrictMode) and none after dispose()', async () => {
    let made = 0;
    const sockets: WebSocket[] = [];
    const client = createClient({
      url: relay.wsUrl,
      token: signToken(relay.secret, { sub: 'strict', parley: rooms }),
      webSocketFactory: (url, protocols) => {
        made++;
        // Never a second socket while an earlier one is still open or closing.
        expect(sockets.filter((s) => s.readyState !== WebSocket.CLOSED)).toHaveLength(0);
        const ws = new WebSocket(url, protocols);
        sockets.push(ws);
        return ws;
      },
    });
    await Promise.all([client.connect(), client.connect()]);
    void client.disconnect();
    await Promise.all([client.connect(), client.connect()]);
    expect(made).toBe(2);
    expect(sockets.filter((s) => s.readyState === WebSocket.OPEN)).toHaveLength(1);
    client.dispose();
    await new Promise((r) => setTimeout(r, 200));
    expect(sockets.filter((s) => s.readyState !== WebSocket.CLOSED)).toHaveLength(0);
  });

  it('chats between two clients, refuses a bad token, and keeps chatting', async () => {
    const alice = clientFor(
      signToken(relay.secret, { sub: 'alice', name: 'Alice', parley: rooms }),
    );
    const bob = clientFor(signToken(relay.secret, { sub: 'bob', parley: rooms }));
    await Promise.all([alice.connect(), bob.connect()]);

    const aliceInbox = inbox(alice.room('lobby'));
    const bobInbox = inbox(bob.room('lobby'));
    // A client's subscription is live once its own message comes back to it.
    await Promise.all([
      alice.room('lobby').send('alice is here'),
      bob.room('lobby').send('bob is here'),
    ]);
    await aliceInbox.until((m) => m.body === 'alice is here');
    await bobInbox.until((m) => m.body === 'bob is here');

    await alice.room('lobby').send({ text: '안녕하세요' });
    const hello = await bobInbox.until((m) => m.body.includes('안녕하세요'));
    expect(hello.sender).toEqual({ id: 'alice', name: 'Alice' });
    expect(hello.json()).toEqual({ text: '안녕하세요' });
    expect(hello.headers['content-type']).toBe('application/json');
    expect(hello.room).toBe('lobby');
    expect(Number.isInteger(hello.offset) && hello.offset >= 0).toBe(true);
    expect(hello.timestamp.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(hello.id).not.toBe('');

    const mallory = clientFor(signToken('not-the-relay-secret', { sub: 'mallory', parley: rooms }));
    await expect(mallory.connect()).rejects.toMatchObject({ reason: 'token-invalid' });
    // A static token cannot be refreshed: no retry, the client gives up.
    expect(mallory.state).toBe('failed');

    await bob.room('lobby').send('반가워요, alice');
    const reply = await aliceInbox.until((m) => m.body.startsWith('반가워요'));
    expect(reply.sender.id).toBe('bob');
    expect(reply.body).toBe('반가워요, alice');
    expect(reply.offset).toBeGreaterThan(hello.offset);
    expect(alice.state).toBe('connected');
    expect(bob.state).toBe('connected');
  });

  it('fails a send the token does not allow with forbidden (not retried), reconnects, and disconnects gracefully', async () => {
    const reader = clientFor(
      signToken(relay.secret, { sub: 'reader', parley: { sub: ['/topic/room.*'], pub: [] } }),
    );
    await reader.connect();
    const refused = reader.room('lobby').send('may I?');
    await expect(refused).rejects.toMatchObject({ reason: 'forbidden' });
    expect(refused.outgoing.status).toBe('failed');
    // The relay closes the connection after its ERROR; the client comes back on its own.
    await new Promise<void>((resolve) => reader.on('connected', () => resolve()));
    expect(reader.pendingMessages).toBe(0);

    const polite = clientFor(signToken(relay.secret, { sub: 'polite', parley: rooms }));
    await polite.connect();
    const events: unknown[] = [];
    polite.on('disconnected', (e) => events.push(e));
    await polite.disconnect();
    expect(events).toEqual([{}]);
    expect(polite.state).toBe('disconnected');
    // Graceful: the relay got the DISCONNECT and ended the session itself (close 1000, reason
    // `disconnect`, after its RECEIPT), rather than seeing the socket dropped.
    await vi.waitFor(
      () => {
        const closed = relay
          .output()
          .split('\n')
          .filter((l) => l.includes('"connection closed"') && l.includes('"user":"polite"'));
        expect(closed).toHaveLength(1);
        expect(closed[0]).toContain('"reason":"disconnect"');
        expect(closed[0]).toContain('"code":1000');
      },
      { timeout: 5000, interval: 50 },
    );
  });
});
