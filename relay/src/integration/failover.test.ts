/**
 * Failures under traffic with several relays on one private Redis: a relay killed (SIGKILL),
 * Redis restarted (history lost: a new epoch), Redis frozen (SIGSTOP).
 *
 * The clients here do what the SDK's reliability layer does: an outbox of SENDs that have no
 * RECEIPT yet (resent with the same `parley-client-id` after a reconnect), resubscription with
 * `parley-since` + `parley-epoch`, a history refetch when the relay says `parley-recovered:false`,
 * and de-duplication by `parley-client-id`. The tests then count, per client, what was lost and
 * what was duplicated.
 */
import { createClient } from 'redis';
import type { RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StompParser, header, serialize } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import {
  connectFrame,
  rawStomp,
  redisAvailable,
  redisCommand,
  signToken,
  spawnRelay,
  startRedis,
} from '../testing/index.js';
import type { RawStompClient, RedisServer, RelayProcess } from '../testing/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function spawnRelays(count: number, redisUrl: string): Promise<RelayProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      spawnRelay({
        env: {
          PARLEY_REDIS_URL: redisUrl,
          PARLEY_MAX_SEND_RATE: '0',
          PARLEY_LOG_LEVEL: 'info',
        },
        timeoutMs: 30_000,
      }),
    ),
  );
}

