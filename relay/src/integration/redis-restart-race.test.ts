/**
 * Issue 9, item 6: messages lost after a Redis restart when a relay's subscriber connection
 * comes back before its command connection.
 *
 * Two relays on one private Redis; relay B reaches Redis through a proxy that can hold down its
 * command connection (`parley-relay`) while its subscriber connection (`parley-relay-sub`)
 * comes back. Redis is restarted without persistence (a new epoch) while B is cut off, messages
 * are published through relay A, then B's subscriber connection returns first: the first live
 * message B sees is offset 8 of the new epoch, and reading 1..7 from history fails. B must hold
 * the live messages until history can be read, then deliver everything once, in order; where
 * history really lost messages (trimmed), the first message after them carries `parley-gap`.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header, serialize } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import {
  connectFrame,
  freePortIn,
  rawStomp,
  redisAvailable,
  signToken,
  spawnRelay,
  startRedis,
  startRedisProxy,
} from '../testing/index.js';
import type { RawStompClient, RedisProxy, RedisServer, RelayProcess } from '../testing/index.js';

const RACE = '/topic/room.race';
/** Gets more messages while B is cut off than history keeps: B must be told about a gap. */
const TRIM = '/topic/room.trim';
const ROOMS = [RACE, TRIM] as const;
const HISTORY_SIZE = 20;
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };
const encoder = new TextEncoder();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds; false after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function encode(command: string, headers: Record<string, string>, body = ''): Uint8Array {
  return serialize({ command, headers: Object.entries(headers), body: encoder.encode(body) });
}

