import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { fetchReads } from './chat.harness.js';
import { eventually, stompClient } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const ROOM = '/topic/room.reads';
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*', '/user/*/queue/dm.*'] };

describe('read positions across a real relay', () => {
  let relay: RelayProcess;
  const clients: StompTestClient[] = [];
  const open = async (user: string, grants = GRANTS): Promise<StompTestClient> => {
    const c = await stompClient(
      relay.wsUrl,
      signToken(relay.secret, { sub: user, parley: grants }),
    );
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    relay = await spawnRelay({ env: { PARLEY_MAX_SEND_RATE: '0', PARLEY_LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    for (const c of clients) await c.disconnect().catch(() => undefined);
    await relay?.stop();
  });

  it('two users mark read, a third connects later and sees who read what', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    const room = await bob.subscribe(ROOM);
    for (const text of ['one', 'two', 'three']) await alice.publish(ROOM, text);
    await alice.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '3' });
    await bob.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '2' });
    // An older mark does not move bob back.
    await bob.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '1' });
    await eventually(() => room.length >= 5, 5000, 'messages and read events');
    const events = room.filter((m) => m.headers['parley-kind'] === 'read');
    expect(
      events.map((m) => [m.headers['parley-sender'], m.headers['parley-read-offset']]),
    ).toEqual([
      ['alice', '3'],
      ['bob', '2'],
    ]);
    for (const e of events) expect(e.headers['parley-offset']).toBe('0');

    // Read events are not stored: offsets and history count the three messages only.
    const history = await bob.subscribe('/user/queue/history');
    await bob.publish('/parley/history', '', {
      'parley-target': ROOM,
      'reply-to': '/user/queue/history',
    });
    await eventually(() => history.length === 1);
    const page = JSON.parse(history[0]!.body) as {
      last: number;
      messages: Array<{ body: string }>;
    };
    expect(page.last).toBe(3);
    expect(page.messages.map((m) => m.body)).toEqual(['one', 'two', 'three']);

    const carol = await open('carol');
    const inbox = await carol.subscribe('/user/queue/reads');
    const { json, message } = await fetchReads(carol, inbox, ROOM, 'q-1');
    expect(message.headers['parley-kind']).toBe('reads');
    expect(message.headers['parley-epoch']).toBe(json.epoch);
    expect(json).toMatchObject({ destination: ROOM, newest: 3 });
    expect(json.reads.map((r) => [r.user, r.offset])).toEqual([
      ['bob', 2],
      ['alice', 3],
    ]);
    for (const r of json.reads) expect(r.timestamp).toBeGreaterThan(0);
    const carolUnread = json.newest - (json.reads.find((r) => r.user === 'carol')?.offset ?? 0);
    expect(carolUnread).toBe(3);

    // The same over HTTP, with the same authorization as /api/history.
    const token = signToken(relay.secret, { sub: 'carol', parley: GRANTS });
    const res = await fetch(`${relay.httpUrl}/api/reads?destination=${encodeURIComponent(ROOM)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(json);
    const outsider = signToken(relay.secret, { sub: 'eve', parley: { sub: [], pub: [] } });
    const refused = await fetch(
      `${relay.httpUrl}/api/reads?destination=${encodeURIComponent(ROOM)}`,
      {
        headers: { authorization: `Bearer ${outsider}` },
      },
    );
    expect(refused.status).toBe(403);
  });

  it('lets a read-only member mark read, and refuses a member without a sub grant', async () => {
    const reader = await open('reader', { sub: ['/topic/room.*'], pub: [] });
    await reader.publish(ROOM, '', { 'parley-kind': 'read', 'parley-read-offset': '1' });
    const writer = await open('writer', { sub: [], pub: ['/topic/room.*'] });
    writer.client.publish({
      destination: ROOM,
      headers: { 'parley-kind': 'read', 'parley-read-offset': '1' },
    });
    await eventually(() => writer.errors.length === 1);
    expect(writer.errors[0]!.headers['parley-reason']).toBe('forbidden');
  });
});
