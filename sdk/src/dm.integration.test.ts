/**
 * Direct messages against a real relay: alice in two tabs (two clients) and bob. Each sees each
 * message exactly once; history of each copy; typing; the peer's read timestamp; the `dm`
 * notice.
 */
import { signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import type { Dm } from './dm.js';
import type { DmNotice, PeerReadEvent, TypingEvent } from './events.js';
import { testClient, until, wsFactory } from './test/real-relay.js';
import type { ChatMessage } from './types.js';

const DM_GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*', '/user/*/queue/dm.*'] };
const clients: ParleyClient[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await spawnRelay({ env: { PARLEY_MAX_SEND_RATE: '0' } });
});

afterAll(async () => {
  for (const c of clients) c.dispose();
  await relay?.stop();
});

function client(sub: string, name?: string): ParleyClient {
  const token = () => signToken(relay.secret, { sub, ...(name && { name }), parley: DM_GRANTS });
  return testClient({ url: relay.wsUrl, token }, clients);
}

function inbox(dm: Dm) {
  const messages: ChatMessage[] = [];
  dm.on('message', (m) => messages.push(m));
  return messages;
}

describe('direct messages', () => {
  it('alice (two tabs) and bob: once everywhere, history, typing, read timestamps, notices', async () => {
    const tab1 = client('alice', 'Alice');
    const tab2 = client('alice', 'Alice');
    const bob = client('bob', 'Bob');
    const notices: DmNotice[] = [];
    bob.on('dm', (n) => notices.push(n));
    const a1 = tab1.dm('bob');
    const a2 = tab2.dm('bob');
    const b = bob.dm('alice');
    const [in1, in2, inBob] = [inbox(a1), inbox(a2), inbox(b)];
    const bobTyping: TypingEvent[] = [];
    b.on('typing', (e) => bobTyping.push(e));
    const peerReads: PeerReadEvent[] = [];
    a2.on('read', (e) => peerReads.push(e));
    await Promise.all([tab1.connect(), tab2.connect(), bob.connect()]);
    await until(() => tab1.caughtUp && tab2.caughtUp && bob.caughtUp, 'all subscribed');
    expect(tab1.userId).toBe('alice');

    a1.typing();
    await until(() => bobTyping.length === 1, 'bob sees alice typing');
    expect(bobTyping[0]?.users).toEqual([{ id: 'alice', name: 'Alice' }]);

    const receipt = await a1.send('hi bob');
    expect(receipt.offset).toBe(1);
    await until(() => notices.length === 1, 'bob is told about the conversation');
    expect(notices[0]).toMatchObject({ from: 'alice', name: 'Alice', offset: 1 });
    expect(notices[0]?.destination).toBe('/user/queue/dm.alice');
    await b.send('hi alice');
    await a2.send('from tab 2');
    await until(
      () => in1.length === 3 && in2.length === 3 && inBob.length === 3,
      'everyone has the three messages',
    );
    for (const view of [in1, in2, inBob]) {
      expect(view.map((m) => m.body)).toEqual(['hi bob', 'hi alice', 'from tab 2']);
      expect(view.map((m) => m.sender.id)).toEqual(['alice', 'bob', 'alice']);
    }
    expect(in1[0]?.room).toBe('bob');
    // The typer stopped when her message came.
    await until(() => bobTyping.at(-1)?.users.length === 0, 'alice stopped typing');
    expect(notices.map((n) => n.from)).toEqual(['alice', 'alice']); // one per message of alice's

    // Unread: sending counts as reading up to one's own message.
    await until(() => b.unreadCount === 1, 'bob has alice’s last one unread');
    expect(a1.unreadCount).toBe(0);
    expect(a2.unreadCount).toBe(0);

    // Bob's own message counts as read by him; alice's tabs know by its timestamp.
    await until(() => a2.peerReadTimestamp === in2[1]!.timestamp.getTime(), 'bob read his own');
    expect(a2.isReadByPeer(in2[0]!)).toBe(true);
    expect(a2.isReadByPeer(in2[2]!)).toBe(false);
    // Bob reads: alice's tabs learn the timestamp of what he read.
    b.markRead();
    expect(b.unreadCount).toBe(0);
    const lastFromAlice = in2[2]!;
    await until(() => peerReads.length === 2, 'alice hears bob read');
    expect(peerReads.at(-1)).toEqual({
      user: { id: 'bob', name: 'Bob' },
      timestamp: lastFromAlice.timestamp.getTime(),
    });
    expect(a2.isReadByPeer(lastFromAlice)).toBe(true);
    await until(() => a1.peerReadTimestamp === lastFromAlice.timestamp.getTime(), 'tab 1 too');

    // Bob writes again; alice reads in tab 1 and tab 2's count follows.
    const later = await b.send('later');
    await until(() => a1.unreadCount === 1 && a2.unreadCount === 1, 'alice has 1 unread');
    expect(later.offset).toBe(4);
    a1.markRead();
    expect(a1.unreadCount).toBe(0);
    await until(() => a2.unreadCount === 0, 'tab 2 hears tab 1 read');
    await until(() => inBob.length === 4 && b.isReadByPeer(inBob[3]!), 'bob sees alice read');

    // Each copy's history.
    const mine = await a1.history({ limit: 10 });
    const theirs = await b.history({ limit: 10 });
    const all = ['hi bob', 'hi alice', 'from tab 2', 'later'];
    expect(mine.messages.map((m) => m.body)).toEqual(all);
    expect(theirs.messages.map((m) => m.body)).toEqual(all);
    for (const view of [in1, in2, inBob]) expect(view.map((m) => m.body)).toEqual(all);
    expect(mine.hasMore).toBe(false);
    expect(mine.messages.map((m) => m.timestamp.getTime())).toEqual(
      theirs.messages.map((m) => m.timestamp.getTime()),
    );

    // A later client of alice's sees bob's read position from the relay.
    const tab3 = client('alice');
    const a3 = tab3.dm('bob');
    a3.on('read', () => undefined);
    await tab3.connect();
    const bobRead = inBob[3]!.timestamp.getTime(); // his own 'later' counts as read
    await until(() => a3.peerReadTimestamp === bobRead, 'fetched');
    expect(a3.unreadCount).toBe(0);
  });

  it('resumes a conversation after a lost connection: missed messages once, unread right', async () => {
    const alice = client('alice');
    const sockets = wsFactory();
    const token = () => signToken(relay.secret, { sub: 'bob', parley: DM_GRANTS });
    const bob = testClient({ url: relay.wsUrl, token, webSocketFactory: sockets.factory }, clients);
    const fromAlice = alice.dm('bob');
    const b = bob.dm('alice');
    const seen = inbox(b);
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => bob.caughtUp, 'bob subscribed');
    await fromAlice.send('before');
    await until(() => seen.length === 1, 'bob has the first message');
    b.markRead();
    // Listen first: bob may be back before a poll of his state would see him reconnecting.
    const noticed = new Promise<void>((resolve) => {
      const off = bob.on('reconnecting', () => {
        off();
        resolve();
      });
    });
    for (const s of sockets.open()) s.terminate();
    await noticed;
    await fromAlice.send('during-1');
    await fromAlice.send('during-2');
    await until(() => bob.caughtUp, 'bob is back');
    await until(() => seen.length === 3, 'bob has the missed messages');
    expect(seen.map((m) => m.body)).toEqual(['before', 'during-1', 'during-2']);
    await until(() => b.unreadCount === 2, 'bob has 2 unread');
  });

  it('refuses a user id that cannot be one destination segment', () => {
    const c = client('erin');
    for (const bad of ['', '.', '..', 'a/b', 'x\u0007']) {
      expect(() => c.dm(bad)).toThrow(/invalid user id/);
    }
  });
});