async function readyz(relay: RelayProcess): Promise<number> {
  try {
    const res = await fetch(`${relay.httpUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

/** One MESSAGE as a subscriber saw it. */
interface Seen {
  epoch: string;
  offset: number;
  id: string;
  gap: string | undefined;
}

/** A subscriber of both rooms on one relay. */
interface Subscriber {
  name: string;
  relay: 'A' | 'B';
  client: RawStompClient;
  /** MESSAGE frames per room, in arrival order. */
  seen(room: string): Seen[];
}

async function subscriber(
  name: string,
  relay: RelayProcess,
  label: 'A' | 'B',
): Promise<Subscriber> {
  const client = await rawStomp(relay.wsUrl);
  client.send(connectFrame(signToken(relay.secret, { sub: name, parley: GRANTS })));
  await client.next('CONNECTED', 10_000);
  for (const [i, room] of ROOMS.entries()) {
    client.send(encode('SUBSCRIBE', { id: `sub-${i}`, destination: room, receipt: `r-${i}` }));
    await client.next('RECEIPT', 10_000);
  }
  const seen = (room: string): Seen[] =>
    client.frames
      .filter((f: Frame) => f.command === 'MESSAGE' && header(f, 'destination') === room)
      .map((f) => ({
        epoch: header(f, 'parley-epoch') ?? '',
        offset: Number(header(f, 'parley-offset')),
        id: header(f, 'parley-client-id') ?? '',
        gap: header(f, 'parley-gap'),
      }));
  return { name, relay: label, client, seen };
}

/** A sender on one relay; every SEND asks for a RECEIPT, which says the stamp it got. */
class Sender {
  readonly receipts = new Map<string, { room: string; offset: number; epoch: string }>();
  private seq = 0;
  private constructor(private readonly client: RawStompClient) {}

  static async open(relay: RelayProcess): Promise<Sender> {
    const client = await rawStomp(relay.wsUrl);
    client.send(connectFrame(signToken(relay.secret, { sub: 'sender', parley: GRANTS })));
    await client.next('CONNECTED', 10_000);
    return new Sender(client);
  }

  /** Sends `count` messages to `room` and waits for every RECEIPT. */
  async send(room: string, count: number, tag: string): Promise<void> {
    const wanted = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const id = `${tag}-${i}`;
      const receipt = `s-${++this.seq}`;
      wanted.set(receipt, id);
      this.client.send(
        encode(
          'SEND',
          { destination: room, 'parley-client-id': id, 'content-type': 'text/plain', receipt },
          id,
        ),
      );
    }
    const receipted = await until(() => {
      for (const f of this.client.frames) {
        const id = wanted.get(header(f, 'receipt-id') ?? '');
        if (f.command !== 'RECEIPT' || id === undefined) continue;
        wanted.delete(header(f, 'receipt-id') ?? '');
        this.receipts.set(id, {
          room,
          offset: Number(header(f, 'parley-offset')),
          epoch: header(f, 'parley-epoch') ?? '',
        });
      }
      return wanted.size === 0;
    }, 15_000);
    const errors = this.client.frames.filter((f) => f.command === 'ERROR');
    expect(
      errors.map((f) => header(f, 'parley-reason')),
      'sender ERRORs',
    ).toEqual([]);
    expect(receipted, `receipts for ${tag}`).toBe(true);
  }

  /** Receipted messages of `room` in `epoch`, by offset. */
  stamped(room: string, epoch: string): Array<{ id: string; offset: number }> {
    return [...this.receipts]
      .filter(([, r]) => r.room === room && r.epoch === epoch)
      .map(([id, r]) => ({ id, offset: r.offset }))
      .sort((a, b) => a.offset - b.offset);
  }

  close(): void {
    this.client.close();
  }
}

/** `e1:3`, `e2:16[gap 1-15]`: a message as the report shows it. */
const show =
  (first: string | undefined) =>
  (m: Seen): string =>
    `${m.epoch === first ? 'e1' : 'e2'}:${m.offset}${m.gap ? `[gap ${m.gap}]` : ''}`;

/** Lines a relay logged for failed gap fills (history reads that failed, gaps given up on). */
const gapFillLines = (relay: RelayProcess): number =>
  relay.output().split('"msg":"gap fill failed"').length - 1;

describe.runIf(redisAvailable())('Redis restart race: subscriber connection back first', () => {
  let redis: RedisServer;
  let proxy: RedisProxy;
  let relayA: RelayProcess;
  let relayB: RelayProcess;

  beforeAll(async () => {
    redis = await startRedis({ port: await freePortIn(6390, 6399) });
    proxy = await startRedisProxy(redis.port);
    const env = (url: string): Record<string, string> => ({
      PARLEY_REDIS_URL: url,
      PARLEY_MAX_SEND_RATE: '0',
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_HISTORY_SIZE: String(HISTORY_SIZE),
    });
    [relayA, relayB] = await Promise.all([
      spawnRelay({ env: env(redis.url), timeoutMs: 30_000 }),
      spawnRelay({ env: env(proxy.url), timeoutMs: 30_000 }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([relayA?.stop(), relayB?.stop()]);
    await proxy?.close();
    await redis?.stop();
  });

  it('delivers every receipted message once, in order, on both relays — or says where the gap is', async () => {
    const subs = await Promise.all([
      subscriber('a1', relayA, 'A'),
      subscriber('a2', relayA, 'A'),
      subscriber('b1', relayB, 'B'),
      subscriber('b2', relayB, 'B'),
    ]);
    const onB = subs.filter((s) => s.relay === 'B');
    const sender = await Sender.open(relayA);

    // Epoch 1: everyone is in step (so relay B's sequencers know where they are).
    // Epochs are per destination.
    const e1 = new Map<string, string>();
    for (const room of ROOMS) {
      await sender.send(room, 3, `${room}-e1`);
      e1.set(room, sender.receipts.get(`${room}-e1-0`)?.epoch ?? '');
    }
    const got = (s: Subscriber, room: string, epoch: Map<string, string>): number =>
      s.seen(room).filter((m) => m.epoch === epoch.get(room)).length;
    expect(
      await until(() => subs.every((s) => ROOMS.every((r) => got(s, r, e1) === 3)), 10_000),
    ).toBe(true);

    // Relay B loses Redis entirely; Redis restarts empty (a new epoch).
    proxy.block('parley-relay-sub');
    proxy.block('parley-relay');
    await redis.restart();
    expect(await until(async () => (await readyz(relayA)) === 200, 15_000), 'A ready').toBe(true);
    expect(await readyz(relayB), 'B not ready while cut off').toBe(503);

    // Published while B is cut off: 7 to the race room (history keeps them), 30 to the trim room
    // (history keeps the last 20).
    await sender.send(RACE, 7, 'race-cut');
    await sender.send(TRIM, 30, 'trim-cut');
    const e2 = new Map<string, string>();
    for (const [room, tag] of [
      [RACE, 'race-cut-0'],
      [TRIM, 'trim-cut-0'],
    ] as const) {
      const stamp = sender.receipts.get(tag);
      expect(stamp?.offset, `${room} starts over`).toBe(1);
      expect(stamp?.epoch).not.toBe(e1.get(room));
      e2.set(room, stamp?.epoch ?? '');
    }

    // B's subscriber connection comes back; its command connection stays down.
    proxy.unblock('parley-relay-sub');
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      const channels = ROOMS.map((r) => `parley:{${r}}`);
      const resubscribed = await until(async () => {
        const counts = await admin.pubSubNumSub(channels);
        return channels.every((c) => Number(counts[c] ?? 0) === 2);
      }, 15_000);
      expect(resubscribed, 'B resubscribed').toBe(true);
    } finally {
      await admin.close();
    }
    expect(proxy.names()).not.toContain('parley-relay');

    // Live messages: B sees offset 8 (and 31) first; its history reads fail.
    const failedBefore = gapFillLines(relayB);
    await sender.send(RACE, 5, 'race-live');
    await sender.send(TRIM, 5, 'trim-live');
    expect(
      await until(() => gapFillLines(relayB) >= failedBefore + ROOMS.length, 10_000),
      'B tried to fill both gaps and failed',
    ).toBe(true);
    // Not released over the gap: nothing of the new epoch has reached B's subscribers yet.
    for (const s of onB) for (const r of ROOMS) expect(got(s, r, e2), `${s.name} ${r}`).toBe(0);
    expect(proxy.refused('parley-relay')).toBeGreaterThan(0);

    // B's command connection comes back.
    proxy.unblock('parley-relay');
    const race = sender.stamped(RACE, e2.get(RACE) ?? '');
    const trim = sender.stamped(TRIM, e2.get(TRIM) ?? '');
    expect(race.map((m) => m.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(trim.map((m) => m.offset)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    const lastOf = (s: Subscriber, room: string): number =>
      s
        .seen(room)
        .filter((m) => m.epoch === e2.get(room))
        .at(-1)?.offset ?? 0;
    const done = await until(
      () => subs.every((s) => lastOf(s, RACE) === 12 && lastOf(s, TRIM) === 35),
      20_000,
    );
    await sleep(300); // anything delivered twice would arrive now
    console.log(
      subs
        .map(
          (s) =>
            `${s.name}@${s.relay} race: ${s
              .seen(RACE)
              .map(show(e1.get(RACE)))
              .join(' ')}\n` +
            `${s.name}@${s.relay} trim: ${s
              .seen(TRIM)
              .map(show(e1.get(TRIM)))
              .join(' ')}`,
        )
        .join('\n'),
    );
    expect(done, 'every subscriber reached the newest offsets').toBe(true);

    for (const s of subs) {
      // The race room lost nothing in history: every subscriber gets every message once, in order.
      const seenRace = s.seen(RACE);
      expect(
        seenRace.map((m) => [m.epoch, m.offset, m.id, m.gap]),
        `${s.name}@${s.relay} ${RACE}`,
      ).toEqual([
        ...sender
          .stamped(RACE, e1.get(RACE) ?? '')
          .map((m) => [e1.get(RACE), m.offset, m.id, undefined]),
        ...race.map((m) => [e2.get(RACE), m.offset, m.id, undefined]),
      ]);

      // The trim room: what history lost is announced, never silently skipped.
      const seenTrim = s.seen(TRIM).filter((m) => m.epoch === e2.get(TRIM));
      const covered: number[] = [];
      let next = 1;
      for (const m of seenTrim) {
        if (m.offset !== next) {
          expect(m.gap, `${s.name}@${s.relay}: ${next - 1}→${m.offset} without parley-gap`).toBe(
            `${next}-${m.offset - 1}`,
          );
          for (let o = next; o < m.offset; o++) covered.push(o);
        } else expect(m.gap, `${s.name}@${s.relay}: parley-gap on ${m.offset}`).toBeUndefined();
        expect(m.id).toBe(trim[m.offset - 1]?.id);
        covered.push(m.offset);
        next = m.offset + 1;
      }
      expect(
        covered,
        `${s.name}@${s.relay}: every receipted offset delivered or announced`,
      ).toEqual(trim.map((m) => m.offset));
      if (s.relay === 'A') expect(seenTrim.some((m) => m.gap !== undefined)).toBe(false);
    }
    // B's subscribers did miss the oldest of the trim room (history keeps 20): they were told.
    for (const s of onB) {
      const first = s.seen(TRIM).find((m) => m.epoch === e2.get(TRIM));
      expect(first?.gap, `${s.name}: the gap is announced`).toBe(`1-${35 - HISTORY_SIZE}`);
    }
    for (const s of subs) {
      expect(s.client.frames.filter((f) => f.command === 'ERROR')).toEqual([]);
      s.client.close();
    }
    sender.close();
  }, 90_000);
});
