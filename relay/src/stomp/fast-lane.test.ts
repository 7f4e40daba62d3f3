import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerListener, PublishInput } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory-broker.js';
import { header } from '../codec/index.js';
import { Hub } from './hub.js';
import { Session } from './session.js';
import { Subscription } from './subscription.js';
import {
  LIMITS,
  ROOM,
  FakeTransport,
  closeAll,
  connect,
  frame,
  harness,
  messages,
  sessions,
  settle,
} from './session.harness.js';

afterEach(closeAll);

/** A transport that can join uWS-like topics, so its subscriptions ride the fast lane. */
class TopicTransport extends FakeTransport {
  constructor(private readonly topics: Map<string, Set<TopicTransport>>) {
    super();
  }
  subscribeTopic(topic: string): boolean {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(this);
    return true;
  }
  unsubscribeTopic(topic: string): void {
    this.topics.get(topic)?.delete(this);
  }
}

/** Drops the live delivery of chosen offsets, so the hub's sequencer fills the gap from history. */
class LossyBroker extends MemoryBroker {
  readonly lose = new Set<number>();
  override subscribe(destination: string, listener: BrokerListener): Promise<void> {
    return super.subscribe(destination, (m) => {
      if (!this.lose.has(m.offset)) listener(m);
    });
  }
}

/** A relay-like setup: a hub with a fast lane over fake topics, and sessions on it. */
function fastHarness() {
  const topics = new Map<string, Set<TopicTransport>>();
  const broker = new LossyBroker();
  const errors: unknown[] = [];
  const hub = new Hub(broker, {
    maxQueueBacklog: 100,
    publishTopic: (topic, bytes, binary) => {
      for (const t of topics.get(topic) ?? []) t.send(bytes, binary);
    },
    onError: (err) => errors.push(err),
  });
  const h = harness({ broker, hub });
  let n = 0;
  const open = async (connectBytes: Uint8Array | string) => {
    const transport = new TopicTransport(topics);
    const session = new Session(`f-${++n}`, transport, h.ctx);
    sessions.push(session);
    session.onData(connectBytes);
    await settle();
    expect(transport.commands()).toEqual(['CONNECTED']);
    return { session, transport };
  };
  return { broker, hub, errors, topics, open };
}

const connect10 = (token: string) => `CONNECT\nlogin:x\npasscode:${token}\n\n\0`;
const SUB10 = `SUBSCRIBE\nid:sub-0\ndestination:${ROOM}\nreceipt:s\n\n\0`;
const MULTILINE: Array<[string, string]> = [
  ['destination', ROOM],
  ['x-multi', 'line1\nline2'],
  ['x-ok', 'fine'],
  ['receipt', 'sent'],
];

