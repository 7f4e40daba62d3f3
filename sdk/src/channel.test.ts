import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelHost } from './channel.js';
import { Dm } from './dm.js';
import type { InboundFrame, OutboundMessage } from './message.js';
import type { SendResult } from './outbox.js';
import type { ReadsReply } from './reads.js';
import { Room } from './room.js';
import type { SubscriptionHooks } from './subscriptions.js';
import type { SendPromise, SendReceipt } from './events.js';
import type { ChatMessage } from './types.js';

/** A host that records what the channel asks for; the test plays the relay. */
function fakeHost(me = 'me') {
  const subs: { destination: string; hooks: SubscriptionHooks; released: boolean }[] = [];
  const published: { destination: string; headers: Record<string, string> }[] = [];
  const marks: { destination: string; offset: string | undefined }[] = [];
  const markAnswers: ((r: SendResult) => void)[] = [];
  const sends: { destination: string; settle: (r: SendReceipt) => void }[] = [];
  let refreshes = 0;
  let reply: ReadsReply = { epoch: 'e1', newest: 0, reads: new Map() };
  const host: ChannelHost = {
    subscribe(destination, hooks) {
      const sub = { destination, hooks, released: false };
      subs.push(sub);
      return () => (sub.released = true);
    },
    refresh: () => void refreshes++,
    send(destination: string, message: OutboundMessage): SendPromise {
      void message;
      let settle!: (r: SendReceipt) => void;
      const p = new Promise<SendReceipt>((resolve) => (settle = resolve));
      sends.push({ destination, settle });
      return Object.assign(p, { clientId: 'c', outgoing: undefined as never });
    },
    rejected: () => {
      throw new Error('not used');
    },
    publish(destination, headers) {
      published.push({ destination, headers });
      return true;
    },
    mark(destination, message) {
      marks.push({ destination, offset: message.headers['parley-read-offset'] });
      return new Promise<SendResult>((resolve) => markAnswers.push(resolve));
    },
    history: () => Promise.reject(new Error('not used')),
    reads: () => Promise.resolve(reply),
    userId: () => me,
  };
  const sub = () => {
    const live = subs.filter((s) => !s.released).at(-1);
    if (!live) throw new Error('not subscribed');
    return live;
  };
  return {
    host,
    subs,
    sub,
    published,
    marks,
    sends,
    refreshes: () => refreshes,
    setReply: (r: ReadsReply) => (reply = r),
    answerMark: async () => {
      markAnswers.shift()?.({ ok: true, headers: {} });
      await tick();
    },
    /** Delivers a MESSAGE frame through the hooks as the registry would. */
    deliver(headers: Record<string, string>, body = '') {
      const frame: InboundFrame = { headers, body };
      const kind = headers['parley-kind'];
      const hooks = sub().hooks;
      if (kind !== undefined && kind !== 'message') hooks.event?.(kind, frame);
      else hooks.message(hooks.decode(frame));
    },
  };
}

/** Lets promise callbacks run (timers may be fake). */
const tick = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const message = (offset: number, sender: string) => ({
  'message-id': `m${offset}`,
  'parley-offset': String(offset),
  'parley-epoch': 'e1',
  'parley-sender': sender,
  'parley-timestamp': String(1000 + offset),
});

