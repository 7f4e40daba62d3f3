import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
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

afterEach(() => closeAll());

const QUEUE = '/queue/work';

describe('Session: client acknowledgements', () => {
  it('client-individual: every MESSAGE has its own ack id, ACK settles exactly that one', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, ack: 'client-individual' }));
    for (const b of ['a', 'b', 'c']) session.onData(frame('SEND', { destination: ROOM }, b));
    await settle();
    const ms = messages(transport);
    expect(ms.map(body)).toEqual(['a', 'b', 'c']);
    const acks = ms.map((m) => header(m, 'ack'));
    expect(new Set(acks).size).toBe(3);
    session.onData(frame('ACK', { id: acks[1]!, receipt: 'r1' }));
    await settle();
    expect(header(transport.frames.at(-1)!, 'receipt-id')).toBe('r1');
    // Acking the same id twice is an error: it is no longer pending.
    session.onData(frame('ACK', { id: acks[1]! }));
    await settle();
    expect(errorOf(transport).message).toBe(
      `ACK id "${acks[1]}" matches no unacknowledged message`,
    );
  });

  it('client: ACK is cumulative over the subscription', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, ack: 'client' }));
    for (const b of ['a', 'b', 'c']) session.onData(frame('SEND', { destination: ROOM }, b));
    await settle();
    const acks = messages(transport).map((m) => header(m, 'ack')!);
    session.onData(frame('ACK', { id: acks[1]! }));
    await settle();
    // a and b are settled by the cumulative ACK of b; c is still pending.
    session.onData(frame('ACK', { id: acks[2]!, receipt: 'ok' }));
    session.onData(frame('ACK', { id: acks[0]! }));
    await settle();
    expect(
      header(
        transport.frames.find((f) => f.command === 'RECEIPT')!,
        'receipt-id',
      ),
    ).toBe('ok');
    expect(errorOf(transport).message).toBe(
      `ACK id "${acks[0]}" matches no unacknowledged message`,
    );
  });

  it('auto subscriptions carry no ack header', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    session.onData(frame('SEND', { destination: ROOM }, 'x'));
    await settle();
    expect(header(messages(transport)[0]!, 'ack')).toBeUndefined();
  });

  it('drops a broadcast subscriber that leaves too many messages unacknowledged', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, ack: 'client-individual' }));
    for (let i = 0; i <= LIMITS.maxUnacked; i++)
      session.onData(frame('SEND', { destination: ROOM }, `${i}`));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('limit-exceeded');
    expect(e.message).toBe(`subscription "s" has ${LIMITS.maxUnacked} unacknowledged messages`);
  });

  it('refuses an unknown ack mode', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, ack: 'sometimes' }));
    await settle();
    expect(errorOf(transport).message).toBe(
      'ack must be auto, client or client-individual, not "sometimes"',
    );
  });

  it('accepts STOMP 1.1 ACKs by subscription and message-id', async () => {
    const h = harness();
    const { session, transport } = await connected(h, 'good', { 'accept-version': '1.1' });
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM, ack: 'client' }));
    session.onData(frame('SEND', { destination: ROOM }, 'x'));
    await settle();
    const m = messages(transport)[0]!;
    session.onData(
      frame('ACK', { subscription: 's', 'message-id': header(m, 'message-id')!, receipt: 'k' }),
    );
    await settle();
    expect(header(transport.frames.at(-1)!, 'receipt-id')).toBe('k');
  });
});