describe('FastLane with a STOMP 1.0 subscriber beside 1.2 ones', () => {
  it('delivers a header 1.0 cannot carry to everyone, without it for 1.0; the sender stays', async () => {
    const f = fastHarness();
    const old = await f.open(connect10('good-bob'));
    old.transport.parser.escapes = false;
    old.session.onData(SUB10);
    const a = await f.open(connect('good-bob'));
    const b = await f.open(connect('good-bob'));
    for (const s of [a, b])
      s.session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM }));
    const sender = await f.open(connect('good'));
    await settle();
    expect(f.topics.size).toBe(2); // one 1.0 group, one 1.2 group: both on the fast lane

    sender.session.onData(frame('SEND', MULTILINE, 'hello'));
    await settle();
    expect(sender.transport.commands()).toEqual(['CONNECTED', 'RECEIPT']);
    expect(sender.transport.closes).toEqual([]);
    for (const s of [a, b]) {
      const m = messages(s.transport);
      expect(m).toHaveLength(1);
      expect(header(m[0]!, 'x-multi')).toBe('line1\nline2');
    }
    const m = messages(old.transport);
    expect(m).toHaveLength(1);
    expect(header(m[0]!, 'x-multi')).toBeUndefined();
    expect(header(m[0]!, 'x-ok')).toBe('fine');
    expect(header(m[0]!, 'parley-sender')).toBe('alice');
    expect(old.transport.closes).toEqual([]);

    // And the room goes on: a plain message reaches all three.
    sender.session.onData(frame('SEND', { destination: ROOM }, 'again'));
    await settle();
    for (const s of [old, a, b]) expect(messages(s.transport)).toHaveLength(2);
  });

  it('ends only the subscriber that cannot take a message at all, never the publisher', async () => {
    const f = fastHarness();
    const old = await f.open(connect10('good-bob'));
    old.transport.parser.escapes = false;
    old.session.onData(SUB10);
    const modern = await f.open(connect('good-bob'));
    modern.session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM }));
    await settle();
    // No session can connect with such an id (CONNECTED is unescaped), but a broker message
    // from anywhere must not be able to break the fan-out either.
    const published = f.broker.publish({
      destination: ROOM,
      body: new TextEncoder().encode('hi'),
      headers: [],
      sender: 'eve\nadmin',
    });
    await expect(published).resolves.toMatchObject({ offset: 1 });
    await settle();
    expect(header(messages(modern.transport)[0]!, 'parley-sender')).toBe('eve\nadmin');
    expect(old.transport.closes).toEqual([[4000, 'internal-error']]);
    expect(f.errors.length).toBeGreaterThan(0);
  });

  it('survives the same failure inside a gap fill (no unhandled rejection, nothing lost)', async () => {
    const f = fastHarness();
    const old = await f.open(connect10('good-bob'));
    old.transport.parser.escapes = false;
    old.session.onData(SUB10);
    const modern = await f.open(connect('good-bob'));
    modern.session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM }));
    await settle();
    const input = (body: string): PublishInput => ({
      destination: ROOM,
      body: new TextEncoder().encode(body),
      headers: [['x-multi', 'a\nb']],
      sender: 'alice',
    });
    await f.broker.publish(input('m1'));
    f.broker.lose.add(2);
    await f.broker.publish(input('m2')); // lost live: filled from history when m3 shows the gap
    await f.broker.publish(input('m3'));
    for (let i = 0; i < 5; i++) await settle();
    const bodies = (t: FakeTransport) => messages(t).map((m) => new TextDecoder().decode(m.body));
    expect(bodies(modern.transport)).toEqual(['m1', 'm2', 'm3']);
    expect(bodies(old.transport)).toEqual(['m1', 'm2', 'm3']);
    expect(old.transport.closes).toEqual([]);
  });
});

describe('Hub fan-out', () => {
  it('never fails the publisher when a receiver throws', async () => {
    const broker = new MemoryBroker();
    const errors: unknown[] = [];
    const hub = new Hub(broker, {
      maxQueueBacklog: 10,
      publishTopic: () => {
        throw new Error('uws publish failed');
      },
      onError: (err) => errors.push(err),
    });
    const got: string[] = [];
    const sink = (name: string, fail = false) => ({
      deliver: () => {
        if (fail) throw new Error(`${name} broke`);
        got.push(name);
      },
      topicEscapes: () => true,
      joinTopic: () => name === 'fast',
    });
    const sub = (id: string, s: ReturnType<typeof sink>) =>
      new Subscription(id, ROOM, ROOM, 'auto', s, LIMITS.maxUnacked);
    await hub.add(sub('1', sink('fast')));
    await hub.add(sub('2', sink('broken', true)));
    await hub.add(sub('3', sink('healthy')));
    await expect(
      broker.publish({ destination: ROOM, body: new Uint8Array(), headers: [], sender: 'a' }),
    ).resolves.toMatchObject({ offset: 1 });
    // The fast group fell back to its own sink; the broken one is reported; the healthy one got it.
    expect(got.sort()).toEqual(['fast', 'healthy']);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual([
      'broken broke',
      'uws publish failed',
    ]);
  });
});
