import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import {
  DM_GRANTS,
  copyHistory,
  expectDeliveredOnce,
  openConversation,
  fetchReads,
  sendDm,
} from './chat.harness.js';
import type { Conversation } from './chat.harness.js';
import { eventually, sleep, stompClient } from './stomp-clients.js';

describe('direct messages on per-user queues, one relay', () => {
  let relay: RelayProcess;
  let conv: Conversation;
  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_MAX_SEND_RATE: '0', PARLEY_LOG_LEVEL: 'info' } });
    conv = await openConversation([relay, relay]);
  });
  afterAll(async () => {
    await conv?.close();
    await relay?.stop();
  });

  it('shows a DM once in both of alice’s tabs and once to bob; each copy has its history', async () => {
    const receipt = await sendDm(conv.tab1, 'hi', 'c-1');
    await expectDeliveredOnce(conv, receipt);
    // A resend of the same client id (the RECEIPT was lost) changes nothing anywhere.
    const again = await sendDm(conv.tab2, 'hi', 'c-1');
    expect(again.headers['parley-duplicate']).toBe('true');
    expect(again.headers['parley-offset']).toBe(receipt.headers['parley-offset']);
    await sleep(300);
    expect([conv.tab1Inbox.length, conv.tab2Inbox.length, conv.bobInbox.length]).toEqual([1, 1, 1]);
    expect(conv.notices).toHaveLength(1);

    const aliceHistory = await conv.tab1.subscribe('/user/queue/history');
    const bobHistory = await conv.bob.subscribe('/user/queue/history');
    const mine = await copyHistory(conv.tab1, '/user/queue/dm.bob', aliceHistory);
    const theirs = await copyHistory(conv.bob, '/user/queue/dm.alice', bobHistory);
    expect(mine.map((m) => [m.body, m.offset])).toEqual([['hi', 1]]);
    expect(theirs.map((m) => [m.body, m.offset])).toEqual([['hi', 1]]);
    expect(mine[0]!.timestamp).toBe(theirs[0]!.timestamp);
  });

  it('tells alice when bob has read, by timestamp, and reports it in her reads', async () => {
    const theirs = conv.bobInbox[0]!;
    await conv.bob.publish('/user/queue/dm.alice', '', {
      'parley-kind': 'read',
      'parley-read-offset': theirs.headers['parley-offset']!,
    });
    await eventually(() => conv.tab1Inbox.length === 2 && conv.tab2Inbox.length === 2);
    for (const event of [conv.tab1Inbox[1]!, conv.tab2Inbox[1]!]) {
      expect(event.headers['parley-kind']).toBe('read');
      expect(event.headers['parley-sender']).toBe('bob');
      expect(event.headers['parley-read-timestamp']).toBe(theirs.headers['parley-timestamp']);
      expect(event.headers['parley-read-offset']).toBeUndefined();
    }
    const inbox = await conv.tab1.subscribe('/user/queue/reads');
    const { json } = await fetchReads(conv.tab1, inbox, '/user/queue/dm.bob', 'dm-r');
    expect(json).toMatchObject({
      destination: '/user/queue/dm.bob',
      newest: 1,
      reads: [],
      peer: { user: 'bob', timestamp: Number(theirs.headers['parley-timestamp']) },
    });
  });

  it('refuses a forged SEND into bob’s conversation with carol', async () => {
    const alice = await stompClient(
      relay.wsUrl,
      signToken(relay.secret, { sub: 'alice', parley: DM_GRANTS }),
    );
    alice.client.publish({ destination: '/user/bob/queue/dm.carol', body: 'pretending' });
    await eventually(() => alice.errors.length === 1);
    expect(alice.errors[0]!.headers['parley-reason']).toBe('forbidden');
    await sleep(100);
    expect(conv.bobInbox.filter((m) => m.body === 'pretending')).toEqual([]);
  });
});
