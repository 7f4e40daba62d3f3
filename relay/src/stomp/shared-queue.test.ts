import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerMessage, QueueFeed } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory-broker.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { Hub } from './hub.js';
import { LIMITS, closeAll, connected, frame, harness, settle } from './session.harness.js';
import type { FakeTransport } from './session.harness.js';

afterEach(() => closeAll());

const QUEUE = '/queue/jobs';
const body = (f: Frame): string => new TextDecoder().decode(f.body);
const messages = (t: FakeTransport): Frame[] => t.frames.filter((f) => f.command === 'MESSAGE');

/** A broker whose queue feed is a list the test controls, recording what the hub tells it. */
class FeedBroker extends MemoryBroker {
  readonly waiting: BrokerMessage[] = [];
  readonly acked: string[] = [];
  readonly released: string[] = [];
  credits: number[] = [];
  feedsClosed = 0;
  private deliver?: (m: BrokerMessage) => void;
  private credit = 0;

  consumeQueue(_destination: string, deliver: (m: BrokerMessage) => void): Promise<QueueFeed> {
    this.deliver = deliver;
    const feed: QueueFeed = {
      setCredit: (n) => {
        this.credits.push(n);
        this.credit = n;
        this.pump();
      },
      ack: (m) => void this.acked.push(new TextDecoder().decode(m.body)),
      release: (ms) => void this.released.push(...ms.map((m) => new TextDecoder().decode(m.body))),
      close: () => {
        this.feedsClosed++;
        return Promise.resolve();
      },
    };
    return Promise.resolve(feed);
  }

  push(...bodies: string[]): void {
    for (const b of bodies) {
      this.waiting.push({
        destination: QUEUE,
        body: new TextEncoder().encode(b),
        headers: [],
        sender: 'x',
        id: b,
        offset: 1,
        epoch: 'e',
        timestamp: 0,
      });
    }
    this.pump();
  }

  private pump(): void {
    while (this.credit > 0 && this.waiting.length > 0 && this.deliver) {
      this.credit--;
      this.deliver(this.waiting.shift()!);
    }
  }
}

function setup() {
  const broker = new FeedBroker();
  const h = harness({ broker, hub: new Hub(broker, { maxQueueBacklog: 100 }) });
  return { broker, h };
}

describe('Hub: queues shared through a broker feed', () => {
  it('acks auto-ack deliveries at once and asks for a window of messages', async () => {
    const { broker, h } = setup();
    const c = await connected(h, 'good-worker');
    c.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE }));
    await settle();
    expect(broker.credits.at(-1)).toBeGreaterThan(0);
    broker.push('a', 'b');
    expect(messages(c.transport).map(body)).toEqual(['a', 'b']);
    expect(broker.acked).toEqual(['a', 'b']);
  });

  it('asks only for what client-ack consumers can hold, and acks on ACK', async () => {
    const { broker, h } = setup();
    const c = await connected(h, 'good-worker');
    c.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    expect(broker.credits.at(-1)).toBe(LIMITS.maxUnacked);
    broker.push('a', 'b', 'c', 'd', 'e');
    expect(messages(c.transport)).toHaveLength(LIMITS.maxUnacked);
    expect(broker.acked).toEqual([]);
    c.session.onData(frame('ACK', { id: header(messages(c.transport)[0]!, 'ack')! }));
    await settle();
    expect(broker.acked).toEqual(['a']);
    expect(messages(c.transport)).toHaveLength(LIMITS.maxUnacked + 1);
  });

  it('gives unacknowledged messages back to the feed when the last consumer leaves', async () => {
    const { broker, h } = setup();
    const c = await connected(h, 'good-worker');
    c.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client' }));
    await settle();
    broker.push('a', 'b');
    c.session.onTransportClosed();
    await settle();
    expect(broker.released).toEqual(['a', 'b']);
    expect(broker.acked).toEqual([]);
    expect(broker.feedsClosed).toBe(1);
    expect(h.hub.size).toBe(0);
  });

  it('hands a NACKed message to another local consumer before the feed gets it back', async () => {
    const { broker, h } = setup();
    const a = await connected(h, 'good-worker');
    const b = await connected(h, 'good-worker');
    a.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    broker.push('job');
    b.session.onData(frame('SUBSCRIBE', { id: '0', destination: QUEUE, ack: 'client-individual' }));
    await settle();
    a.session.onData(frame('NACK', { id: header(messages(a.transport)[0]!, 'ack')! }));
    await settle();
    expect(messages(b.transport).map(body)).toEqual(['job']);
    expect(header(messages(b.transport)[0]!, 'parley-redelivered')).toBe('true');
    expect(broker.released).toEqual([]);
  });

  it('does not hold a local backlog for publishers', async () => {
    const { broker, h } = setup();
    const p = await connected(h, 'good-worker');
    p.session.onData(frame('SEND', { destination: QUEUE, receipt: 'r' }, 'x'));
    await settle();
    expect(p.transport.frames.some((f) => f.command === 'RECEIPT')).toBe(true);
    expect(h.hub.size).toBe(0);
    expect(broker.credits).toEqual([]);
  });
});
