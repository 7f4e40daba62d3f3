/**
 * Several relay processes sharing destinations through one private Redis (and, last, a Redis
 * Cluster): one order everywhere, DMs across relays, history and recovery across relays.
 * Failures (a relay killed, Redis restarted or frozen) are in failover.test.ts.
 */
import type { IFrame, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  redisAvailable,
  redisCommand,
  signToken,
  spawnRelay,
  startRedis,
  startRedisCluster,
} from '../testing/index.js';
import type { RedisClusterServer, RedisServer, RelayProcess } from '../testing/index.js';
import { eventually, sleep, stompClient } from './stomp-clients.js';
import type { StompTestClient } from './stomp-clients.js';

const API_KEY = 'multi-relay-api-key-0123456789';
const GRANTS = {
  sub: ['/topic/room.*', '/queue/jobs.*'],
  pub: ['/topic/room.*', '/user/*/queue/dm', '/queue/jobs.*'],
};

/** Relays that share `redisUrl`, each on its own port, started side by side. */
function spawnRelays(count: number, env: Record<string, string>): Promise<RelayProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      spawnRelay({
        env: {
          PARLEY_MAX_SEND_RATE: '0',
          PARLEY_API_KEY: API_KEY,
          PARLEY_LOG_LEVEL: 'info',
          ...env,
        },
        timeoutMs: 30_000,
      }),
    ),
  );
}

/** Every client a suite opened, closed in afterAll whatever happened. */
function clientPool(): {
  open(relay: RelayProcess, user: string): Promise<StompTestClient>;
  closeAll(): Promise<void>;
} {
  const open: StompTestClient[] = [];
  return {
    async open(relay, user) {
      const c = await stompClient(
        relay.wsUrl,
        signToken(relay.secret, { sub: user, name: user.toUpperCase(), parley: GRANTS }),
      );
      open.push(c);
      return c;
    },
    async closeAll() {
      await Promise.all(
        open.splice(0).map((c) => c.client.deactivate({ force: true }).catch(() => undefined)),
      );
    },
  };
}

