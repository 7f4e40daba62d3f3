import { beforeEach, describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory-broker.js';
import { MemoryReadStore } from './memory-read-store.js';
import { ReadService } from './read-service.js';

const ROOM = '/topic/room.1';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ReadService', () => {
  let now: number;
  let broker: MemoryBroker;
  let store: MemoryReadStore;
  let reads: ReadService;
  let heard: BrokerMessage[];

  const publish = async (destination: string, n: number): Promise<BrokerMessage[]> => {
    const out: BrokerMessage[] = [];
    for (let i = 0; i < n; i++) {
      now += 10;
      out.push(
        await broker.publish({ destination, body: text(`m${i}`), headers: [], sender: 'bob' }),
      );
    }
    return out;
  };

  beforeEach(async () => {
    now = 1_700_000_000_000;
    broker = new MemoryBroker(undefined, () => now);
    store = new MemoryReadStore({ ttlMs: 60_000, now: () => now });
    reads = new ReadService({ store, broker, listLimit: 2, now: () => now });
    heard = [];
    await broker.subscribe(ROOM, (m) => void heard.push(m));
    await broker.subscribe('/user/bob/queue/dm.alice', (m) => void heard.push(m));
  });

  it('stores the position bounded by the newest offset, with the timestamp of that message', async () => {
    const sent = await publish(ROOM, 3);
    heard.length = 0;
    const out = await reads.mark(ROOM, { userId: 'alice', name: 'Alice' }, 99);
    expect(out).toMatchObject({ advanced: true, newest: 3 });
    expect(out.position).toEqual({
      user: 'alice',
      epoch: sent[2]!.epoch,
      offset: 3,
      at: now,
      timestamp: sent[2]!.timestamp,
    });
    // Announced live, ephemeral: offset 0, nothing stored, offsets still count messages only.
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({
      destination: ROOM,
      sender: 'alice',
      senderName: 'Alice',
      ephemeral: true,
      offset: 0,
      headers: [
        ['parley-kind', 'read'],
        ['parley-read-offset', '3'],
        ['parley-read-timestamp', String(sent[2]!.timestamp)],
      ],
    });
    const page = await broker.history(ROOM, { limit: 10 });
    expect(page.last).toBe(3);
    expect(page.messages.map((m) => m.offset)).toEqual([1, 2, 3]);
  });

  it('looks up the timestamp of an older message, and never moves back', async () => {
    const sent = await publish(ROOM, 5);
    const out = await reads.mark(ROOM, { userId: 'alice' }, 2);
    expect(out.position).toMatchObject({ offset: 2, timestamp: sent[1]!.timestamp });
    heard.length = 0;
    const back = await reads.mark(ROOM, { userId: 'alice' }, 1);
    expect(back).toMatchObject({ advanced: false, position: { offset: 2 } });
    expect(heard).toEqual([]);
  });

  it('marks an empty destination at 0 without a timestamp', async () => {
    const out = await reads.mark('/topic/empty', { userId: 'alice' }, 5);
    expect(out.position).toEqual({ user: 'alice', epoch: '', offset: 0, at: now });
    expect(out.newest).toBe(0);
  });

  it('tells the peer copy only the timestamp', async () => {
    const sent = await publish('/user/alice/queue/dm.bob', 2);
    heard.length = 0;
    await reads.mark(
      '/user/alice/queue/dm.bob',
      { userId: 'alice' },
      2,
      '/user/bob/queue/dm.alice',
    );
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({
      destination: '/user/bob/queue/dm.alice',
      sender: 'alice',
      offset: 0,
      headers: [
        ['parley-kind', 'read'],
        ['parley-read-timestamp', String(sent[1]!.timestamp)],
      ],
    });
  });

  it('lists the newest positions of this epoch, plus the asker', async () => {
    await publish(ROOM, 4);
    for (const [user, offset] of [
      ['carol', 1],
      ['alice', 2],
      ['bob', 3],
      ['dave', 4],
    ] as const) {
      now += 1;
      await reads.mark(ROOM, { userId: user }, offset);
    }
    // An old epoch's position is not listed.
    await store.mark(ROOM, { user: 'erin', epoch: 'gone', offset: 9, at: now + 1 });
    const json = await reads.reads('/app/room.1', ROOM, { requester: 'carol' });
    expect(json.destination).toBe('/app/room.1');
    expect(json.newest).toBe(4);
    expect(json.reads.map((r) => `${r.user}:${r.offset}`)).toEqual(['dave:4', 'carol:1']);
    expect(json.peer).toBeUndefined();
  });

  it("reports the peer's position on their own copy as a timestamp", async () => {
    await publish('/user/alice/queue/dm.bob', 1);
    const [theirs] = await publish('/user/bob/queue/dm.alice', 1);
    const peer = { user: 'bob', copy: '/user/bob/queue/dm.alice' };
    expect(
      (await reads.reads('/user/queue/dm.bob', '/user/alice/queue/dm.bob', { peer })).peer,
    ).toEqual({ user: 'bob' });
    now += 5;
    await reads.mark('/user/bob/queue/dm.alice', { userId: 'bob' }, 1);
    const json = await reads.reads('/user/queue/dm.bob', '/user/alice/queue/dm.bob', {
      requester: 'alice',
      peer,
    });
    expect(json.peer).toEqual({ user: 'bob', timestamp: theirs!.timestamp, at: now });
    expect(json.reads).toEqual([]);
  });
});
