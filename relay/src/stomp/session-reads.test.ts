import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import type { ReadsJson } from '../reads/read-service.js';
import { chatHarness, receiptOf } from './session-chat.harness.js';
import { body, closeAll, connected, errorOf, frame, messages, settle } from './session.harness.js';

afterEach(() => closeAll());

const ROOM = '/topic/room.7';

describe('Session: read marks', () => {
  it('stores the position, answers it in the RECEIPT and announces it live, ephemerally', async () => {
    const h = chatHarness();
    const alice = await connected(h, 'alice');
    const bob = await connected(h, 'bob');
    bob.session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    for (const b of ['one', 'two', 'three'])
      alice.session.onData(frame('SEND', { destination: ROOM }, b));
    await settle();
    bob.session.onData(
      frame('SEND', {
        destination: ROOM,
        'parley-kind': 'read',
        'parley-read-offset': '2',
        receipt: 'r1',
      }),
    );
    await settle();
    const receipt = receiptOf(bob.transport, 'r1');
    expect(header(receipt!, 'parley-read-offset')).toBe('2');
    expect(header(receipt!, 'parley-epoch')).toBeTruthy();
    const event = messages(bob.transport).at(-1)!;
    expect(header(event, 'parley-kind')).toBe('read');
    expect(header(event, 'parley-sender')).toBe('bob');
    expect(header(event, 'parley-offset')).toBe('0');
    expect(header(event, 'parley-read-offset')).toBe('2');
    expect(header(event, 'parley-read-timestamp')).toMatch(/^\d+$/);
    // Not stored: offsets count real messages only.
    const page = await h.broker.history(ROOM, { limit: 10 });
    expect(page.last).toBe(3);
    expect(
      page.messages.map((m) => header({ ...event, headers: m.headers }, 'parley-kind')),
    ).toEqual([undefined, undefined, undefined]);
  });

  it('needs only a sub grant, and refuses without one', async () => {
    const h = chatHarness();
    const reader = await connected(h, 'reader');
    reader.session.onData(
      frame('SEND', {
        destination: ROOM,
        'parley-kind': 'read',
        'parley-read-offset': '0',
        receipt: 'r',
      }),
    );
    await settle();
    expect(receiptOf(reader.transport, 'r')).toBeDefined();
    const outsider = await connected(h, 'outsider');
    outsider.session.onData(
      frame('SEND', { destination: ROOM, 'parley-kind': 'read', 'parley-read-offset': '0' }),
    );
    await settle();
    expect(errorOf(outsider.transport).reason).toBe('forbidden');
  });

  it.each([
    [{}, 'protocol-error', /parley-read-offset/],
    [{ 'parley-read-offset': '-1' }, 'protocol-error', /whole number/],
    [{ 'parley-read-offset': '1', destination: '/queue/jobs' }, 'protocol-error', /not \/queue\//],
    [
      { 'parley-read-offset': '1', destination: '/user/bob/queue/dm.alice' },
      'forbidden',
      /your own copy/,
    ],
  ])('refuses %j', async (extra, reason, message) => {
    const h = chatHarness();
    const alice = await connected(h, 'alice');
    alice.session.onData(
      frame('SEND', { destination: ROOM, 'parley-kind': 'read', ...extra } as Record<
        string,
        string
      >),
    );
    await settle();
    const err = errorOf(alice.transport);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
  });

  it('answers /parley/reads on the reply-to subscription, with the request id', async () => {
    const h = chatHarness();
    const alice = await connected(h, 'alice');
    const bob = await connected(h, 'bob');
    for (const b of ['one', 'two']) alice.session.onData(frame('SEND', { destination: ROOM }, b));
    alice.session.onData(
      frame('SEND', { destination: ROOM, 'parley-kind': 'read', 'parley-read-offset': '2' }),
    );
    bob.session.onData(
      frame('SEND', { destination: ROOM, 'parley-kind': 'read', 'parley-read-offset': '1' }),
    );
    await settle();
    const reader = await connected(h, 'reader');
    reader.session.onData(frame('SUBSCRIBE', { id: 'q', destination: '/user/queue/reads' }));
    reader.session.onData(
      frame('SEND', {
        destination: '/parley/reads',
        'parley-target': ROOM,
        'reply-to': '/user/queue/reads',
        'parley-request-id': 'q-1',
        receipt: 'r',
      }),
    );
    await settle();
    const [reply] = messages(reader.transport);
    expect(header(reply!, 'parley-kind')).toBe('reads');
    expect(header(reply!, 'parley-request-id')).toBe('q-1');
    expect(header(reply!, 'subscription')).toBe('q');
    const json = JSON.parse(body(reply!)) as ReadsJson;
    expect(json).toMatchObject({ destination: ROOM, newest: 2 });
    expect(header(reply!, 'parley-epoch')).toBe(json.epoch);
    expect(json.reads.map((r) => [r.user, r.offset]).sort()).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    expect(receiptOf(reader.transport, 'r')).toBeDefined();
  });

  it('refuses /parley/reads without reply-to or without a sub grant', async () => {
    const h = chatHarness();
    const a = await connected(h, 'alice');
    a.session.onData(frame('SEND', { destination: '/parley/reads', 'parley-target': ROOM }));
    await settle();
    expect(errorOf(a.transport).message).toMatch(/reply-to/);
    const o = await connected(h, 'outsider');
    o.session.onData(
      frame('SEND', {
        destination: '/parley/reads',
        'parley-target': ROOM,
        'reply-to': '/user/queue/reads',
      }),
    );
    await settle();
    expect(errorOf(o.transport).reason).toBe('forbidden');
  });
});