describe('Session: /queue/ competing consumers', () => {
  it('gives each message to exactly one consumer, round robin', async () => {
    const h = harness();
    const a = await connected(h, 'good-worker');
    const b = await connected(h, 'good-worker');
    a.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE }));
    b.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE }));
    await settle();
    for (let i = 0; i < 6; i++) a.session.onData(frame('SEND', { destination: QUEUE }, `${i}`));
    await settle();
    const got = [...messages(a.transport), ...messages(b.transport)].map(body).sort();
    expect(got).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(messages(a.transport)).toHaveLength(3);
    expect(messages(b.transport)).toHaveLength(3);
  });

  it('keeps messages sent before any consumer and delivers them when one subscribes', async () => {
    const h = harness();
    const producer = await connected(h, 'good-worker');
    producer.session.onData(frame('SEND', { destination: QUEUE, receipt: 'p' }, 'early'));
    await settle();
    const consumer = await connected(h, 'good-worker');
    consumer.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE }));
    await settle();
    expect(messages(consumer.transport).map(body)).toEqual(['early']);
  });

  it('redelivers a NACKed message to another consumer, marked redelivered', async () => {
    const h = harness();
    const a = await connected(h, 'good-worker');
    const b = await connected(h, 'good-worker');
    a.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    a.session.onData(frame('SEND', { destination: QUEUE }, 'job'));
    await settle();
    b.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    const first = messages(a.transport)[0]!;
    expect(messages(b.transport)).toHaveLength(0);
    a.session.onData(frame('NACK', { id: header(first, 'ack')! }));
    await settle();
    const again = messages(b.transport)[0]!;
    expect(body(again)).toBe('job');
    expect(header(again, 'parley-redelivered')).toBe('true');
    expect(header(again, 'message-id')).toBe(header(first, 'message-id'));
  });

  it('redelivers what a lost consumer had not acknowledged', async () => {
    const h = harness();
    const a = await connected(h, 'good-worker');
    const b = await connected(h, 'good-worker');
    a.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client' }));
    await settle();
    a.session.onData(frame('SEND', { destination: QUEUE }, 'one'));
    a.session.onData(frame('SEND', { destination: QUEUE }, 'two'));
    await settle();
    expect(messages(a.transport).map(body)).toEqual(['one', 'two']);
    b.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client' }));
    await settle();
    a.session.onTransportClosed();
    await settle();
    expect(messages(b.transport).map(body)).toEqual(['one', 'two']);
  });

  it('never hands a consumer more than maxUnacked messages (prefetch), then resumes on ACK', async () => {
    const h = harness();
    const c = await connected(h, 'good-worker');
    c.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    for (let i = 0; i < LIMITS.maxUnacked + 2; i++)
      c.session.onData(frame('SEND', { destination: QUEUE }, `${i}`));
    await settle();
    expect(messages(c.transport)).toHaveLength(LIMITS.maxUnacked);
    c.session.onData(frame('ACK', { id: header(messages(c.transport)[0]!, 'ack')! }));
    await settle();
    expect(messages(c.transport)).toHaveLength(LIMITS.maxUnacked + 1);
    expect(c.transport.commands()).not.toContain('ERROR');
  });

  it('refuses a SEND when the queue backlog is full', async () => {
    const h = harness({ limits: { ...LIMITS, maxQueueBacklog: 2 } });
    const p = await connected(h, 'good-worker');
    for (let i = 0; i < 3; i++) p.session.onData(frame('SEND', { destination: QUEUE }, `${i}`));
    await settle();
    const e = errorOf(p.transport);
    expect(e.reason).toBe('limit-exceeded');
    expect(e.message).toBe(`queue ${QUEUE} already holds 2 messages waiting for a consumer`);
  });
});

describe('Session: transactions', () => {
  it('holds SENDs until COMMIT and delivers them in order', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    session.onData(frame('BEGIN', { transaction: 't1' }));
    session.onData(frame('SEND', { destination: ROOM, transaction: 't1' }, 'one'));
    session.onData(frame('SEND', { destination: ROOM, transaction: 't1' }, 'two'));
    await settle();
    expect(messages(transport)).toHaveLength(0);
    session.onData(frame('COMMIT', { transaction: 't1', receipt: 'c' }));
    await settle();
    expect(messages(transport).map(body)).toEqual(['one', 'two']);
    expect(header(transport.frames.at(-1)!, 'receipt-id')).toBe('c');
  });

  it('drops everything on ABORT, and the id can be reused', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    session.onData(frame('BEGIN', { transaction: 't' }));
    session.onData(frame('SEND', { destination: ROOM, transaction: 't' }, 'gone'));
    session.onData(frame('ABORT', { transaction: 't' }));
    session.onData(frame('BEGIN', { transaction: 't' }));
    session.onData(frame('SEND', { destination: ROOM, transaction: 't' }, 'kept'));
    session.onData(frame('COMMIT', { transaction: 't' }));
    await settle();
    expect(messages(transport).map(body)).toEqual(['kept']);
  });

  it('applies ACKs at COMMIT, not before', async () => {
    const h = harness();
    const c = await connected(h, 'good-worker');
    const other = await connected(h, 'good-worker');
    c.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    c.session.onData(frame('SEND', { destination: QUEUE }, 'job'));
    await settle();
    const ack = header(messages(c.transport)[0]!, 'ack')!;
    c.session.onData(frame('BEGIN', { transaction: 't' }));
    c.session.onData(frame('ACK', { id: ack, transaction: 't' }));
    await settle();
    other.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE }));
    // Aborting the transaction and leaving hands the still-unacknowledged job to the other.
    c.session.onData(frame('ABORT', { transaction: 't' }));
    c.session.onData(frame('UNSUBSCRIBE', { id: '0' }));
    await settle();
    expect(messages(other.transport).map(body)).toEqual(['job']);
  });

  it('aborts open transactions when the client disconnects', async () => {
    const h = harness();
    const watcher = await connected(h);
    watcher.session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    const { session } = await connected(h);
    session.onData(frame('BEGIN', { transaction: 't' }));
    session.onData(frame('SEND', { destination: ROOM, transaction: 't' }, 'never'));
    session.onData(frame('DISCONNECT', {}));
    await settle();
    expect(messages(watcher.transport)).toHaveLength(0);
  });

  it.each([
    [['COMMIT', { transaction: 'nope' }], 'COMMIT names transaction "nope", which is not open'],
    [
      ['SEND', { destination: ROOM, transaction: 'nope' }],
      'a frame names transaction "nope", which is not open',
    ],
    [['ABORT', {}], 'ABORT needs a transaction header'],
  ] as const)('refuses %j', async ([command, headers], message) => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame(command, headers));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('protocol-error');
    expect(e.message).toBe(message);
  });

  it('refuses a duplicate BEGIN and too many open transactions', async () => {
    const h = harness();
    const dup = await connected(h);
    dup.session.onData(frame('BEGIN', { transaction: 't' }));
    dup.session.onData(frame('BEGIN', { transaction: 't' }));
    await settle();
    expect(errorOf(dup.transport).message).toBe('transaction "t" is already open');
    const many = await connected(h);
    for (let i = 0; i <= LIMITS.maxTransactions; i++)
      many.session.onData(frame('BEGIN', { transaction: `t${i}` }));
    await settle();
    const e = errorOf(many.transport);
    expect(e.reason).toBe('limit-exceeded');
    expect(e.message).toBe(`at most ${LIMITS.maxTransactions} open transactions per connection`);
  });
});

