import { spawnRelay, signToken } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(mallory.state).toBe('disconnected');

    await bob.room('lobby').send('반가워요, alice');
    const reply = await aliceInbox.until((m) => m.body.startsWith('반가워요'));
    expect(reply.sender.id).toBe('bob');
    expect(reply.body).toBe('반가워요, alice');
    expect(reply.offset).toBeGreaterThan(hello.offset);
    expect(alice.state).toBe('connected');
    expect(bob.state).toBe('connected');
  });

  it('rejects a send the token does not allow with forbidden, and disconnects gracefully', async () => {
    const reader = clientFor(
      signToken(relay.secret, { sub: 'reader', parley: { sub: ['/topic/room.*'], pub: [] } }),
    );
    await reader.connect();
    await expect(reader.room('lobby').send('may I?')).rejects.toMatchObject({
      reason: 'forbidden',
    });
    expect(reader.state).toBe('disconnected');

    const polite = clientFor(signToken(relay.secret, { sub: 'polite', parley: rooms }));
    await polite.connect();
    const events: unknown[] = [];
    polite.on('disconnected', (e) => events.push(e));
    const started = Date.now();
    await polite.disconnect();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events).toEqual([{}]);
  });
});
