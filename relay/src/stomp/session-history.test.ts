import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker } from '../broker/memory-broker.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { Hub } from './hub.js';
import type { SessionSubscriptions } from './session-subscriptions.js';
import {
  LIMITS,
  ROOM,
  closeAll,
  connected,
  errorOf,
  frame,
  harness,
  settle,
  body,
  messages,
} from './session.harness.js';
import type { FakeTransport } from './session.harness.js';

afterEach(() => closeAll());

const receipt = (t: FakeTransport, id: string): Frame =>
  t.frames.find((f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === id)!;

describe('Session: SEND receipts and kinds', () => {
  it('puts the stamped offset, epoch and message id on the SEND receipt', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', { destination: ROOM, receipt: 'a' }, 'one'));
    session.onData(frame('SEND', { destination: ROOM, receipt: 'b' }, 'two'));
    await settle();
    const a = receipt(transport, 'a');
    const b = receipt(transport, 'b');
    expect(Number(header(b, 'parley-offset'))).toBe(Number(header(a, 'parley-offset')) + 1);
    expect(header(a, 'parley-epoch')).toBeTruthy();
    expect(header(a, 'parley-message-id')).toBeTruthy();
  });

  it('delivers typing live with offset 0 and never stores it; passes parley-client-id through', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    session.onData(frame('SEND', { destination: ROOM, 'parley-kind': 'typing' }, ''));
    session.onData(
      frame(
        'SEND',
        { destination: ROOM, 'parley-client-id': 'c-1', 'parley-kind': 'message' },
        'hi',
      ),
    );
    await settle();
    const [typing, hi] = messages(transport);
    expect(header(typing!, 'parley-kind')).toBe('typing');
    expect(header(typing!, 'parley-offset')).toBe('0');
    expect(header(hi!, 'parley-client-id')).toBe('c-1');
    const page = await h.broker.history(ROOM, { limit: 10 });
    expect(page.messages.map((m) => new TextDecoder().decode(m.body))).toEqual(['hi']);
  });

  it.each([
    [
      { 'parley-kind': 'presence' },
      'parley-kind must be one of message, typing, read, not "presence"',
    ],
    [{ 'parley-client-id': 'x'.repeat(129) }, 'parley-client-id must be 1 to 128 characters'],
  ])('refuses %j', async (extra, message) => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', { destination: ROOM, ...extra }, 'x'));
    await settle();
    expect(errorOf(transport).message).toBe(message);
  });
});

describe('Session: recovery with parley-since', () => {
  async function withHistory(n: number) {
    const h = harness();
    const writer = await connected(h);
    for (let i = 1; i <= n; i++)
      writer.session.onData(frame('SEND', { destination: ROOM }, `m${i}`));
    await settle();
    const page = await h.broker.history(ROOM, { limit: 100 });
    return { h, writer, epoch: page.epoch };
  }

  it('replays exactly what was missed, then goes live, and says so on the receipt', async () => {
    const { h, writer, epoch } = await withHistory(5);
    const { session, transport } = await connected(h);
    session.onData(
      frame('SUBSCRIBE', {
        id: 's',
        destination: ROOM,
        'parley-since': '2',
        'parley-epoch': epoch,
        receipt: 'r',
      }),
    );
    await settle();
    writer.session.onData(frame('SEND', { destination: ROOM }, 'm6'));
    await settle();
    expect(messages(transport).map(body)).toEqual(['m3', 'm4', 'm5', 'm6']);
    const r = receipt(transport, 'r');
    expect(header(r, 'parley-recovered')).toBe('true');
    expect(header(r, 'parley-replayed')).toBe('3');
    expect(header(r, 'parley-offset')).toBe('5');
    expect(header(r, 'parley-epoch')).toBe(epoch);
  });

  it('has no gap and no duplicate when messages keep arriving during the replay', async () => {
    // A broker whose history() answers only after live messages were published meanwhile.
    const broker = new MemoryBroker();
    let during: () => Promise<void> = () => Promise.resolve();
    const slow = Object.create(broker) as MemoryBroker;
    slow.history = async (d, q) => {
      const page = await broker.history(d, q);
      await during();
      return page;
    };
    const h = harness({ broker: slow, hub: new Hub(slow, { maxQueueBacklog: 10 }) });
    const writer = await connected(h);
    for (let i = 1; i <= 4; i++)
      writer.session.onData(frame('SEND', { destination: ROOM }, `m${i}`));
    await settle();
    const { epoch } = await broker.history(ROOM, { limit: 1 });
    during = async () => {
      during = () => Promise.resolve();
      // m5 and m6 are published after the page was read: they arrive live, held until the seam.
      for (const b of ['m5', 'm6'])
        await broker.publish({
          destination: ROOM,
          body: new TextEncoder().encode(b),
          headers: [],
          sender: 'x',
        });
    };
    const { session, transport } = await connected(h);
    session.onData(
      frame('SUBSCRIBE', {
        id: 's',
        destination: ROOM,
        'parley-since': '1',
        'parley-epoch': epoch,
        receipt: 'r',
      }),
    );
    await settle();
    await settle();
    expect(messages(transport).map(body)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
    expect(header(receipt(transport, 'r'), 'parley-recovered')).toBe('true');
  });

  it('says recovered:false when the epoch changed', async () => {
    const { h } = await withHistory(3);
    const { session, transport } = await connected(h);
    session.onData(
      frame('SUBSCRIBE', {
        id: 's',
        destination: ROOM,
        'parley-since': '2',
        'parley-epoch': 'old-epoch',
        receipt: 'r',
      }),
    );
    await settle();
    expect(header(receipt(transport, 'r'), 'parley-recovered')).toBe('false');
    expect(messages(transport)).toHaveLength(0);
  });

  it('says recovered:false when history was trimmed past the point, replaying what is left', async () => {
    const broker = new MemoryBroker({ maxCount: 3, maxAgeMs: 60_000 });
    const h = harness({ broker, hub: new Hub(broker, { maxQueueBacklog: 10 }) });
    const writer = await connected(h);
    for (let i = 1; i <= 6; i++)
      writer.session.onData(frame('SEND', { destination: ROOM }, `m${i}`));
    await settle();
    const { session, transport } = await connected(h);
    session.onData(
      frame('SUBSCRIBE', { id: 's', destination: ROOM, 'parley-since': '1', receipt: 'r' }),
    );
    await settle();
    expect(header(receipt(transport, 'r'), 'parley-recovered')).toBe('false');
    expect(messages(transport).map(body)).toEqual(['m4', 'm5', 'm6']);
  });

  it('says recovered:false when more than maxReplay were missed', async () => {
    const { h } = await withHistory(LIMITS.maxReplay + 5);
    const { session, transport } = await connected(h);
    session.onData(
      frame('SUBSCRIBE', { id: 's', destination: ROOM, 'parley-since': '0', receipt: 'r' }),
    );
    await settle();
    expect(header(receipt(transport, 'r'), 'parley-recovered')).toBe('false');
    expect(messages(transport)).toHaveLength(LIMITS.maxReplay);
  });

  it('refuses a bad parley-since and recovery on /queue/', async () => {
    const h = harness();
    const bad = await connected(h);
    bad.session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, 'parley-since': '-1' }));
    await settle();
    expect(errorOf(bad.transport).message).toBe(
      'parley-since must be a whole number (an offset), got "-1"',
    );
    const q = await connected(h, 'good-worker');
    q.session.onData(frame('SUBSCRIBE', { id: 's', destination: '/queue/w', 'parley-since': '0' }));
    await settle();
    expect(errorOf(q.transport).message).toBe(
      'parley-since is for broadcast destinations, not /queue/',
    );
  });
});

