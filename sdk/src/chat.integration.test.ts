/**
 * Issue 10's chat features against a real relay: typing, presence, read positions and unread
 * counts, history paging, and a reconnect in the middle of it all.
 */
import { signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import type { Member, TypingEvent } from './events.js';
import { GRANTS, testClient, until, wsFactory } from './test/real-relay.js';
import type { ChatMessage } from './types.js';

const clients: ParleyClient[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  relay = await spawnRelay({ env: { PARLEY_MAX_SEND_RATE: '0' } });
});

afterAll(async () => {
  for (const c of clients) c.dispose();
  await relay?.stop();
});

function client(sub: string, name?: string, factory = wsFactory()): ParleyClient {
  const token = () => signToken(relay.secret, { sub, ...(name && { name }), parley: GRANTS });
  return testClient({ url: relay.wsUrl, token, webSocketFactory: factory.factory }, clients);
}

const ids = (members: readonly Member[]) => members.map((m) => m.id).sort();

describe('rooms: typing, presence, reads, unread, history', () => {
  it('shows who is typing, and drops a typer who sends', async () => {
    const alice = client('alice', 'Alice');
    const bob = client('bob');
    const typing: TypingEvent[] = [];
    const seen: ChatMessage[] = [];
    const bobRoom = bob.room('typing');
    bobRoom.on('typing', (e) => typing.push(e));
    bobRoom.on('message', (m) => seen.push(m));
    const aliceRoom = alice.room('typing');
    const aliceTyping: TypingEvent[] = [];
    aliceRoom.on('typing', (e) => aliceTyping.push(e));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => alice.caughtUp && bob.caughtUp, 'both subscribed');

    aliceRoom.typing();
    aliceRoom.typing(); // throttled: one signal
    await until(() => typing.length === 1, 'bob sees alice typing');
    expect(typing[0]?.users).toEqual([{ id: 'alice', name: 'Alice' }]);
    await aliceRoom.send('done typing');
    await until(() => seen.length === 1 && typing.length === 2, 'the message ends the typing');
    expect(typing[1]?.users).toEqual([]);
    // Alice never sees herself typing.
    expect(aliceTyping).toEqual([]);
  });

  it('keeps one consistent member set from the member list, joins and leaves', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const aliceRoom = alice.room('presence');
    let aliceSees: readonly Member[] = [];
    aliceRoom.on('members', (e) => (aliceSees = e.members));
    await alice.connect();
    await until(() => ids(aliceSees).join() === 'alice', 'alice sees herself');

    const bobRoom = bob.room('presence');
    const messages: ChatMessage[] = [];
    bobRoom.on('message', (m) => messages.push(m));
    await bob.connect();
    await until(() => bob.caughtUp, 'bob subscribed without presence');
    await aliceRoom.send('before bob is present');
    await until(() => messages.length === 1, 'bob gets messages');
    expect(ids(aliceSees)).toEqual(['alice']); // listening is not being present

    // members() makes bob present on the live subscription (switched without a gap).
    expect(bobRoom.members()).toEqual([]);
    await until(() => ids(aliceSees).join() === 'alice,bob', 'alice sees bob join');
    await until(() => ids(bobRoom.members()).join() === 'alice,bob', 'bob has the member list');
    await aliceRoom.send('after bob is present');
    await until(() => messages.length === 2, 'bob still gets messages');
    expect(messages.map((m) => m.body)).toEqual(['before bob is present', 'after bob is present']);

    bobRoom.leave();
    await until(() => ids(aliceSees).join() === 'alice', 'alice sees bob leave');
    expect(bobRoom.members()).toEqual([]); // members() makes bob present again
    await until(() => ids(aliceSees).join() === 'alice,bob', 'bob is back');
  });

  it('counts unread, marks read, and a later client sees who read what', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const aliceRoom = alice.room('reads');
    const bobRoom = bob.room('reads');
    const bobUnread: number[] = [];
    bobRoom.on('unread', (e) => bobUnread.push(e.count));
    const aliceReads: string[] = [];
    aliceRoom.on('read', (e) => aliceReads.push(`${e.user.id}:${e.offset}`));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => alice.caughtUp && bob.caughtUp, 'both subscribed');

    for (const text of ['one', 'two', 'three']) await aliceRoom.send(text);
    await until(() => bobRoom.unreadCount === 3, 'bob has 3 unread');
    // Alice's own messages count as read, here and on the relay.
    expect(aliceRoom.unreadCount).toBe(0);
    await until(() => aliceReads.includes('alice:3'), 'alice’s own read mark');

    bobRoom.markRead(2);
    bobRoom.markRead(1); // backwards: ignored
    expect(bobRoom.unreadCount).toBe(1);
    bobRoom.markRead(); // the newest seen
    expect(bobRoom.unreadCount).toBe(0);
    await until(() => aliceReads.includes('bob:3'), 'alice sees bob read everything');
    expect(aliceReads.filter((r) => r.startsWith('bob:')).at(-1)).toBe('bob:3');
    expect(bobUnread.at(-1)).toBe(0);

    const carol = client('carol');
    const carolRoom = carol.room('reads');
    carolRoom.on('unread', () => undefined);
    await carol.connect();
    await until(() => carolRoom.reads().size === 2, 'carol fetched the positions');
    const reads = carolRoom.reads();
    expect(reads.get('alice')?.offset).toBe(3);
    expect(reads.get('bob')?.offset).toBe(3);
    expect(reads.get('bob')?.timestamp).toBeGreaterThan(0);
    await until(() => carolRoom.unreadCount === 3, 'carol has everything unread');
  });

  it('updates my unread count from my other tab’s marks', async () => {
    const alice = client('alice');
    const tab1 = client('dave');
    const tab2 = client('dave');
    const r1 = tab1.room('tabs');
    const r2 = tab2.room('tabs');
    r1.on('unread', () => undefined);
    r2.on('unread', () => undefined);
    const aliceRoom = alice.room('tabs');
    await Promise.all([alice.connect(), tab1.connect(), tab2.connect()]);
    await until(() => tab1.caughtUp && tab2.caughtUp, 'tabs subscribed');
    await aliceRoom.send('a');
    await aliceRoom.send('b');
    await until(() => r1.unreadCount === 2 && r2.unreadCount === 2, 'both tabs have 2 unread');
    r1.markRead();
    await until(() => r2.unreadCount === 0, 'the other tab hears of it');
  });

  it('pages back through history: 60 messages in pages of 25, oldest first, no duplicate', async () => {
    const alice = client('alice');
    const room = alice.room('paging');
    await alice.connect();
    for (let i = 1; i <= 60; i++) await room.send(`m${i}`);
    const all: ChatMessage[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const page = await room.history({ limit: 25, ...(before !== undefined && { before }) });
      pages++;
      const offsets = page.messages.map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      all.unshift(...page.messages);
      if (!page.hasMore) break;
      before = page.messages[0]?.offset;
    }
    expect(pages).toBe(3);
    expect(all.map((m) => m.body)).toEqual(Array.from({ length: 60 }, (_, i) => `m${i + 1}`));
    expect(new Set(all.map((m) => m.id)).size).toBe(60);
    expect(all.every((m) => m.room === 'paging')).toBe(true);
  });

  it('keeps the member set and unread count right across a reconnect', async () => {
    const alice = client('alice');
    const bobSockets = wsFactory();
    const bob = client('bob', undefined, bobSockets);
    const aliceRoom = alice.room('reconnect');
    const bobRoom = bob.room('reconnect');
    let aliceSees: readonly Member[] = [];
    let bobSees: readonly Member[] = [];
    // Every member set alice saw: bob may be back before a poll would see him gone.
    const aliceSaw: string[] = [];
    aliceRoom.on('members', (e) => {
      aliceSees = e.members;
      aliceSaw.push(ids(e.members).join());
    });
    bobRoom.on('members', (e) => (bobSees = e.members));
    const bobMessages: string[] = [];
    bobRoom.on('message', (m) => bobMessages.push(m.body));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => ids(bobSees).join() === 'alice,bob', 'bob sees both');
    await aliceRoom.send('before');
    await until(() => bobRoom.unreadCount === 1, 'bob has 1 unread');
    bobRoom.markRead();

    // Bob's socket dies; alice writes and marks while he is away.
    const reconnected = new Promise<void>((resolve) => {
      const off = bob.on('caughtUp', () => {
        off();
        resolve();
      });
    });
    const noticed = new Promise<void>((resolve) => {
      const off = bob.on('reconnecting', () => {
        off();
        resolve();
      });
    });
    const seenBefore = aliceSaw.length;
    for (const s of bobSockets.open()) s.terminate();
    await noticed;
    await until(() => aliceSaw.slice(seenBefore).includes('alice'), 'alice sees bob go');
    for (const text of ['during-1', 'during-2']) await aliceRoom.send(text);
    await reconnected;
    await until(() => ids(aliceSees).join() === 'alice,bob', 'alice sees bob come back');
    await until(() => ids(bobSees).join() === 'alice,bob', 'bob’s member set is fresh');
    await until(() => bobRoom.unreadCount === 2, 'bob has the 2 missed messages unread');
    expect(bobMessages).toEqual(['before', 'during-1', 'during-2']);
    bobRoom.markRead();
    expect(bobRoom.unreadCount).toBe(0);
    const carol = client('carol');
    const carolRoom = carol.room('reconnect');
    carolRoom.on('read', () => undefined);
    await carol.connect();
    await until(() => carolRoom.reads().get('bob')?.offset === 3, 'bob’s mark reached the relay');
  });
});