describe('Session: DMs, destination kinds, floods and slow consumers', () => {
  it('delivers SEND /user/<id>/queue/<name> to every session of that user only', async () => {
    const h = harness();
    const alice = await connected(h, 'good');
    const bob1 = await connected(h, 'good-bob');
    const bob2 = await connected(h, 'good-bob');
    for (const b of [bob1, bob2])
      b.session.onData(frame('SUBSCRIBE', { id: 'dm', destination: '/user/queue/dm' }));
    await settle();
    alice.session.onData(
      frame('SEND', { destination: '/user/bob/queue/dm', receipt: 'sent' }, 'hi bob'),
    );
    await settle();
    for (const b of [bob1, bob2]) {
      const m = messages(b.transport)[0]!;
      expect(body(m)).toBe('hi bob');
      expect(header(m, 'destination')).toBe('/user/queue/dm');
      expect(header(m, 'parley-sender')).toBe('alice');
    }
    expect(messages(alice.transport)).toHaveLength(0);
  });

  it('refuses destinations of no known kind', async () => {
    const h = harness({ dev: true });
    const { session, transport } = await connected(h);
    session.onData(frame('SEND', { destination: '/etc/passwd' }, 'x'));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('destination-invalid');
    expect(e.message).toMatch(/^destination "\/etc\/passwd" is of no known kind/);
  });

  it('ends a flood past the SEND rate limit with rate-limited', async () => {
    const h = harness({ limits: { ...LIMITS, maxSendRate: 10, sendBurst: 5 } });
    const { session, transport } = await connected(h);
    for (let i = 0; i < 6; i++) session.onData(frame('SEND', { destination: ROOM }, `${i}`));
    await settle();
    const e = errorOf(transport);
    expect(e.reason).toBe('rate-limited');
    expect(e.message).toBe('more than 10 SENDs per second (burst 5)');
  });

  it('drops a consumer whose send buffer stays over the limit, and only that one', async () => {
    const h = harness();
    const slow = await connected(h);
    const fine = await connected(h);
    for (const c of [slow, fine])
      c.session.onData(frame('SUBSCRIBE', { id: 's', destination: ROOM }));
    await settle();
    slow.transport.buffered = LIMITS.maxBufferedBytes + 1;
    fine.session.onData(frame('SEND', { destination: ROOM }, 'x'));
    await settle();
    const e = errorOf(slow.transport);
    expect(e.reason).toBe('slow-consumer');
    expect(slow.transport.closes).toEqual([[4000, 'slow-consumer']]);
    expect(messages(fine.transport).map(body)).toEqual(['x']);
    expect(fine.transport.commands()).not.toContain('ERROR');
  });
});
