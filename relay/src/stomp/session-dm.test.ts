import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import type { ReadsJson } from '../reads/read-service.js';
import type { DmNoticeJson } from './dm.js';
import { chatHarness, receiptOf } from './session-chat.harness.js';
import { body, closeAll, connected, errorOf, frame, messages, settle } from './session.harness.js';
import type { Harness } from './session.harness.js';

afterEach(() => closeAll());

/** alice with two tabs on her copy, bob on his copy and his notices. */
async function conversation(h: Harness) {
  const a1 = await connected(h, 'alice');
  const a2 = await connected(h, 'alice');
  const bob = await connected(h, 'bob');
  for (const a of [a1, a2])
    a.session.onData(frame('SUBSCRIBE', { id: 'dm', destination: '/user/queue/dm.bob' }));
  bob.session.onData(frame('SUBSCRIBE', { id: 'dm', destination: '/user/queue/dm.alice' }));
  bob.session.onData(frame('SUBSCRIBE', { id: 'n', destination: '/user/queue/parley-dm' }));
  await settle();
  return { a1, a2, bob };
}

const dm = (extra: Record<string, string> = {}): Record<string, string> => ({
  destination: '/user/bob/queue/dm.alice',
  ...extra,
});

describe('Session: direct messages', () => {
  it('stores the message in both copies with one timestamp and client id; the RECEIPT is the sender copy', async () => {
    const h = chatHarness();
    const { a1, a2, bob } = await conversation(h);
    a1.session.onData(frame('SEND', dm({ 'parley-client-id': 'c-1', receipt: 'r' }), 'hi bob'));
    await settle();
    const [mine1] = messages(a1.transport);
    expect(messages(a1.transport)).toHaveLength(1);
    expect(messages(a2.transport)).toHaveLength(1);
    const bobs = messages(bob.transport).filter((m) => header(m, 'subscription') === 'dm');
    expect(bobs).toHaveLength(1);
    const theirs = bobs[0]!;
    expect(body(mine1!)).toBe('hi bob');
    expect(body(theirs)).toBe('hi bob');
    for (const m of [mine1!, theirs]) {
      expect(header(m, 'parley-sender')).toBe('alice');
      expect(header(m, 'parley-client-id')).toBe('c-1');
    }
    expect(header(mine1!, 'parley-timestamp')).toBe(header(theirs, 'parley-timestamp'));
    expect(header(mine1!, 'destination')).toBe('/user/queue/dm.bob');
    const receipt = receiptOf(a1.transport, 'r')!;
    expect(header(receipt, 'parley-offset')).toBe(header(mine1!, 'parley-offset'));
    expect(header(receipt, 'parley-message-id')).toBe(header(mine1!, 'message-id'));
    const aliceCopy = await h.broker.history('/user/alice/queue/dm.bob', { limit: 10 });
    const bobCopy = await h.broker.history('/user/bob/queue/dm.alice', { limit: 10 });
    expect(aliceCopy.messages.map((m) => m.offset)).toEqual([1]);
    expect(bobCopy.messages.map((m) => m.offset)).toEqual([1]);
    // bob hears of the conversation on his notice queue, ephemerally.
    const notice = messages(bob.transport).find((m) => header(m, 'subscription') === 'n')!;
    expect(header(notice, 'parley-kind')).toBe('dm');
    expect(header(notice, 'parley-offset')).toBe('0');
    expect(JSON.parse(body(notice)) as DmNoticeJson).toEqual({
      from: 'alice',
      name: 'Alice',
      destination: '/user/queue/dm.alice',
      offset: 1,
      timestamp: Number(header(theirs, 'parley-timestamp')),
    });
  });

  it('publishes a resend with the same client id to neither copy again', async () => {
    const h = chatHarness();
    const { a1, a2, bob } = await conversation(h);
    a1.session.onData(frame('SEND', dm({ 'parley-client-id': 'c-1', receipt: 'r1' }), 'hi'));
    await settle();
    a2.session.onData(frame('SEND', dm({ 'parley-client-id': 'c-1', receipt: 'r2' }), 'hi'));
    await settle();
    expect(messages(a1.transport)).toHaveLength(1);
    expect(messages(a2.transport)).toHaveLength(1);
    expect(messages(bob.transport)).toHaveLength(2); // the message and one notice
    const r1 = receiptOf(a1.transport, 'r1')!;
    const r2 = receiptOf(a2.transport, 'r2')!;
    expect(header(r2, 'parley-offset')).toBe(header(r1, 'parley-offset'));
    expect(header(r2, 'parley-duplicate')).toBe('true');
    expect((await h.broker.history('/user/alice/queue/dm.bob', { limit: 10 })).last).toBe(1);
    expect((await h.broker.history('/user/bob/queue/dm.alice', { limit: 10 })).last).toBe(1);
  });

  it('sends typing to the peer copy only, unstored', async () => {
    const h = chatHarness();
    const { a1, a2, bob } = await conversation(h);
    a1.session.onData(frame('SEND', dm({ 'parley-kind': 'typing' })));
    await settle();
    expect(messages(a1.transport)).toHaveLength(0);
    expect(messages(a2.transport)).toHaveLength(0);
    const [typing] = messages(bob.transport);
    expect(header(typing!, 'parley-kind')).toBe('typing');
    expect(header(typing!, 'parley-offset')).toBe('0');
    expect(messages(bob.transport)).toHaveLength(1); // no notice for typing
  });

  it.each([
    ['/user/bob/queue/dm.carol', 'alice', 'forbidden', /bob's conversation with carol/],
    ['/user/queue/dm.bob', 'alice', 'protocol-error', /your copy.*\/user\/bob\/queue\/dm\.alice/],
    ['/user/bob/queue/dm.bad/id', 'bad/id', 'destination-invalid', /contains "\/"/],
  ])('refuses SEND %s from %s', async (destination, user, reason, message) => {
    const h = chatHarness();
    const s = await connected(h, user);
    s.session.onData(frame('SEND', { destination }, 'x'));
    await settle();
    const err = errorOf(s.transport);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect((await h.broker.history('/user/bob/queue/dm.carol', { limit: 1 })).last).toBe(0);
  });

  it('keeps notes to self in one copy', async () => {
    const h = chatHarness();
    const a = await connected(h, 'alice');
    a.session.onData(frame('SUBSCRIBE', { id: 'me', destination: '/user/queue/dm.alice' }));
    a.session.onData(frame('SEND', { destination: '/user/queue/dm.alice' }, 'note'));
    await settle();
    expect(messages(a.transport).map(body)).toEqual(['note']);
  });

  it("marks read on one's own copy; the peer copy hears the timestamp", async () => {
    const h = chatHarness();
    const { a1, bob } = await conversation(h);
    a1.session.onData(frame('SEND', dm(), 'one'));
    await settle();
    const theirs = messages(bob.transport).find((m) => header(m, 'subscription') === 'dm')!;
    bob.session.onData(
      frame('SEND', {
        destination: '/user/queue/dm.alice',
        'parley-kind': 'read',
        'parley-read-offset': header(theirs, 'parley-offset')!,
        receipt: 'r',
      }),
    );
    await settle();
    expect(header(receiptOf(bob.transport, 'r')!, 'parley-read-offset')).toBe('1');
    const toAlice = messages(a1.transport).at(-1)!;
    expect(header(toAlice, 'parley-kind')).toBe('read');
    expect(header(toAlice, 'parley-sender')).toBe('bob');
    expect(header(toAlice, 'parley-read-timestamp')).toBe(header(theirs, 'parley-timestamp'));
    expect(header(toAlice, 'parley-read-offset')).toBeUndefined();
    const toBob = messages(bob.transport).at(-1)!;
    expect(header(toBob, 'parley-read-offset')).toBe('1');

    // alice asks about her copy: her own position (none yet) and bob's, as a timestamp.
    a1.session.onData(frame('SUBSCRIBE', { id: 'q', destination: '/user/queue/reads' }));
    a1.session.onData(
      frame('SEND', {
        destination: '/parley/reads',
        'parley-target': '/user/queue/dm.bob',
        'reply-to': '/user/queue/reads',
      }),
    );
    await settle();
    const json = JSON.parse(body(messages(a1.transport).at(-1)!)) as ReadsJson;
    expect(json).toMatchObject({
      destination: '/user/queue/dm.bob',
      newest: 1,
      reads: [],
      peer: { user: 'bob', timestamp: Number(header(theirs, 'parley-timestamp')) },
    });
  });
});
