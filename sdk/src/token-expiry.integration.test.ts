/**
 * Tokens that expire mid-session, against a real relay: refreshed in place (`SEND
 * /parley/token`) with no reconnect, or with `refreshInPlace:false` by reconnecting with a fresh
 * token; no message is lost either way. A provider that only has expired tokens ends `failed`
 * after exactly one retry.
 */
import { signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import { GRANTS, roomView, sleep, testClient, until, wsFactory } from './test/real-relay.js';

const clients: ParleyClient[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await spawnRelay();
});
afterAll(async () => {
  for (const c of clients) c.dispose();
  await relay?.stop();
});

async function chatAcrossExpiry(refreshInPlace: boolean, room: string) {
  const sockets = wsFactory();
  let issued = 0;
  const alice = testClient(
    {
      url: relay.wsUrl,
      refreshInPlace,
      webSocketFactory: sockets.factory,
      token: () => {
        issued++;
        return signToken(relay.secret, { sub: 'alice', parley: GRANTS }, { expiresInSeconds: 3 });
      },
    },
    clients,
  );
  const bob = testClient(
    { url: relay.wsUrl, token: () => signToken(relay.secret, { sub: 'bob', parley: GRANTS }) },
    clients,
  );
  const tokens: boolean[] = [];
  alice.on('token', (e) => tokens.push(e.inPlace));
  const bobView = roomView(bob.room(room));
  await Promise.all([alice.connect(), bob.connect()]);
  await until(() => bob.caughtUp, 'bob subscribed');
  const texts: string[] = [];
  const sends: Promise<unknown>[] = [];
  const started = Date.now();
  for (let i = 0; Date.now() - started < 7000; i++) {
    texts.push(`m${i}`);
    sends.push(alice.room(room).send(`m${i}`));
    await sleep(150);
  }
  await Promise.all(sends);
  await until(() => texts.every((t) => bobView.deliveries.has(t)), 'bob has every message');
  for (const t of texts) expect(bobView.deliveries.get(t), t).toBe(1);
  expect(bobView.bodies()).toEqual(texts);
  return { sockets: sockets.sockets.length, issued, tokens, state: alice.state };
}

describe('token expiry mid-session', () => {
  it('refreshes in place before exp: one socket, nothing lost', async () => {
    const r = await chatAcrossExpiry(true, 'inplace');
    expect(r.sockets).toBe(1);
    expect(r.issued).toBeGreaterThanOrEqual(3);
    expect(r.tokens.filter((inPlace) => inPlace).length).toBeGreaterThanOrEqual(2);
    expect(r.state).toBe('connected');
  });

  it('with refreshInPlace:false reconnects with a fresh token, nothing lost', async () => {
    const r = await chatAcrossExpiry(false, 'reconnect');
    expect(r.sockets).toBeGreaterThanOrEqual(3);
    expect(r.tokens.every((inPlace) => !inPlace)).toBe(true);
    expect(r.state).toBe('connected');
  });

  it('a provider that keeps returning expired tokens: failed after one retry', async () => {
    const sockets = wsFactory();
    let calls = 0;
    const client = testClient(
      {
        url: relay.wsUrl,
        webSocketFactory: sockets.factory,
        token: () => {
          calls++;
          const exp = Math.floor(Date.now() / 1000) - 60;
          return signToken(relay.secret, { sub: 'carol', exp, parley: GRANTS });
        },
      },
      clients,
    );
    await expect(client.connect()).rejects.toMatchObject({ reason: 'token-expired' });
    expect(client.state).toBe('failed');
    await sleep(1500);
    expect(calls).toBe(2);
    expect(sockets.sockets).toHaveLength(2);
  });
});
