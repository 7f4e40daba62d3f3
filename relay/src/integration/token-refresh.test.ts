/**
 * Token refresh in place (SEND /parley/token) against a real relay process with @stomp/stompjs.
 */
import type { IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { eventually, sleep, stompClient } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOMS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

describe('token refresh in place', () => {
  let relay: RelayProcess;
  const open: StompTestClient[] = [];
  beforeAll(async () => {
    relay = await spawnRelay();
  });
  afterAll(async () => {
    for (const c of open) await c.client.deactivate().catch(() => undefined);
    await relay?.stop();
  });

  const connect = async (claims: Parameters<typeof signToken>[1], expiresInSeconds = 3600) => {
    const c = await stompClient(relay.wsUrl, signToken(relay.secret, claims, { expiresInSeconds }));
    open.push(c);
    return c;
  };
  const refresh = (c: StompTestClient, token: string) =>
    c.receipt((r) =>
      c.client.publish({ destination: '/parley/token', body: token, headers: { receipt: r } }),
    );

  it('keeps a connection past the expiry of the token it connected with', async () => {
    const alice = await connect({ sub: 'alice', parley: ROOMS }, 3);
    const connectedAt = Date.now();
    const inbox = await alice.subscribe('/topic/room.1');
    await sleep(1500 - (Date.now() - connectedAt));
    const fresh = signToken(
      relay.secret,
      { sub: 'alice', parley: ROOMS },
      { expiresInSeconds: 60 },
    );
    const receipt = await refresh(alice, fresh);
    const exp = Number(receipt.headers['parley-token-exp']);
    expect(exp).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 58);
    expect(receipt.headers['parley-revoked']).toBeUndefined();
    await sleep(3500 - (Date.now() - connectedAt));
    expect(alice.client.connected).toBe(true);
    expect(alice.closes).toEqual([]);
    await alice.publish('/topic/room.1', 'still here');
    await eventually(() => inbox.length === 1, 2000, 'own message delivered');
    expect(alice.errors).toEqual([]);
  });

  it('refuses a token for another user with token-invalid and closes', async () => {
    const alice = await connect({ sub: 'alice', parley: ROOMS });
    const bobs = signToken(relay.secret, { sub: 'bob', parley: ROOMS });
    alice.client.publish({ destination: '/parley/token', body: bobs });
    await eventually(() => alice.errors.length === 1, 5000, 'ERROR');
    expect(alice.errors[0]!.headers['parley-reason']).toBe('token-invalid');
    expect(alice.errors[0]!.headers.message).toBe('token is for another user');
    await eventually(() => alice.closes.length === 1, 5000, 'close');
  });

  it('refuses an expired token with token-expired, as CONNECT does', async () => {
    const alice = await connect({ sub: 'alice', parley: ROOMS });
    const expired = signToken(relay.secret, {
      sub: 'alice',
      parley: ROOMS,
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    alice.client.publish({ destination: '/parley/token', body: expired });
    await eventually(() => alice.errors.length === 1, 5000, 'ERROR');
    expect(alice.errors[0]!.headers['parley-reason']).toBe('token-expired');
    await eventually(() => alice.closes.length === 1, 5000, 'close');
  });

  it('ends the subscriptions a token with fewer grants no longer covers', async () => {
    const alice = await connect({ sub: 'alice', parley: ROOMS });
    const room1: IMessage[] = [];
    const room2: IMessage[] = [];
    const id1 = await alice.subscribeWith('/topic/room.1', (m) => room1.push(m));
    await alice.subscribeWith('/topic/room.2', (m) => room2.push(m));
    const fewer = signToken(relay.secret, {
      sub: 'alice',
      parley: { sub: ['/topic/room.2'], pub: [] },
    });
    const receipt = await refresh(alice, fewer);
    expect(receipt.headers['parley-revoked']).toBe(id1);
    const bob = await connect({ sub: 'bob', parley: ROOMS });
    await bob.publish('/topic/room.1', 'to room 1');
    await bob.publish('/topic/room.2', 'to room 2');
    await eventually(() => room2.length === 1, 2000, 'room 2 message');
    await sleep(200);
    expect(room1).toHaveLength(0);
    expect(alice.client.connected).toBe(true);
  });
});
