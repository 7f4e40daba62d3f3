/**
 * A relay (embedded broker) restarted mid-conversation on the same port: sends made during the
 * outage wait in the outbox and go out in order afterwards; the other client sees each exactly
 * once; the epoch changed, so both rooms resync from history.
 */
import { freePort, signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import { GRANTS, roomView, testClient, until } from './test/real-relay.js';

const clients: ParleyClient[] = [];
let relay: RelayProcess | undefined;

afterAll(async () => {
  for (const c of clients) c.dispose();
  await relay?.stop();
});

describe('relay restart', () => {
  it('flushes outage sends in order, exactly once, and resyncs on the new epoch', async () => {
    const port = await freePort();
    const env = { PARLEY_PORT: String(port) };
    relay = await spawnRelay({ env });
    const token = (sub: string) => () => signToken(relay!.secret, { sub, parley: GRANTS });
    const alice = testClient({ url: relay.wsUrl, token: token('alice') }, clients);
    const bob = testClient({ url: relay.wsUrl, token: token('bob') }, clients);
    const aliceRoom = alice.room('restart');
    const bobView = roomView(bob.room('restart'));
    roomView(aliceRoom);
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => alice.caughtUp && bob.caughtUp, 'both subscribed');
    for (const text of ['before-1', 'before-2']) await aliceRoom.send(text);
    await until(() => bobView.bodies().length === 2, 'bob sees the first messages');

    await relay.stop();
    await until(
      () => alice.state === 'reconnecting' && bob.state === 'reconnecting',
      'both notice',
    );
    const during = ['during-1', 'during-2', 'during-3'].map((t) => aliceRoom.send(t));
    expect(alice.pendingMessages).toBe(3);
    expect(during.map((p) => p.outgoing.status)).toEqual(['pending', 'pending', 'pending']);

    relay = await spawnRelay({ env });
    const receipts = await Promise.all(during);
    expect(receipts.map((r) => r.offset)).toEqual([1, 2, 3]);
    await until(() => bob.caughtUp, 'bob caught up');
    await until(
      () => ['during-1', 'during-2', 'during-3'].every((t) => bobView.bodies().includes(t)),
      'bob sees the outage messages',
    );
    await aliceRoom.send('after');
    await until(() => bobView.bodies().includes('after'), 'bob sees live messages again');

    const outage = bobView.bodies().filter((b) => b.startsWith('during'));
    expect(outage).toEqual(['during-1', 'during-2', 'during-3']);
    for (const t of ['during-1', 'during-2', 'during-3', 'after']) {
      expect(bobView.deliveries.get(t), t).toBe(1);
    }
    expect(bobView.resyncs()).toBe(1);
  });
});
