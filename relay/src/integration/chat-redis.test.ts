import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortIn, redisAvailable, signToken, spawnRelay, startRedis } from '../testing/index.js';
import type { RedisServer, RelayProcess } from '../testing/index.js';
import {
  DM_GRANTS,
  copyHistory,
  expectDeliveredOnce,
  fetchReads,
  openConversation,
  sendDm,
} from './chat.harness.js';
import type { Conversation } from './chat.harness.js';
import { eventually, stompClient } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOM = '/topic/room.shared';

// Under CI=true a missing redis-server throws here: a failure, not a skip.
describe.runIf(redisAvailable())('DMs and read positions across two relays on Redis', () => {
  let redis: RedisServer;
  let relays: [RelayProcess, RelayProcess];
  let conv: Conversation;
  const clients: StompTestClient[] = [];
  beforeAll(async () => {
    redis = await startRedis({ port: await freePortIn(6430, 6439) });
    const env = {
      PARLEY_REDIS_URL: redis.url,
      PARLEY_MAX_SEND_RATE: '0',
      PARLEY_LOG_LEVEL: 'info',
    };
    const [a, b] = await Promise.all([
      spawnRelay({ env, timeoutMs: 30_000 }),
      spawnRelay({ env, timeoutMs: 30_000 }),
    ]);
    relays = [a, b];
    // alice's first tab on relay A; her second tab and bob on relay B.
    conv = await openConversation(relays);
  }, 60_000);
  afterAll(async () => {
    await conv?.close();
    for (const c of clients) await c.disconnect().catch(() => undefined);
    await Promise.all((relays ?? []).map((r) => r.stop()));
    await redis?.stop();
  });

  it('delivers a DM once to each tab and to bob, whichever relay they are on', async () => {
    const receipt = await sendDm(conv.tab1, 'hi', 'redis-1');
    await expectDeliveredOnce(conv, receipt);
    const history = await conv.tab2.subscribe('/user/queue/history');
    const mine = await copyHistory(conv.tab2, '/user/queue/dm.bob', history);
    expect(mine.map((m) => m.body)).toEqual(['hi']);
    expect(String(mine[0]!.timestamp)).toBe(conv.bobInbox[0]!.headers['parley-timestamp']);
  });

  it('carries a DM read mark made on relay B to alice on relay A', async () => {
    const theirs = conv.bobInbox[0]!;
    await conv.bob.publish('/user/queue/dm.alice', '', {
      'parley-kind': 'read',
      'parley-read-offset': theirs.headers['parley-offset']!,
    });
    await eventually(() => conv.tab1Inbox.some((m) => m.headers['parley-kind'] === 'read'));
    const event = conv.tab1Inbox.find((m) => m.headers['parley-kind'] === 'read')!;
    expect(event.headers['parley-read-timestamp']).toBe(theirs.headers['parley-timestamp']);
    const inbox = await conv.tab1.subscribe('/user/queue/reads');
    const { json } = await fetchReads(conv.tab1, inbox, '/user/queue/dm.bob', 'r-dm');
    expect(json.peer).toEqual({
      user: 'bob',
      timestamp: Number(theirs.headers['parley-timestamp']),
      at: expect.any(Number) as number,
    });
  });

  it('shares room read positions between relays', async () => {
    const open = async (user: string, relay: RelayProcess): Promise<StompTestClient> => {
      const c = await stompClient(
        relay.wsUrl,
        signToken(relay.secret, { sub: user, parley: DM_GRANTS }),
      );
      clients.push(c);
      return c;
    };
    const alice = await open('alice', relays[0]);
    const bob = await open('bob', relays[1]);
    for (const text of ['one', 'two']) await alice.publish(ROOM, text);
    await alice.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '2' });
    await bob.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '1' });
    const carol = await open('carol', relays[1]);
    const inbox = await carol.subscribe('/user/queue/reads');
    const { json } = await fetchReads(carol, inbox, ROOM, 'r-room');
    expect(json.newest).toBe(2);
    expect(json.reads.map((r) => [r.user, r.offset])).toEqual([
      ['bob', 1],
      ['alice', 2],
    ]);
  });
});