/** SEND with a receipt, without waiting for it: resolves with the RECEIPT frame. */
function send(
  c: StompTestClient,
  destination: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<IFrame> {
  return c.receipt(
    (r) => c.client.publish({ destination, body, headers: { ...headers, receipt: r } }),
    15_000,
  );
}

/** SUBSCRIBE with a receipt; resolves with the inbox and the RECEIPT (recovery headers). */
async function subscribe(
  c: StompTestClient,
  destination: string,
  headers: Record<string, string> = {},
): Promise<{ inbox: IMessage[]; receipt: IFrame }> {
  const inbox: IMessage[] = [];
  const receipt = await c.receipt((r) => {
    c.client.subscribe(destination, (m) => inbox.push(m), { ...headers, receipt: r });
  });
  return { inbox, receipt };
}

const offsets = (inbox: IMessage[]): number[] =>
  inbox.map((m) => Number(m.headers['parley-offset']));
const bodies = (inbox: IMessage[]): string[] => inbox.map((m) => m.body);
const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * Publishers send `bursts` bursts of `perBurst` messages each, all at once (no waiting for
 * receipts inside a burst), every publisher concurrently. Resolves with every RECEIPT by body.
 */
async function interleavedBursts(
  publishers: Array<{ name: string; client: StompTestClient }>,
  destination: string,
  bursts: number,
  perBurst: number,
): Promise<Map<string, IFrame>> {
  const receipts = new Map<string, IFrame>();
  await Promise.all(
    publishers.map(async ({ name, client }) => {
      for (let b = 0; b < bursts; b++) {
        await Promise.all(
          range(0, perBurst - 1).map(async (i) => {
            const body = `${name}:${b}:${i}`;
            receipts.set(body, await send(client, destination, body));
          }),
        );
        await sleep(5);
      }
    }),
  );
  return receipts;
}

/** The checks of "same order everywhere" for one destination. */
function expectOneOrder(
  inboxes: IMessage[][],
  receipts: Map<string, IFrame>,
  publishers: string[],
): void {
  const total = receipts.size;
  const first = inboxes[0]!;
  // Every message exactly once, in offset order 1..N, gapless.
  expect(new Set(bodies(first)).size).toBe(total);
  expect(offsets(first)).toEqual(range(1, total));
  for (const inbox of inboxes) {
    expect(bodies(inbox)).toEqual(bodies(first));
    expect(offsets(inbox)).toEqual(offsets(first));
    expect(new Set(inbox.map((m) => m.headers['parley-epoch'])).size).toBe(1);
  }
  // What the publisher's RECEIPT said is where the message is in everyone's sequence.
  for (const m of first) {
    const receipt = receipts.get(m.body);
    expect(receipt, `receipt of ${m.body}`).toBeDefined();
    expect(receipt!.headers['parley-offset']).toBe(m.headers['parley-offset']);
    expect(receipt!.headers['parley-epoch']).toBe(m.headers['parley-epoch']);
    expect(receipt!.headers['parley-message-id']).toBe(m.headers['message-id']);
  }
  // Each publisher's own messages keep the order it sent them in.
  for (const name of publishers) {
    const own = bodies(first).filter((b) => b.startsWith(`${name}:`));
    const sorted = [...own].sort((x, y) => {
      const [, bx, ix] = x.split(':').map(Number) as [number, number, number];
      const [, by, iy] = y.split(':').map(Number) as [number, number, number];
      return bx - by || ix - iy;
    });
    expect(own).toEqual(sorted);
  }
}

describe.runIf(redisAvailable())('three relays on one Redis', () => {
  let redis: RedisServer | undefined;
  let relays: RelayProcess[] = [];
  const pool = clientPool();

  beforeAll(async () => {
    redis = await startRedis();
    relays = await spawnRelays(3, { PARLEY_REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await pool.closeAll();
    await Promise.all(relays.map((r) => r.stop()));
    await redis?.stop();
  });

  const relay = (i: number): RelayProcess => relays[i]!;

  it('delivers interleaved bursts from two relays in the same order, gapless, to subscribers on all three', async () => {
    const room = '/topic/room.order';
    const subs = await Promise.all(
      ['sa', 'sb', 'sc'].map(async (user, i) => subscribe(await pool.open(relay(i), user), room)),
    );
    const publishers = [
      { name: 'pa', client: await pool.open(relay(0), 'pa') },
      { name: 'pb', client: await pool.open(relay(1), 'pb') },
    ];
    const receipts = await interleavedBursts(publishers, room, 3, 200);
    const total = receipts.size;
    expect(total).toBe(1200);
    const inboxes = subs.map((s) => s.inbox);
    await eventually(() => inboxes.every((box) => box.length >= total), 20_000, 'all delivered');
    await sleep(200); // anything extra (a duplicate) would show up now
    expectOneOrder(inboxes, receipts, ['pa', 'pb']);
    // Both relays' publishers really interleave: neither relay's messages are all in one block.
    const owners = bodies(inboxes[0]!).map((b) => b.slice(0, 2));
    const switches = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
    expect(switches).toBeGreaterThan(1);
    for (const m of inboxes[1]!) expect(m.headers['parley-sender']).toBe(m.body.slice(0, 2));
  });

  it('delivers a DM sent on one relay to every session of the user on the others, and to nobody else', async () => {
    const alice = await pool.open(relay(0), 'alice');
    const bobOnB = await pool.open(relay(1), 'bob');
    const bobOnC = await pool.open(relay(2), 'bob');
    const carolOnB = await pool.open(relay(1), 'carol');
    const carolOnA = await pool.open(relay(0), 'carol');
    const inboxes = {
      bobOnB: (await subscribe(bobOnB, '/user/queue/dm')).inbox,
      bobOnC: (await subscribe(bobOnC, '/user/queue/dm')).inbox,
      carolOnB: (await subscribe(carolOnB, '/user/queue/dm')).inbox,
      carolOnA: (await subscribe(carolOnA, '/user/queue/dm')).inbox,
    };
    const receipts = [];
    for (let i = 0; i < 5; i++) receipts.push(await send(alice, '/user/bob/queue/dm', `dm-${i}`));
    await eventually(
      () => inboxes.bobOnB.length >= 5 && inboxes.bobOnC.length >= 5,
      10_000,
      "bob's DMs",
    );
    // A DM to carol afterwards: once it arrived, bob's DMs had every chance to reach her too.
    await send(alice, '/user/carol/queue/dm', 'for-carol');
    await eventually(
      () => inboxes.carolOnA.length >= 1 && inboxes.carolOnB.length >= 1,
      10_000,
      "carol's DM",
    );
    await sleep(200);
    for (const inbox of [inboxes.bobOnB, inboxes.bobOnC]) {
      expect(bodies(inbox)).toEqual(range(0, 4).map((i) => `dm-${i}`));
      for (const [i, m] of inbox.entries()) {
        expect(m.headers['parley-sender']).toBe('alice');
        expect(m.headers['parley-sender-name']).toBe('ALICE');
        expect(m.headers.destination).toBe('/user/queue/dm');
        expect(m.headers['parley-offset']).toBe(receipts[i]!.headers['parley-offset']);
      }
    }
    expect(offsets(inboxes.bobOnB)).toEqual(offsets(inboxes.bobOnC));
    for (const inbox of [inboxes.carolOnA, inboxes.carolOnB]) {
      expect(bodies(inbox)).toEqual(['for-carol']);
      expect(inbox[0]!.headers['parley-sender']).toBe('alice');
    }
  });

  it('recovers across relays: parley-since on C replays exactly what followed, then goes live without a seam', async () => {
    const room = '/topic/room.history';
    const alice = await pool.open(relay(0), 'alice');
    const sent: IFrame[] = [];
    for (let i = 1; i <= 30; i++) sent.push(await send(alice, room, `h-${i}`));
    expect(sent.map((r) => Number(r.headers['parley-offset']))).toEqual(range(1, 30));
    const epoch = sent[0]!.headers['parley-epoch']!;
    const since = 10;

    // More messages keep coming from A (and B) while the client on C recovers.
    const bob = await pool.open(relay(1), 'bob');
    const during = Promise.all(
      range(31, 130).map((i) => send(i % 2 ? alice : bob, room, `h-${i}`)),
    );
    const carol = await pool.open(relay(2), 'carol');
    const { inbox, receipt } = await subscribe(carol, room, {
      'parley-since': String(since),
      'parley-epoch': epoch,
    });
    const more = await during;
    expect(receipt.headers['parley-recovered']).toBe('true');
    expect(receipt.headers['parley-epoch']).toBe(epoch);
    const newest = Number(receipt.headers['parley-offset']);
    expect(newest).toBeGreaterThanOrEqual(30);
    expect(Number(receipt.headers['parley-replayed'])).toBe(newest - since);

    // Then live messages after the burst.
    for (let i = 131; i <= 135; i++) more.push(await send(bob, room, `h-${i}`));
    await eventually(() => inbox.length >= 135 - since, 10_000, 'replay and live');
    await sleep(200);
    const all = [...sent, ...more];
    const offsetOfBody = new Map<string, number>(
      all.map((r, i) => [`h-${i + 1}`, Number(r.headers['parley-offset'])]),
    );
    expect(offsets(inbox)).toEqual(range(since + 1, 135));
    for (const m of inbox) {
      expect(offsetOfBody.get(m.body)).toBe(Number(m.headers['parley-offset']));
      expect(m.headers['parley-epoch']).toBe(epoch);
    }

    // GET /api/history on B serves the same messages with the same offsets.
    const res = await fetch(
      `${relay(1).httpUrl}/api/history?destination=${encodeURIComponent(room)}&after=${since}&limit=500`,
      { headers: { authorization: `Bearer ${API_KEY}` } },
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      epoch: string;
      first: number;
      last: number;
      messages: Array<{ offset: number; body: string; sender: string; epoch: string }>;
    };
    expect(page).toMatchObject({ epoch, first: 1, last: 135 });
    expect(page.messages.map((m) => m.offset)).toEqual(range(since + 1, 135));
    expect(page.messages.map((m) => m.body)).toEqual(bodies(inbox));
    expect(page.messages.map((m) => m.sender)).toEqual(
      inbox.map((m) => m.headers['parley-sender']),
    );

    // The latest page without `after`, read on A, agrees too.
    const latest = (await (
      await fetch(
        `${relay(0).httpUrl}/api/history?destination=${encodeURIComponent(room)}&limit=5`,
        {
          headers: { authorization: `Bearer ${API_KEY}` },
        },
      )
    ).json()) as { messages: Array<{ offset: number; body: string }> };
    expect(latest.messages.map((m) => [m.offset, m.body])).toEqual(
      range(131, 135).map((o) => [o, `h-${o}`]),
    );
  });

  it('agrees on presence on every relay: members, joins and leaves, and online status', async () => {
    const room = '/topic/room.presence';
    type Event = { type: string; user?: { id: string }; members?: Array<{ id: string }> };
    const watch = async (i: number, user: string) => {
      const c = await pool.open(relay(i), user);
      const events: Event[] = [];
      await c.subscribeWith(room, (m) => events.push(JSON.parse(m.body) as Event), {
        'parley-presence': 'true',
      });
      return { c, events };
    };
    const ann = await watch(0, 'ann');
    const ben = await watch(1, 'ben');
    const cid = await watch(2, 'cid');
    const ids = (members: Array<{ id: string }> | undefined): string[] =>
      (members ?? []).map((m) => m.id).sort();
    // Each got a member list; the last to join saw everyone.
    expect(ids(cid.events[0]!.members)).toEqual(['ann', 'ben', 'cid']);
    await eventually(
      () => ann.events.some((e) => e.type === 'join' && e.user?.id === 'cid'),
      5000,
      'ann sees cid join',
    );
    await eventually(
      () => ben.events.some((e) => e.type === 'join' && e.user?.id === 'cid'),
      5000,
      'ben sees cid join',
    );
    // Every relay answers the same member list over HTTP.
    const lists = await Promise.all(
      relays.map(async (r) => {
        const res = await fetch(
          `${r.httpUrl}/api/presence?destination=${encodeURIComponent(room)}`,
          {
            headers: { authorization: `Bearer ${API_KEY}` },
          },
        );
        return ids(((await res.json()) as { members: Array<{ id: string }> }).members);
      }),
    );
    expect(lists).toEqual([
      ['ann', 'ben', 'cid'],
      ['ann', 'ben', 'cid'],
      ['ann', 'ben', 'cid'],
    ]);
    // ben leaves on relay B: A and C hear it once.
    await ben.c.disconnect();
    await eventually(
      () => ann.events.some((e) => e.type === 'leave' && e.user?.id === 'ben'),
      5000,
      'ann sees ben leave',
    );
    await eventually(
      () => cid.events.some((e) => e.type === 'leave' && e.user?.id === 'ben'),
      5000,
      'cid sees ben leave',
    );
    expect(ann.events.filter((e) => e.type === 'leave' && e.user?.id === 'ben')).toHaveLength(1);
    const online = await fetch(`${relay(2).httpUrl}/api/online?users=ann,ben,cid`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(await online.json()).toEqual({ online: { ann: true, ben: false, cid: true } });
  });

  it('gives each /queue/ message to exactly one consumer across relays, and redelivers NACKs', async () => {
    const queue = '/queue/jobs.build';
    const consumers = await Promise.all([0, 1, 2].map((i) => pool.open(relay(i), `worker${i}`)));
    const got: string[][] = [[], [], []];
    let nacked = '';
    await Promise.all(
      consumers.map((c, i) =>
        c.subscribeWith(
          queue,
          (m) => {
            // worker0 refuses the first job it sees once; someone must get it again.
            if (i === 0 && nacked === '') {
              nacked = m.body;
              m.nack();
              return;
            }
            got[i]!.push(m.body);
            m.ack();
          },
          { ack: 'client-individual' },
        ),
      ),
    );
    const producer = await pool.open(relay(1), 'producer');
    const total = 60;
    await Promise.all(range(1, total).map((n) => send(producer, queue, `job-${n}`)));
    await eventually(() => got.flat().length === total, 15_000, 'every job done');
    const all = got.flat();
    expect(new Set(all).size).toBe(total);
    expect(all.sort()).toEqual(
      range(1, total)
        .map((n) => `job-${n}`)
        .sort(),
    );
    expect(nacked).not.toBe('');
    // The work was shared: more than one relay's consumer did some.
    expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1);
  });

  it('says parley-recovered:false on C for an epoch it does not know, and replays nothing', async () => {
    const room = '/topic/room.epoch';
    const erin = await pool.open(relay(0), 'erin');
    for (let i = 1; i <= 8; i++) await send(erin, room, `e-${i}`);
    const dave = await pool.open(relay(2), 'dave');
    const { inbox, receipt } = await subscribe(dave, room, {
      'parley-since': '5',
      'parley-epoch': 'not-the-epoch',
    });
    expect(receipt.headers['parley-recovered']).toBe('false');
    expect(receipt.headers['parley-replayed']).toBe('0');
    expect(receipt.headers['parley-offset']).toBe('8');
    await send(erin, room, 'e-9');
    await eventually(() => inbox.length >= 1, 5000, 'live message');
    await sleep(100);
    expect(bodies(inbox)).toEqual(['e-9']);
  });
});

describe.runIf(redisAvailable())('two relays on a Redis Cluster', () => {
  let cluster: RedisClusterServer | undefined;
  let relays: RelayProcess[] = [];
  const pool = clientPool();

  beforeAll(async () => {
    cluster = await startRedisCluster();
    relays = await spawnRelays(2, {
      PARLEY_REDIS_URL: cluster.urls.join(','),
      PARLEY_REDIS_CLUSTER: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await pool.closeAll();
    await Promise.all(relays.map((r) => r.stop()));
    await cluster?.stop();
  });

  /** Port of the master serving the slot of `destination`'s keys (`parley:{<destination>}…`). */
  async function ownerOf(destination: string): Promise<number> {
    const c = cluster!;
    const slot = Number(await redisCommand(c.ports[0]!, 'CLUSTER', 'KEYSLOT', `{${destination}}`));
    const nodes = await redisCommand(c.ports[0]!, 'CLUSTER', 'NODES');
    for (const line of nodes.split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!address || !flags?.includes('master')) continue;
      for (const r of ranges) {
        const [from, to = from] = r.split('-').map(Number);
        if (from !== undefined && to !== undefined && slot >= from && slot <= to) {
          return Number(/:(\d+)@/.exec(address)?.[1]);
        }
      }
    }
    throw new Error(`no master serves ${destination}`);
  }

  it('keeps one order per room across relays, with rooms on every master', async () => {
    // Two rooms per master.
    const byOwner = new Map<number, string[]>();
    for (let i = 0; i < 60 && [...byOwner.values()].filter((l) => l.length >= 2).length < 3; i++) {
      const room = `/topic/room.c${i}`;
      const owner = await ownerOf(room);
      const list = byOwner.get(owner) ?? [];
      if (list.length < 2) list.push(room);
      byOwner.set(owner, list);
    }
    const rooms = [...byOwner.values()].flat();
    expect(byOwner.size).toBe(3);
    expect(rooms).toHaveLength(6);

    const subscribers = [await pool.open(relays[0]!, 'sa'), await pool.open(relays[1]!, 'sb')];
    const inboxes = new Map<string, IMessage[][]>();
    for (const room of rooms) {
      inboxes.set(
        room,
        await Promise.all(subscribers.map(async (s) => (await subscribe(s, room)).inbox)),
      );
    }
    const publishers = [
      { name: 'pa', client: await pool.open(relays[0]!, 'pa') },
      { name: 'pb', client: await pool.open(relays[1]!, 'pb') },
    ];
    const receipts = await Promise.all(
      rooms.map((room) => interleavedBursts(publishers, room, 2, 25)),
    );
    for (const [i, room] of rooms.entries()) {
      const boxes = inboxes.get(room)!;
      const sent = receipts[i]!;
      expect(sent.size).toBe(100);
      await eventually(
        () => boxes.every((b) => b.length >= sent.size),
        15_000,
        `delivery in ${room}`,
      );
    }
    await sleep(200);
    for (const [i, room] of rooms.entries()) {
      expectOneOrder(inboxes.get(room)!, receipts[i]!, ['pa', 'pb']);
      for (const m of inboxes.get(room)![0]!) expect(m.headers.destination).toBe(room);
    }
  });
});