async function readyz(relay: RelayProcess): Promise<number> {
  try {
    const res = await fetch(`${relay.httpUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0; // not listening (killed) or not answering
  }
}

function encode(command: string, headers: Record<string, string>, body = ''): Uint8Array {
  return serialize({ command, headers: Object.entries(headers), body: encoder.encode(body) });
}

interface HistoryPageJson {
  epoch: string;
  last: number;
  messages: Array<{ offset: number; epoch: string; headers: Record<string, string> }>;
}

/** One WebSocket connection of a {@link ChatClient}. */
interface Connection {
  n: number;
  relay: number;
  ws: WebSocket;
  closed: boolean;
  /** Waiters for CONNECTED (`CONNECTED`) and for receipts (their receipt id). */
  waiters: Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>;
  /** Last (epoch, offset) delivered on this connection: gaps are counted per connection. */
  prev?: { epoch: string; offset: number };
}

interface ChatClientOptions {
  name: string;
  room: string;
  relays: () => RelayProcess[];
  /** Relay to start on. */
  relay: number;
  /** Spreads reconnects over the other relays (round robin from here). */
  seed: number;
  /** Wait for /readyz 200 before reconnecting to a relay. */
  waitReady?: boolean;
}

/**
 * A chat client with the SDK's reliability rules (see the file comment), recording everything
 * that happens to it for the counts at the end.
 */
class ChatClient {
  readonly name: string;
  readonly room: string;
  /** Message ids (`parley-client-id`) handed to the app, in order (after de-duplication). */
  readonly inbox: string[] = [];
  /** The same, as a set. */
  readonly accepted = new Set<string>();
  /** Accepted from a history refetch rather than a MESSAGE. */
  fromHistory = 0;
  /** History refetches that failed (the client's view stays stale). */
  refetchFailures = 0;
  /** MESSAGE frames whose client id had been accepted already (resends), dropped. */
  dedupDropped = 0;
  /** MESSAGE frames whose (epoch, offset) had been delivered already: a relay fault. */
  wireDuplicates = 0;
  /** Offsets skipped inside one epoch on one connection: a relay fault. */
  readonly wireGaps: string[] = [];
  /** MESSAGE frames received. */
  frames = 0;
  /** First offset seen of each epoch after the first one. */
  readonly epochStarts: Array<{ epoch: string; offset: number }> = [];
  /** SENDs acknowledged by a RECEIPT, by client id. */
  readonly acked = new Map<string, { offset: number; epoch: string; at: number }>();
  /** When each message was handed to `send`. */
  readonly queuedAt = new Map<string, number>();
  /** SENDs without a RECEIPT yet, by client id, in send order. */
  readonly outbox = new Map<string, string>();
  /** SENDs written again after a reconnect. */
  resent = 0;
  /** Every ERROR's parley-reason. */
  readonly errors: string[] = [];
  /** Connections lost (not closed by us). */
  closes = 0;
  /** Connections opened (the first included). */
  connections = 0;
  /** Failed reconnect attempts. */
  failedAttempts = 0;
  /** Resubscriptions with parley-since, and what their RECEIPT said. */
  readonly recoveries: Array<{
    relay: number;
    since: number;
    recovered: string;
    replayed: number;
  }> = [];
  lastOffset = 0;
  epoch = '';

  private readonly options: ChatClientOptions;
  private conn: Connection | undefined;
  private live = false;
  private stopped = false;
  private readonly transmitted = new Set<string>();
  private readonly pending = new Map<string, string>();
  private readonly seenOffsets = new Set<string>();
  private receiptSeq = 0;
  private connSeq = 0;
  private reconnecting: Promise<void> | undefined;

  constructor(options: ChatClientOptions) {
    this.options = options;
    this.name = options.name;
    this.room = options.room;
  }

  get relay(): number | undefined {
    return this.conn && !this.conn.closed ? this.conn.relay : undefined;
  }

  private token(relay: RelayProcess): string {
    return signToken(relay.secret, { sub: this.name, parley: GRANTS });
  }

  /** Connects and subscribes (recovering from `lastOffset` when there is one). */
  async start(): Promise<void> {
    await this.connect(this.options.relay);
  }

  /** Queues a message and sends it now if connected; it stays in the outbox until its RECEIPT. */
  send(id: string): void {
    this.queuedAt.set(id, Date.now());
    this.outbox.set(id, `body of ${id}`);
    if (this.live) this.transmit(id);
  }

  /** Sends `count` messages, one every `intervalMs`, then waits for the outbox to empty. */
  async sendLoop(count: number, intervalMs: number): Promise<void> {
    for (let i = 0; i < count && !this.stopped; i++) {
      this.send(`${this.name}-${i}`);
      await sleep(intervalMs);
    }
    await until(() => this.outbox.size === 0 || this.stopped, 30_000);
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    const c = this.conn;
    if (c && !c.closed) c.ws.terminate();
  }

  private transmit(id: string): void {
    const c = this.conn;
    if (!c || c.closed) return;
    if (this.transmitted.has(id)) this.resent++;
    this.transmitted.add(id);
    const receipt = `s-${++this.receiptSeq}`;
    this.pending.set(receipt, id);
    c.ws.send(
      encode(
        'SEND',
        {
          destination: this.room,
          'parley-client-id': id,
          'content-type': 'text/plain',
          receipt,
        },
        this.outbox.get(id) ?? id,
      ),
    );
  }

  private async connect(relayIndex: number): Promise<void> {
    const relay = this.options.relays()[relayIndex]!;
    const ws = new WebSocket(relay.wsUrl, ['v12.stomp']);
    const c: Connection = {
      n: ++this.connSeq,
      relay: relayIndex,
      ws,
      closed: false,
      waiters: new Map(),
    };
    const parser = new StompParser(
      { onFrame: (f) => this.onFrame(c, f), onHeartbeat: () => undefined },
      { maxFrameSize: 16 * 1024 * 1024 },
    );
    ws.on('message', (data: Buffer) => parser.push(new Uint8Array(data)));
    ws.on('error', () => undefined);
    const wait = (key: string, ms = 15_000): Promise<Frame> =>
      new Promise<Frame>((resolve, reject) => {
        const timer = setTimeout(() => {
          c.waiters.delete(key);
          reject(new Error(`${this.name}: no ${key} within ${ms} ms`));
        }, ms);
        c.waiters.set(key, {
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('close', () => reject(new Error('closed before open')));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      });
      if (this.stopped) throw new Error('stopped');
      this.conn = c;
      ws.on('close', () => this.onClose(c));
      const connected = wait('CONNECTED');
      ws.send(
        encode('CONNECT', {
          'accept-version': '1.2',
          host: 'localhost',
          'heart-beat': '0,0',
          Authorization: `Bearer ${this.token(relay)}`,
        }),
      );
      await connected;
      this.connections++;
      const recovering = this.lastOffset > 0;
      const since = this.lastOffset;
      // The seam counts too: the first message of this epoch must follow the last one seen.
      if (recovering) c.prev = { epoch: this.epoch, offset: since };
      const subscribed = wait('sub-receipt');
      ws.send(
        encode('SUBSCRIBE', {
          id: 'sub-0',
          destination: this.room,
          receipt: 'sub-receipt',
          ...(recovering && { 'parley-since': String(since) }),
          ...(recovering && this.epoch !== '' && { 'parley-epoch': this.epoch }),
        }),
      );
      const receipt = await subscribed;
      // Live: everything still in the outbox goes again (same client ids), in order.
      this.live = true;
      for (const id of [...this.outbox.keys()]) this.transmit(id);
      if (recovering) {
        const recovered = header(receipt, 'parley-recovered') ?? '';
        this.recoveries.push({
          relay: relayIndex,
          since,
          recovered,
          replayed: Number(header(receipt, 'parley-replayed')),
        });
        // In the background: a connection lost meanwhile must start its own reconnect.
        if (recovered !== 'true') {
          this.refetch(relay).catch(() => {
            this.refetchFailures++;
          });
        }
      }
    } catch (err) {
      c.closed = true;
      ws.terminate();
      if (this.conn === c) {
        this.conn = undefined;
        this.live = false;
      }
      throw err;
    }
  }

  /** `parley-recovered:false`: the view is stale; read the destination's history over HTTP. */
  private async refetch(relay: RelayProcess): Promise<void> {
    let after = 0;
    for (let page = 0; page < 20; page++) {
      const res = await fetch(
        `${relay.httpUrl}/api/history?destination=${encodeURIComponent(this.room)}&after=${after}&limit=500`,
        { headers: { authorization: `Bearer ${this.token(relay)}` } },
      );
      if (res.status !== 200) throw new Error(`history: HTTP ${res.status}`);
      const json = (await res.json()) as HistoryPageJson;
      if (json.epoch !== '' && json.epoch !== this.epoch) {
        this.epoch = json.epoch;
        this.lastOffset = 0;
      }
      for (const m of json.messages) {
        const id = m.headers['parley-client-id'];
        if (id !== undefined && !this.accepted.has(id)) {
          this.accept(id);
          this.fromHistory++;
        }
        if (m.epoch === this.epoch) this.lastOffset = Math.max(this.lastOffset, m.offset);
      }
      const top = json.messages.at(-1)?.offset ?? json.last;
      if (top >= json.last || json.messages.length === 0) return;
      after = top;
    }
  }

  private onFrame(c: Connection, f: Frame): void {
    switch (f.command) {
      case 'CONNECTED':
        c.waiters.get('CONNECTED')?.resolve(f);
        return;
      case 'RECEIPT': {
        const id = header(f, 'receipt-id') ?? '';
        const waiter = c.waiters.get(id);
        if (waiter) {
          c.waiters.delete(id);
          waiter.resolve(f);
          return;
        }
        const clientId = this.pending.get(id);
        if (clientId === undefined) return;
        this.pending.delete(id);
        this.outbox.delete(clientId);
        this.acked.set(clientId, {
          offset: Number(header(f, 'parley-offset')),
          epoch: header(f, 'parley-epoch') ?? '',
          at: Date.now(),
        });
        return;
      }
      case 'MESSAGE':
        this.onMessage(c, f);
        return;
      case 'ERROR': {
        const reason = header(f, 'parley-reason') ?? '?';
        this.errors.push(reason);
        for (const w of c.waiters.values()) w.reject(new Error(`ERROR ${reason}`));
        c.waiters.clear();
        return;
      }
    }
  }

  private onMessage(c: Connection, f: Frame): void {
    this.frames++;
    const offset = Number(header(f, 'parley-offset'));
    const epoch = header(f, 'parley-epoch') ?? '';
    const key = `${epoch}:${offset}`;
    if (this.seenOffsets.has(key)) this.wireDuplicates++;
    this.seenOffsets.add(key);
    if (c.prev && c.prev.epoch === epoch && offset !== c.prev.offset + 1) {
      this.wireGaps.push(`${c.prev.offset}→${offset} on connection ${c.n} (relay ${c.relay})`);
    }
    c.prev = { epoch, offset };
    if (epoch !== this.epoch) {
      if (this.epoch !== '') this.epochStarts.push({ epoch, offset });
      this.epoch = epoch;
      this.lastOffset = offset;
    } else this.lastOffset = Math.max(this.lastOffset, offset);
    const id = header(f, 'parley-client-id') ?? decoder.decode(f.body);
    if (this.accepted.has(id)) this.dedupDropped++;
    else this.accept(id);
  }

  private accept(id: string): void {
    this.accepted.add(id);
    this.inbox.push(id);
  }

  private onClose(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    for (const w of c.waiters.values()) w.reject(new Error('connection closed'));
    c.waiters.clear();
    if (this.conn !== c) return;
    this.conn = undefined;
    const wasLive = this.live;
    this.live = false;
    this.pending.clear();
    if (this.stopped || !wasLive) return;
    this.closes++;
    this.reconnecting ??= this.reconnect(c.relay).finally(() => (this.reconnecting = undefined));
  }

  /** Round robin over the other relays (from `seed`), with backoff, until one takes us back. */
  private async reconnect(failed: number): Promise<void> {
    const count = this.options.relays().length;
    const others = Array.from({ length: count }, (_, i) => i).filter((i) => i !== failed);
    const shift = others.length > 0 ? this.options.seed % others.length : 0;
    // The other relays first, starting at `seed`; the one that failed last (it may come back).
    const order = [...others.slice(shift), ...others.slice(0, shift), failed];
    for (let attempt = 0; !this.stopped; attempt++) {
      await sleep(Math.min(50 * 2 ** attempt, 1000) + Math.random() * 50);
      const target = order[attempt % order.length]!;
      if (this.options.waitReady && (await readyz(this.options.relays()[target]!)) !== 200) {
        this.failedAttempts++;
        continue;
      }
      try {
        await this.connect(target);
        return;
      } catch {
        this.failedAttempts++;
      }
    }
  }
}

/** What a client lost and got twice, against what the senders of its room were told was sent. */
interface Tally {
  client: string;
  expected: number;
  received: number;
  lost: number;
  /** Handed to the app more than once (after de-duplication by client id). */
  duplicated: number;
  /** MESSAGE frames of an offset delivered before: the relay sent a stored message twice. */
  sameOffsetTwice: number;
  /** Second copies of a resent message (same client id, another offset), dropped by the client. */
  resendCopies: number;
  wireGaps: number;
  fromHistory: number;
  closes: number;
  resent: number;
  recoveredFalse: number;
  refetchFailures: number;
}

function tally(client: ChatClient, expected: Set<string>): Tally & { missing: string[] } {
  const missing = [...expected].filter((id) => !client.accepted.has(id));
  const received = client.inbox.filter((id) => expected.has(id)).length;
  return {
    client: client.name,
    expected: expected.size,
    received,
    lost: missing.length,
    duplicated: client.inbox.length - new Set(client.inbox).size,
    sameOffsetTwice: client.wireDuplicates,
    resendCopies: client.dedupDropped,
    wireGaps: client.wireGaps.length,
    fromHistory: client.fromHistory,
    closes: client.closes,
    resent: client.resent,
    recoveredFalse: client.recoveries.filter((r) => r.recovered !== 'true').length,
    refetchFailures: client.refetchFailures,
    missing: missing.slice(0, 10),
  };
}

let settleSeq = 0;

/**
 * Waits until whatever the relays were still going to deliver in `room` has arrived, instead of
 * sleeping a fixed time for late copies: a fresh client sends one more message, and once every
 * one of `clients` has it, everything published there before it has reached them too (each
 * subscriber gets one destination's messages in offset order, replays and gap fills included).
 */
async function settle(
  f: { client(options: Omit<ChatClientOptions, 'relays'>): ChatClient },
  room: string,
  clients: ChatClient[],
  relay = 0,
): Promise<void> {
  const id = `settle-${++settleSeq}`;
  const probe = f.client({ name: id, room, relay, seed: relay, waitReady: true });
  await probe.start();
  probe.send(id);
  const arrived = await until(() => clients.every((c) => c.accepted.has(id)), 10_000);
  expect(arrived, `${id} reached ${clients.map((c) => c.name).join(', ')}`).toBe(true);
  probe.stop();
}

/** A suite's Redis, relays and clients, all torn down in afterAll. */
function fixture(relayCount: number): {
  redis: () => RedisServer;
  relays: () => RelayProcess[];
  client(options: Omit<ChatClientOptions, 'relays'>): ChatClient;
} {
  let redis: RedisServer | undefined;
  let relays: RelayProcess[] = [];
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    relays = await spawnRelays(relayCount, redis.url);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.stop();
    await Promise.all(relays.map((r) => r.stop()));
    await redis?.stop();
  });
  return {
    redis: () => redis!,
    relays: () => relays,
    client(options) {
      const c = new ChatClient({ ...options, relays: () => relays });
      clients.push(c);
      return c;
    },
  };
}

describe.runIf(redisAvailable())('a relay killed under traffic (3 relays)', () => {
  const f = fixture(3);

  it('loses and duplicates nothing: clients of the killed relay reconnect elsewhere, recover and resend', async () => {
    const PER_CLIENT = 100;
    const rooms = ['/topic/room.kill-1', '/topic/room.kill-2'];
    // Six clients, two per relay, one of each pair in each room.
    const clients = Array.from({ length: 6 }, (_, i) =>
      f.client({ name: `u${i}`, room: rooms[i % 2]!, relay: Math.floor(i / 2), seed: i }),
    );
    await Promise.all(clients.map((c) => c.start()));
    const onB = clients.filter((c) => c.relay === 1);
    expect(onB).toHaveLength(2);

    const loops = clients.map((c) => c.sendLoop(PER_CLIENT, 10));
    // Mid-conversation: once everyone has sent about 40 messages.
    await until(() => clients.every((c) => c.acked.size >= 40), 20_000);
    const ackedBeforeKill = clients.reduce((n, c) => n + c.acked.size, 0);
    await f.relays()[1]!.kill();
    await Promise.all(loops);

    const expected = new Map<string, Set<string>>(rooms.map((r) => [r, new Set<string>()]));
    for (const c of clients) for (const id of c.acked.keys()) expected.get(c.room)!.add(id);
    await until(
      () => clients.every((c) => [...expected.get(c.room)!].every((id) => c.accepted.has(id))),
      15_000,
    );
    // Late duplicates would show by now.
    for (const room of rooms) {
      await settle(
        f,
        room,
        clients.filter((c) => c.room === room),
      );
    }
    const tallies = clients.map((c) => tally(c, expected.get(c.room)!));
    console.log(
      `relay B killed after ${ackedBeforeKill} acknowledged SENDs; per client:\n` +
        tallies.map((t) => JSON.stringify(t)).join('\n'),
    );
    console.log(
      'recoveries:',
      JSON.stringify(clients.map((c) => ({ client: c.name, recoveries: c.recoveries }))),
    );

    for (const c of clients) {
      expect(c.outbox.size, `${c.name} has unacknowledged SENDs`).toBe(0);
      expect(c.acked.size).toBe(PER_CLIENT);
    }
    for (const room of rooms) expect(expected.get(room)!.size).toBe(3 * PER_CLIENT);
    for (const t of tallies) {
      expect(t, `${t.client}: ${t.missing.join(', ')}`).toMatchObject({
        lost: 0,
        duplicated: 0,
        sameOffsetTwice: 0,
        wireGaps: 0,
      });
    }
    // B's clients noticed, moved to a surviving relay, and recovered everything they missed.
    // Each goes where its round robin starts (u2, seed 2: A first; u3, seed 3: C first), both
    // alive, so at the first attempt: one lost connection, one resubscription, all recovered.
    const firstChoice: Record<string, number> = { u2: 0, u3: 2 };
    expect(onB.map((c) => c.name)).toEqual(['u2', 'u3']);
    for (const c of onB) {
      expect(c.closes, `${c.name} connections lost`).toBe(1);
      expect(c.failedAttempts, `${c.name} failed reconnects`).toBe(0);
      expect(c.relay, `${c.name} reconnected to`).toBe(firstChoice[c.name]);
      expect(c.recoveries.map((r) => r.recovered)).toEqual(['true']);
      expect(c.recoveries.every((r) => r.recovered === 'true')).toBe(true);
      expect(c.fromHistory).toBe(0);
    }
    expect(new Set(onB.map((c) => c.relay)).size).toBe(2); // spread over A and C
    for (const c of clients.filter((x) => !onB.includes(x))) expect(c.closes).toBe(0);
  });
});

describe.runIf(redisAvailable())('Redis restarted under traffic (2 relays)', () => {
  const f = fixture(2);
  const raws: RawStompClient[] = [];
  afterAll(() => {
    for (const c of raws) c.close();
  });

  it('keeps subscriptions, says the epoch changed, and loses nothing acknowledged after the restart', async () => {
    const room = '/topic/room.restart';
    const listeners = [0, 1].map((r) =>
      f.client({ name: `listener${r}`, room, relay: r, seed: r, waitReady: true }),
    );
    const senders = [0, 1, 2, 3].map((i) =>
      f.client({ name: `s${i}`, room, relay: i % 2, seed: i, waitReady: true }),
    );
    const all = [...listeners, ...senders];
    await Promise.all(all.map((c) => c.start()));

    const loops = senders.map((c) => c.sendLoop(120, 25));
    await until(() => senders.every((c) => c.acked.size >= 30), 20_000);
    const epochBefore = senders[0]!.acked.values().next().value!.epoch;
    const restartAt = Date.now();
    await f.redis().restart();
    await Promise.all(loops);

    // Both relays noticed and renewed their channel subscriptions.
    const restored = await until(
      () => f.relays().every((r) => r.output().includes('Redis connection restored')),
      10_000,
    );
    expect(restored, 'both relays log "Redis connection restored"').toBe(true);
    for (const r of f.relays()) expect(await readyz(r)).toBe(200);

    const ackedAfter = new Set<string>();
    const ackedBefore = new Set<string>();
    for (const s of senders) {
      for (const [id, a] of s.acked) (a.epoch === epochBefore ? ackedBefore : ackedAfter).add(id);
    }
    await until(() => all.every((c) => [...ackedAfter].every((id) => c.accepted.has(id))), 15_000);
    await settle(f, room, all);
    const tallies = all.map((c) => tally(c, ackedAfter));
    const mightHaveMissed = all.map((c) => ({
      client: c.name,
      toldRecoveredFalse: c.recoveries.filter((r) => r.recovered !== 'true').length,
      epochChangesSeenLive: c.epochStarts.length,
      missedBeforeRestart: [...ackedBefore].filter((id) => !c.accepted.has(id)).length,
    }));
    console.log(
      `Redis restarted ${Date.now() - restartAt} ms before the end; acknowledged before: ${ackedBefore.size}, after: ${ackedAfter.size}\n` +
        tallies.map((t) => JSON.stringify(t)).join('\n') +
        '\nbefore the restart (history lost, may be missed):\n' +
        mightHaveMissed.map((m) => JSON.stringify(m)).join('\n'),
    );
    console.log(
      'errors:',
      JSON.stringify(
        all.map((c) => ({ client: c.name, errors: c.errors, recoveries: c.recoveries })),
      ),
    );

    expect(ackedAfter.size).toBeGreaterThan(0);
    for (const s of senders) expect(s.outbox.size, `${s.name} outbox`).toBe(0);
    // A SEND that reached a relay while Redis was down was refused with broker-unavailable.
    const reasons = all.flatMap((c) => c.errors);
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['broker-unavailable']));
    // Listeners never sent: they kept their connection and subscription.
    for (const l of listeners) {
      expect(l.closes).toBe(0);
      expect(l.epochStarts.length).toBe(1);
    }
    for (const t of tallies) {
      expect(t, `${t.client}: ${t.missing.join(', ')}`).toMatchObject({
        lost: 0,
        duplicated: 0,
        sameOffsetTwice: 0,
        wireGaps: 0,
      });
    }
    // A sender whose SEND hit the outage got ERROR broker-unavailable, which ends its connection:
    // it reconnected once, resubscribed once, and was told the epoch changed. Two outcomes are
    // legal per sender, because whether the outage caught one of its SENDs is timing; which one
    // applies is read from the sender's own errors, and both halves are then checked exactly.
    for (const c of senders) {
      const hit = c.errors.length > 0;
      expect(c.errors, `${c.name} errors`).toEqual(hit ? ['broker-unavailable'] : []);
      expect(c.closes, `${c.name} connections lost`).toBe(hit ? 1 : 0);
      expect(c.connections, `${c.name} connections`).toBe(hit ? 2 : 1);
      expect(
        c.recoveries.map((r) => r.recovered),
        `${c.name} resubscribed`,
      ).toEqual(hit ? ['false'] : []);
    }
    // Every client got messages of the new epoch (lost: 0 above), so every client learned that
    // the history started over: told parley-recovered:false, or saw the new epoch arrive live.
    for (const m of mightHaveMissed) {
      expect(
        m.toldRecoveredFalse + m.epochChangesSeenLive,
        `${m.client} learned of the new epoch`,
      ).toBeGreaterThan(0);
    }
  });

  it('does not answer a SUBSCRIBE before it listens, nor leave it deaf when Redis fails meanwhile', async () => {
    const room = '/topic/room.orphan';
    const [a, b] = f.relays() as [RelayProcess, RelayProcess];
    const open = async (relay: RelayProcess, user: string): Promise<RawStompClient> => {
      const c = await rawStomp(relay.wsUrl);
      raws.push(c);
      c.send(connectFrame(signToken(relay.secret, { sub: user, parley: GRANTS })));
      await c.next('CONNECTED');
      return c;
    };
    const first = await open(a, 'first');
    const second = await open(a, 'second');
    const redis = f.redis();
    // Redis holds every command (unlike SIGSTOP, which SIGKILL below would have to undo first).
    expect(await redisCommand(redis.port, 'CLIENT', 'PAUSE', '30000', 'ALL')).toBe('OK');
    let early = false;
    try {
      // The first SUBSCRIBE of the destination on this relay waits for Redis (paused)...
      first.send(`SUBSCRIBE\nid:0\ndestination:${room}\nreceipt:first\n\n\0`);
      await sleep(100);
      // ...and a second one on the same relay must wait for it too.
      second.send(`SUBSCRIBE\nid:0\ndestination:${room}\nreceipt:second\n\n\0`);
      early = await second.next('RECEIPT', 500).then(
        () => true,
        () => false,
      );
    } finally {
      // Redis dies before it answers the pending SUBSCRIBE, and comes back empty.
      await redis.restart();
    }
    expect
      .soft(early, 'RECEIPT of a SUBSCRIBE while Redis could not have subscribed it')
      .toBe(false);
    // The first one was refused: its broker subscription died with Redis, and the relay does not
    // retry it (the client does, after reconnecting).
    await until(
      () => first.frames.some((x) => x.command === 'RECEIPT' || x.command === 'ERROR'),
      10_000,
    );
    expect(first.frames.map((x) => x.command)).toEqual(['CONNECTED', 'ERROR']);
    expect(header(first.frames[1]!, 'parley-reason')).toBe('broker-unavailable');
    let ready = false;
    for (const end = Date.now() + 10_000; Date.now() < end && !ready; await sleep(100)) {
      ready = (await Promise.all([a, b].map(readyz))).every((s) => s === 200);
    }
    expect(ready).toBe(true);

    // The second subscriber waited on the same broker subscription and shares its fate: told
    // (ERROR broker-unavailable, no RECEIPT), not left connected and deaf.
    const publisher = await open(b, 'publisher');
    publisher.send(`SEND\ndestination:${room}\nreceipt:p\n\nhello\0`);
    expect(header(await publisher.next('RECEIPT', 5000), 'receipt-id')).toBe('p');
    // A closed socket makes next() reject at once: tell "closed with an ERROR" apart first.
    const told = second.frames.some((x) => x.command === 'ERROR');
    const outcome = told
      ? 'told'
      : await Promise.race([
          second.next('MESSAGE', 5000).then(
            () => 'message',
            () => (second.frames.some((x) => x.command === 'ERROR') ? 'told' : 'nothing'),
          ),
          second.closed.then(() =>
            second.frames.some((x) => x.command === 'ERROR') ? 'told' : 'closed silently',
          ),
        ]);
    const firstFrames = first.frames.map((x) => x.command).join(',');
    expect(
      outcome,
      `second subscriber (its RECEIPT early: ${early}; first got ${firstFrames})`,
    ).toBe('told');
    expect(second.frames.map((x) => x.command)).toEqual(['CONNECTED', 'ERROR']);
    expect(header(second.frames[1]!, 'parley-reason')).toBe('broker-unavailable');
  });
});

describe.runIf(redisAvailable())('Redis frozen briefly (SIGSTOP, 2 relays)', () => {
  const f = fixture(2);

  it('reports not-ready while frozen, ready after, and delivers every acknowledged message once', async () => {
    const room = '/topic/room.pause';
    const listeners = [0, 1].map((r) =>
      f.client({ name: `listener${r}`, room, relay: r, seed: r, waitReady: true }),
    );
    const senders = [0, 1].map((i) =>
      f.client({ name: `s${i}`, room, relay: i, seed: i, waitReady: true }),
    );
    const all = [...listeners, ...senders];
    await Promise.all(all.map((c) => c.start()));
    const loops = senders.map((c) => c.sendLoop(200, 25));
    await until(() => senders.every((c) => c.acked.size >= 20), 20_000);

    const redis = f.redis();
    redis.pause();
    const pausedAt = Date.now();
    const notReady = new Set<number>();
    try {
      // The relays should notice a frozen Redis and say not-ready within a few seconds.
      const deadline = pausedAt + 4000;
      while (Date.now() < deadline && notReady.size < 2) {
        const statuses = await Promise.all(f.relays().map(readyz));
        for (const [i, s] of statuses.entries()) if (s === 503) notReady.add(i);
        await sleep(100);
      }
      // Frozen past the relay's 5 s command timeout: SENDs in flight fail (no RECEIPT) although
      // Redis runs them once thawed; their senders resend, their receivers drop the copies.
      await sleep(pausedAt + 6000 - Date.now());
    } finally {
      redis.resume();
    }
    const resumedAt = Date.now();
    let readyAgain = false;
    for (const end = Date.now() + 10_000; Date.now() < end && !readyAgain; await sleep(100)) {
      readyAgain = (await Promise.all(f.relays().map(readyz))).every((s) => s === 200);
    }
    await Promise.all(loops);

    const acked = new Set(senders.flatMap((s) => [...s.acked.keys()]));
    const duringPause = new Set(
      senders.flatMap((s) =>
        [...s.queuedAt].filter(([, at]) => at >= pausedAt && at <= resumedAt).map(([id]) => id),
      ),
    );
    await until(() => all.every((c) => [...acked].every((id) => c.accepted.has(id))), 15_000);
    await settle(f, room, all);
    const tallies = all.map((c) => tally(c, acked));
    const lostOfPause = all.map(
      (c) => [...duringPause].filter((id) => acked.has(id) && !c.accepted.has(id)).length,
    );
    console.log(
      `Redis frozen for ${resumedAt - pausedAt} ms; /readyz 503 seen on relays [${[...notReady].join(',')}]; ` +
        `${duringPause.size} messages sent while frozen, lost of those per client: [${lostOfPause.join(',')}]\n` +
        tallies.map((t) => JSON.stringify(t)).join('\n'),
    );
    console.log(
      'errors:',
      JSON.stringify(
        all.map((c) => ({ client: c.name, errors: c.errors, recoveries: c.recoveries })),
      ),
    );

    expect
      .soft([...notReady].sort(), '/readyz answered 503 on both relays while Redis was frozen')
      .toEqual([0, 1]);
    expect(readyAgain, '/readyz 200 on both relays after SIGCONT').toBe(true);
    for (const s of senders) {
      expect(s.outbox.size, `${s.name} outbox`).toBe(0);
      expect(s.acked.size).toBe(200);
    }
    expect(duringPause.size).toBeGreaterThan(0);
    for (const t of tallies) {
      expect(t, `${t.client}: ${t.missing.join(', ')}`).toMatchObject({
        lost: 0,
        duplicated: 0,
        sameOffsetTwice: 0,
        wireGaps: 0,
      });
    }
    for (const e of all.flatMap((c) => c.errors)) expect(e).toBe('broker-unavailable');
  });
});

describe.runIf(redisAvailable())('Redis subscriber connections cut (2 relays)', () => {
  const f = fixture(2);
  const room = '/topic/room.cut';
  const restoredLines = (r: RelayProcess): number =>
    r.output().split('Redis connection restored').length - 1;

  /**
   * Cuts every relay's pub/sub connection and keeps it out (a password that its reconnects do not
   * know; connections already open stay authenticated), then publishes through the sender: that
   * message reaches Redis and gets its RECEIPT, but no relay's live feed. Then lets the relays
   * back in, waits until both renewed their subscriptions, and publishes once more.
   */
  async function cutAndPublish(
    sender: ChatClient,
    tag: string,
    whileCut: (admin: RedisClientType) => Promise<void> = async () => undefined,
  ): Promise<void> {
    const admin: RedisClientType = createClient({ url: f.redis().url });
    await admin.connect();
    try {
      const restored = f.relays().map(restoredLines);
      await admin.configSet('requirepass', 'locked-out-for-a-moment');
      expect(await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])).toBe(2);
      await whileCut(admin);
      sender.send(`${tag}-while-cut`);
      expect(await until(() => sender.outbox.size === 0, 10_000), 'receipt while cut').toBe(true);
      // Still cut off: nobody got the message live.
      expect(f.relays().map(restoredLines)).toEqual(restored);
      await admin.configSet('requirepass', '');
      const renewed = await until(
        () => f.relays().every((r, i) => restoredLines(r) > restored[i]!),
        10_000,
      );
      expect(renewed, 'both relays renewed their subscriptions').toBe(true);
    } finally {
      await admin.configSet('requirepass', '').catch(() => undefined);
      await admin.close();
    }
    sender.send(`${tag}-after`);
    expect(await until(() => sender.outbox.size === 0, 10_000), 'receipt after').toBe(true);
  }

  it('fills the gap from history: what was published while the feed was down arrives once, in order', async () => {
    const listeners = [0, 1].map((r) =>
      f.client({ name: `listener${r}`, room, relay: r, seed: r }),
    );
    const sender = f.client({ name: 'sender', room, relay: 1, seed: 1 });
    await Promise.all([...listeners, sender].map((c) => c.start()));
    for (let i = 0; i < 5; i++) sender.send(`same-${i}`);
    await until(() => sender.outbox.size === 0, 10_000);
    await cutAndPublish(sender, 'same');

    const expected = new Set(sender.acked.keys());
    await until(
      () => listeners.every((l) => [...expected].every((id) => l.accepted.has(id))),
      5000,
    );
    await settle(f, room, listeners);
    const tallies = listeners.map((l) => tally(l, expected));
    console.log('feed cut, same epoch:\n' + tallies.map((t) => JSON.stringify(t)).join('\n'));
    for (const t of tallies) {
      expect(t, `${t.client}: ${t.missing.join(', ')}`).toMatchObject({
        lost: 0,
        duplicated: 0,
        sameOffsetTwice: 0,
        wireGaps: 0,
      });
    }
    for (const l of listeners) expect(l.closes).toBe(0);
  });

  it('fills the gap when the history started over meanwhile (new epoch): the new epoch arrives from offset 1', async () => {
    const listeners = [0, 1].map((r) =>
      f.client({ name: `listener-e${r}`, room, relay: r, seed: r }),
    );
    const sender = f.client({ name: 'sender-e', room, relay: 1, seed: 1 });
    await Promise.all([...listeners, sender].map((c) => c.start()));
    sender.send('epoch-0');
    await until(() => sender.outbox.size === 0, 10_000);
    const oldEpoch = sender.acked.get('epoch-0')!.epoch;
    // History lost while the relays are cut off (as after a Redis restart without persistence,
    // or keys evicted): the next message starts a new epoch at offset 1.
    await cutAndPublish(sender, 'epoch', async (admin) => {
      const tagged = `parley:{${room}}`;
      expect(await admin.del([`${tagged}:meta`, `${tagged}:log`])).toBe(2);
    });
    const whileCut = sender.acked.get('epoch-while-cut')!;
    expect(whileCut.epoch).not.toBe(oldEpoch);
    expect(whileCut.offset).toBe(1);

    const expected = new Set(['epoch-while-cut', 'epoch-after']);
    await until(
      () => listeners.every((l) => [...expected].every((id) => l.accepted.has(id))),
      5000,
    );
    await settle(f, room, listeners);
    const tallies = listeners.map((l) => ({
      ...tally(l, expected),
      newEpochStartedAt: l.epochStarts.map((e) => e.offset),
    }));
    console.log('feed cut, new epoch:\n' + tallies.map((t) => JSON.stringify(t)).join('\n'));
    for (const t of tallies) {
      expect(t, `${t.client}: ${t.missing.join(', ')}`).toMatchObject({
        lost: 0,
        duplicated: 0,
        sameOffsetTwice: 0,
        newEpochStartedAt: [1],
      });
    }
  });
});