describe('Room (with a fake host)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes for chat listeners, and turns presence on and off on the live subscription', () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    const offTyping = room.on('typing', () => undefined);
    expect(h.subs).toHaveLength(1);
    expect(h.sub().hooks.headers?.()).toEqual({});
    const offMembers = room.on('members', () => undefined);
    expect(h.refreshes()).toBe(1);
    expect(h.sub().hooks.headers?.()).toEqual({ 'parley-presence': 'true' });
    offMembers();
    expect(h.refreshes()).toBe(2);
    expect(h.sub().hooks.headers?.()).toEqual({});
    offTyping();
    expect(h.subs[0]?.released).toBe(true);
    // members() alone subscribes, with presence, until leave().
    expect(room.members()).toEqual([]);
    expect(h.subs).toHaveLength(2);
    expect(h.sub().hooks.headers?.()).toEqual({ 'parley-presence': 'true' });
    room.leave();
    expect(h.subs[1]?.released).toBe(true);
  });

  it('keeps the member set from presence events and drops it when presence ends', () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    const sets: string[][] = [];
    const off = room.on('members', (e) => sets.push(e.members.map((m) => m.id)));
    const presence = { 'parley-kind': 'presence', 'parley-offset': '0' };
    h.deliver(presence, '{"type":"members","members":[{"id":"me"},{"id":"bob"}]}');
    h.deliver(presence, '{"type":"join","user":{"id":"bob"}}');
    h.deliver(presence, '{"type":"join","user":{"id":"carol","name":"Carol"}}');
    h.deliver(presence, '{"type":"leave","user":{"id":"bob"}}');
    expect(sets).toEqual([
      ['me', 'bob'],
      ['me', 'bob', 'carol'],
      ['me', 'carol'],
    ]);
    expect(h.sub().hooks.headers?.()).toEqual({ 'parley-presence': 'true' });
    const watch: number[] = [];
    room.on('unread', (e) => watch.push(e.count)); // keeps the room subscribed
    off();
    expect(h.sub().hooks.headers?.()).toEqual({});
    expect(sets).toEqual([
      ['me', 'bob'],
      ['me', 'bob', 'carol'],
      ['me', 'carol'],
    ]);
    expect(room.members()).toEqual([]); // presence ended: the set is gone until a new list
    h.deliver(
      { 'parley-kind': 'presence', 'parley-offset': '0' },
      '{"type":"members","members":[{"id":"me"},{"id":"carol","name":"Carol"}]}',
    );
    expect(room.members()).toEqual([{ id: 'me' }, { id: 'carol', name: 'Carol' }]);
  });

  it('shows others typing (never me), stops them on their message, expires them after 6 s', () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    const typing: string[][] = [];
    room.on('typing', (e) => typing.push(e.users.map((u) => u.id)));
    const signal = (who: string) =>
      h.deliver({ 'parley-kind': 'typing', 'parley-sender': who, 'parley-offset': '0' });
    signal('me');
    signal('bob');
    signal('carol');
    h.deliver(message(1, 'bob'));
    expect(typing).toEqual([['bob'], ['bob', 'carol'], ['carol']]);
    vi.advanceTimersByTime(6000);
    expect(typing.at(-1)).toEqual([]);
  });

  it('throttles typing() and stops it when a message is sent', () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    room.typing();
    room.typing();
    expect(h.published).toEqual([
      { destination: '/topic/room.r', headers: { 'parley-kind': 'typing' } },
    ]);
    void room.send('hi');
    room.typing(); // a new burst after the send: at once
    expect(h.published).toHaveLength(2);
  });

  it('counts unread, coalesces marks, and counts own sends as read', async () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    const counts: number[] = [];
    room.on('unread', (e) => counts.push(e.count));
    h.setReply({ epoch: 'e1', newest: 5, reads: new Map([['me', { offset: 2, at: 1 }]]) });
    h.sub().hooks.synced?.();
    await tick();
    expect(room.unreadCount).toBe(3);
    h.deliver(message(6, 'bob'));
    expect(room.unreadCount).toBe(4);
    room.markRead(4);
    room.markRead(5);
    room.markRead(); // 6, the newest seen
    room.markRead(3); // backwards: nothing
    expect(room.unreadCount).toBe(0);
    expect(h.marks.map((m) => m.offset)).toEqual(['4']); // one in flight
    await h.answerMark();
    expect(h.marks.map((m) => m.offset)).toEqual(['4', '6']); // the last value wins
    await h.answerMark();
    // My own message: read once the relay stamped it, and marked on the relay.
    h.deliver(message(7, 'bob'));
    expect(room.unreadCount).toBe(1);
    const sent = room.send('mine');
    h.sends[0]?.settle({ clientId: 'c', offset: 8, epoch: 'e1', messageId: 'x', duplicate: false });
    await sent;
    await tick();
    expect(room.unreadCount).toBe(0);
    expect(h.marks.map((m) => m.offset)).toEqual(['4', '6', '8']);
    // My read from another tab lowers the count too.
    h.deliver(message(9, 'bob'));
    h.deliver(message(10, 'bob'));
    h.deliver({ 'parley-kind': 'read', 'parley-sender': 'me', 'parley-read-offset': '9' });
    expect(room.unreadCount).toBe(1);
    expect(counts.at(-1)).toBe(1);
  });

  it('keeps reads() from the reply and live read events', async () => {
    const h = fakeHost();
    const room = new Room('r', '/topic/room.r', h.host);
    const events: string[] = [];
    room.on('read', (e) => events.push(`${e.user.id}:${e.offset}`));
    h.setReply({ epoch: 'e1', newest: 5, reads: new Map([['bob', { offset: 4, at: 1 }]]) });
    h.sub().hooks.synced?.();
    await tick();
    h.deliver({
      'parley-kind': 'read',
      'parley-sender': 'carol',
      'parley-read-offset': '5',
      'parley-read-timestamp': '1005',
    });
    expect(events).toEqual(['bob:4', 'carol:5']);
    expect(room.reads().get('carol')).toMatchObject({ offset: 5, timestamp: 1005 });
    expect([...room.reads().keys()]).toEqual(['bob', 'carol']);
  });
});

describe('Dm (with a fake host)', () => {
  it('types to the peer’s copy and follows the peer’s read timestamp', async () => {
    const h = fakeHost('alice');
    const dm = new Dm('bob', '/user/queue/dm.bob', h.host);
    const reads: number[] = [];
    dm.on('read', (e) => reads.push(e.timestamp));
    dm.typing();
    expect(h.published[0]?.destination).toBe('/user/bob/queue/dm.alice');
    h.setReply({
      epoch: 'e1',
      newest: 2,
      reads: new Map(),
      peer: { user: 'bob', timestamp: 1001 },
    });
    h.sub().hooks.synced?.();
    await tick();
    expect(dm.peerReadTimestamp).toBe(1001);
    h.deliver({ 'parley-kind': 'read', 'parley-sender': 'bob', 'parley-read-timestamp': '1002' });
    h.deliver({ 'parley-kind': 'read', 'parley-sender': 'bob', 'parley-read-timestamp': '1000' });
    // My own mark (another tab) is not the peer's.
    h.deliver({
      'parley-kind': 'read',
      'parley-sender': 'alice',
      'parley-read-offset': '2',
      'parley-read-timestamp': '1009',
    });
    expect(reads).toEqual([1001, 1002]);
    h.deliver(message(3, 'alice'));
    expect(dm.isReadByPeer({ timestamp: new Date(1002) } as ChatMessage)).toBe(true);
    expect(dm.isReadByPeer({ timestamp: new Date(1003) } as ChatMessage)).toBe(false);
    expect(dm.unreadCount).toBe(0);
  });
});