describe('Session: history over STOMP', () => {
  it('answers SEND /parley/history on the reply-to subscription with a JSON page', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    for (let i = 1; i <= 5; i++) session.onData(frame('SEND', { destination: ROOM }, `m${i}`));
    session.onData(frame('SUBSCRIBE', { id: 'h', destination: '/user/queue/history' }));
    session.onData(
      frame('SEND', {
        destination: '/parley/history',
        'parley-target': ROOM,
        'parley-before': '5',
        'parley-limit': '2',
        'reply-to': '/user/queue/history',
        'parley-request-id': 'q1',
        receipt: 'r',
      }),
    );
    await settle();
    const reply = messages(transport)[0]!;
    expect(header(reply, 'subscription')).toBe('h');
    expect(header(reply, 'parley-request-id')).toBe('q1');
    const json = JSON.parse(body(reply)) as {
      messages: Array<{ body: string; offset: number; sender: string }>;
      last: number;
    };
    expect(json.messages.map((m) => m.body)).toEqual(['m3', 'm4']);
    expect(json.messages[0]!.sender).toBe('alice');
    expect(json.last).toBe(5);
    expect(receipt(transport, 'r')).toBeDefined();
  });

  it.each([
    [{ 'parley-target': '/topic/secret', 'reply-to': '/user/queue/history' }, 'forbidden'],
    [{ 'parley-target': ROOM }, 'protocol-error'],
    [
      { 'parley-target': ROOM, 'reply-to': '/user/queue/history', 'parley-limit': '100000' },
      'protocol-error',
    ],
  ])('refuses %j', async (extra, reason) => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 'h', destination: '/user/queue/history' }));
    session.onData(frame('SEND', { destination: '/parley/history', ...extra }));
    await settle();
    expect(errorOf(transport).reason).toBe(reason);
  });
});

describe('Session: each subscription moves forward', () => {
  it('never delivers an offset twice, nor an older one after a newer (seams of replay and gap fill)', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    for (const b of ['m1', 'm2', 'm3']) session.onData(frame('SEND', { destination: ROOM }, b));
    await settle();
    const page = await h.broker.history(ROOM, { limit: 10 });
    const sub = (session as unknown as { subs: SessionSubscriptions }).subs.byDestination(ROOM)!;
    // A late gap fill hands the session what it already has.
    for (const m of page.messages) session.deliver(m, sub);
    expect(messages(transport).map(body)).toEqual(['m1', 'm2', 'm3']);
  });
});
