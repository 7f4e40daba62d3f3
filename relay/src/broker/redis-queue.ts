import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisArgument } from 'redis';
import type { BrokerMessage, QueueFeed } from './broker.js';
import type { RedisBrokerLog } from './redis-broker.js';

/**
 * Competing consumers of `/queue/` destinations across relays, on Redis Streams consumer groups.
 *
 * A queue is the destination's history stream (`<prefix>{<destination>}:log`, see
 * `lua/publish.lua`) read through one consumer group, {@link QUEUE_GROUP}, so history and queue
 * share one log. Each relay is one consumer of the group (its broker's instance id) and each
 * entry is handed to one consumer at a time; the group's pending entries list (PEL) records
 * which relay holds which message until it is acknowledged.
 *
 * - **Fetch.** While the hub gives credit, the feed reads new entries (`XREADGROUP ... >`,
 *   never blocking: the command connection is shared) and hands each to `deliver`; each one
 *   delivered uses one unit of credit until the hub sets it again. The group is created at id
 *   `0` on first read, so messages published before any consumer existed are delivered.
 * - **Triggers.** A read runs when credit rises, when a message is published to the destination
 *   (the feed watches the destination's pub/sub channel itself; ephemeral messages are not
 *   stored and do not count), on every poll tick (safety net) and after Redis comes back. One
 *   Redis call per feed is in flight at a time; triggers meanwhile are coalesced.
 * - **Visibility.** The PEL idle time of every message this relay holds is reset every quarter
 *   to half of the visibility timeout. A relay that dies stops doing so: once its messages have
 *   been idle for the visibility timeout, other relays take them over (`XAUTOCLAIM`, every
 *   tick, while they have credit). All relays must use the same visibility timeout.
 * - **Release** moves messages to the placeholder consumer {@link RELEASED_CONSUMER} with an
 *   idle time of decades, so the next tick of any relay with credit (this one included) takes
 *   them.
 * - **Outages.** Calls that fail are retried on the next tick or when Redis is back; nothing is
 *   lost, messages stay in the PEL. A message held past an outage longer than the visibility
 *   timeout may have been taken over by another relay and delivered twice (at-least-once).
 * - **Retention.** Queue messages live in the history stream, so its retention bounds them: a
 *   queue keeps at most `retention.maxCount` messages (delivered or not), none older than
 *   `retention.maxAgeMs`. Trimmed messages are dropped from the PEL and never delivered. When a
 *   destination's history starts over (new epoch), the group starts over with it.
 * - Relays that stopped leave consumers without pending messages in the group; each feed
 *   deletes such consumers once a minute when they have been idle for a while.
 */

/** The consumer group every relay reads a `/queue/` destination's stream through. */
export const QUEUE_GROUP = 'parley';
/** Consumer that holds released messages until any relay's next `XAUTOCLAIM` takes them. */
export const RELEASED_CONSUMER = 'parley-released';

const source = readFileSync(new URL('./lua/queue.lua', import.meta.url), 'utf8');
/** `lua/queue.lua`, in the shape the broker runs scripts in. @internal */
export const QUEUE_SCRIPT = {
  source,
  sha: createHash('sha1').update(source).digest('hex'),
} as const;

/** Most entries one read or claim asks for (credit above it takes several calls). */
const MAX_BATCH = 500;
/** Most ids one ack, touch or release script call carries. */
const MAX_IDS = 500;
/** How often a feed deletes consumers of stopped relays. */
const REAP_INTERVAL_MS = 60_000;

/** What a feed needs from its broker, bound to one destination. @internal */
export interface QueueFeedHost {
  readonly destination: string;
  /** This feed's consumer name in the group. */
  readonly consumer: string;
  readonly visibilityMs: number;
  readonly pollMs: number;
  /**
   * Runs `lua/queue.lua` on the destination's keys. Rejects with a `BrokerUnavailableError`
   * when Redis is unreachable.
   */
  run(args: RedisArgument[]): Promise<unknown>;
  /** A stored entry as a message (the same decoding as history). */
  decode(
    stamp: { offset: number; epoch: string; timestamp: number },
    content: Buffer,
  ): BrokerMessage;
  /** Calls `nudge` whenever a message is published to the destination. */
  watch(nudge: () => void): Promise<void>;
  unwatch(nudge: () => void): Promise<void>;
  /** Calls `listener` when Redis is back after an outage; returns the remover. */
  onReconnect(listener: () => void): () => void;
  readonly log: RedisBrokerLog;
  /** The feed stopped (closing or abandoned): the broker forgets it. */
  detach(): void;
}

/** Where a message sits in the stream. */
interface Entry {
  epoch: string;
  offset: number;
}

const text = (reply: unknown): string =>
  Buffer.isBuffer(reply) ? reply.toString() : typeof reply === 'string' ? reply : String(reply);
const num = (reply: unknown): number => (typeof reply === 'number' ? reply : Number(text(reply)));
const streamId = (offset: number): string => `${offset}-0`;

/**
 * One relay's share of one `/queue/` destination (see the notes at the top of this file).
 * @internal
 */
export class RedisQueueFeed implements QueueFeed {
  private credit = 0;
  /** Messages delivered (or being released) and not yet acknowledged or released, by id. */
  private readonly held = new Map<string, Entry>();
  /** Acknowledgements not yet sent (or that failed), by message id. */
  private readonly acks = new Map<string, Entry>();
  /** Releases not yet sent (or that failed), by message id. */
  private readonly releases = new Map<string, Entry>();
  private wantRead = true;
  private claimDue = false;
  private touchDue = false;
  private reapDue = false;
  private cursor = '0-0';
  private lastTouch = Date.now();
  private lastReap = Date.now() - Math.random() * REAP_INTERVAL_MS;
  private working: Promise<void> | undefined;
  private again = false;
  private failing = false;
  private state: 'open' | 'closing' | 'stopped' = 'open';
  private closing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly offReconnect: () => void;
  private readonly nudge = (): void => {
    this.wantRead = true;
    if (this.credit > 0) this.kick();
  };

  constructor(
    private readonly host: QueueFeedHost,
    private readonly deliver: (message: BrokerMessage) => void,
  ) {
    const tickMs = Math.max(10, Math.min(host.pollMs, Math.floor(host.visibilityMs / 4)));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    this.offReconnect = host.onReconnect(() => {
      this.wantRead = true;
      this.claimDue = true;
      this.touchDue = this.held.size > 0;
      this.kick();
    });
  }

  /** Subscribes the destination's channel for nudges; rejects (and stops) when it cannot. */
  async start(): Promise<void> {
    try {
      await this.host.watch(this.nudge);
    } catch (err) {
      this.abandon();
      throw err;
    }
  }

  setCredit(n: number): void {
    const credit = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
    const rising = credit > this.credit;
    this.credit = credit;
    if (rising && this.state === 'open') {
      this.wantRead = true;
      this.kick();
    }
  }

  ack(message: BrokerMessage): void {
    if (this.state === 'stopped' || message.offset <= 0) return;
    const id = `${message.epoch}-${message.offset}`;
    this.releases.delete(id);
    this.acks.set(id, { epoch: message.epoch, offset: message.offset });
    this.kick();
  }

  release(messages: BrokerMessage[]): void {
    if (this.state === 'stopped') return;
    for (const m of messages) {
      const id = `${m.epoch}-${m.offset}`;
      if (m.offset <= 0 || this.acks.has(id)) continue;
      this.releases.set(id, { epoch: m.epoch, offset: m.offset });
    }
    this.kick();
  }

  /**
   * Stops fetching, sends the acknowledgements still due and releases every message still held.
   * Never rejects: when Redis cannot be reached, what is held is taken over by other relays after
   * the visibility timeout.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.state === 'stopped') return Promise.resolve();
    this.state = 'closing';
    this.stopTimers();
    this.host.detach();
    this.closing = (async () => {
      await this.host.unwatch(this.nudge).catch(() => undefined);
      while (this.working) await this.working;
      for (const [id, entry] of this.held) {
        if (!this.acks.has(id)) this.releases.set(id, entry);
      }
      this.failing = false;
      this.kick();
      while (this.working) await this.working;
      this.state = 'stopped';
    })();
    return this.closing;
  }

  /**
   * Stops at once without releasing anything, like a relay that crashed: what it holds is taken
   * over by other relays after the visibility timeout. For tests.
   * @internal
   */
  abandon(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopTimers();
    this.host.detach();
    this.host.unwatch(this.nudge).catch(() => undefined);
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    this.offReconnect();
  }

  private tick(): void {
    if (this.state !== 'open') return;
    const now = Date.now();
    this.wantRead = true;
    this.claimDue = true;
    if (this.held.size > 0 && now - this.lastTouch >= this.host.visibilityMs / 4) {
      this.touchDue = true;
    }
    if (now - this.lastReap >= REAP_INTERVAL_MS) this.reapDue = true;
    this.kick();
  }

  /** Runs the worker, or makes the running one go round again. */
  private kick(): void {
    if (this.state === 'stopped') return;
    if (this.working) {
      this.again = true;
      return;
    }
    this.working = this.work().finally(() => {
      this.working = undefined;
    });
  }

  private async work(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
        this.failing = false;
      } catch (err) {
        this.failed(err);
        return; // retried on the next tick, or when Redis is back
      }
    } while (this.again && this.state !== 'stopped');
  }

  /** One round of everything due, one Redis call at a time. */
  private async pass(): Promise<void> {
    if (this.acks.size > 0) await this.flushAcks();
    if (this.releases.size > 0) await this.flushReleases();
    if (this.state !== 'open') return;
    if (this.touchDue) {
      this.touchDue = false;
      this.lastTouch = Date.now();
      await this.touch();
    }
    if (this.reapDue) {
      this.reapDue = false;
      this.lastReap = Date.now();
      await this.reap();
    }
    if (this.claimDue && this.credit > 0) {
      this.claimDue = false;
      await this.fetch('claim', Math.min(this.credit, MAX_BATCH));
    }
    while (this.wantRead && this.credit > 0 && this.state === 'open') {
      // Auto-ack consumers ack as fast as messages come: keep the PEL short meanwhile.
      if (this.acks.size > 0) await this.flushAcks();
      this.wantRead = false; // a nudge during the read sets it again
      const asked = Math.min(this.credit, MAX_BATCH);
      if ((await this.fetch('read', asked)) >= asked) this.wantRead = true;
    }
  }

  private failed(err: unknown): void {
    this.wantRead = true;
    if (this.state !== 'open') return;
    const unavailable = err instanceof Error && err.name === 'BrokerUnavailableError';
    const first = !this.failing;
    this.failing = true;
    // The broker reports outages itself; say other failures once per streak.
    this.host.log(unavailable || !first ? 'debug' : 'warn', 'queue feed call failed; will retry', {
      destination: this.host.destination,
      err: err instanceof Error ? err.message : String(err),
    });
  }

  /** Reads new entries or claims idle ones; returns how many entries Redis handed over. */
  private async fetch(mode: 'read' | 'claim', count: number): Promise<number> {
    const args: RedisArgument[] = [mode, QUEUE_GROUP, this.host.consumer, String(count)];
    if (mode === 'claim') args.push(String(this.host.visibilityMs), this.cursor);
    const reply = await this.host.run(args);
    if (!Array.isArray(reply) || reply.length < 2) {
      throw new Error('unexpected reply from queue.lua');
    }
    const epoch = text(reply[0]);
    if (mode === 'claim') this.cursor = text(reply[1]);
    let n = 0;
    for (let i = 2; i + 2 < reply.length; i += 3) {
      n++;
      this.take(epoch, num(reply[i]), num(reply[i + 1]), reply[i + 2] as Buffer);
    }
    return n;
  }

  private take(epoch: string, offset: number, timestamp: number, content: Buffer): void {
    const id = `${epoch}-${offset}`;
    const entry = { epoch, offset };
    // Claimed back after an outage: still held here, already delivered.
    if (this.held.has(id)) return;
    let message: BrokerMessage;
    try {
      message = this.host.decode({ offset, epoch, timestamp }, content);
    } catch (err) {
      this.host.log('warn', 'dropping a malformed queue message from Redis', {
        destination: this.host.destination,
        offset,
        err: String(err),
      });
      this.acks.set(id, entry);
      this.held.set(id, entry);
      return;
    }
    this.held.set(id, entry);
    if (this.state !== 'open') {
      this.releases.set(id, entry);
      return;
    }
    this.credit = Math.max(0, this.credit - 1);
    try {
      this.deliver(message);
    } catch (err) {
      this.host.log('error', 'queue deliver threw; releasing the message', {
        destination: this.host.destination,
        err: String(err),
      });
      this.releases.set(id, entry);
    }
  }

  private async flushAcks(): Promise<void> {
    const batch = [...this.acks];
    for (const [epoch, ids] of byEpoch(batch)) {
      for (let i = 0; i < ids.length; i += MAX_IDS) {
        const chunk = ids.slice(i, i + MAX_IDS);
        await this.host.run([
          'ack',
          QUEUE_GROUP,
          this.host.consumer,
          epoch,
          ...chunk.map((e) => streamId(e.offset)),
        ]);
        for (const e of chunk) this.settled(`${epoch}-${e.offset}`, this.acks);
      }
    }
  }

  private async flushReleases(): Promise<void> {
    const batch = [...this.releases];
    for (const [epoch, ids] of byEpoch(batch)) {
      for (let i = 0; i < ids.length; i += MAX_IDS) {
        const chunk = ids.slice(i, i + MAX_IDS);
        await this.host.run([
          'release',
          QUEUE_GROUP,
          this.host.consumer,
          epoch,
          RELEASED_CONSUMER,
          ...chunk.map((e) => streamId(e.offset)),
        ]);
        for (const e of chunk) this.settled(`${epoch}-${e.offset}`, this.releases);
      }
    }
  }

  /** Done with a message: forget it (unless it was acked or released again meanwhile). */
  private settled(id: string, from: Map<string, Entry>): void {
    from.delete(id);
    if (!this.acks.has(id) && !this.releases.has(id)) this.held.delete(id);
  }

  /** Keeps the messages held here from being taken over by other relays. */
  private async touch(): Promise<void> {
    const batch = [...this.held].filter(([id]) => !this.releases.has(id));
    for (const [epoch, ids] of byEpoch(batch)) {
      for (let i = 0; i < ids.length; i += MAX_IDS) {
        const chunk = ids.slice(i, i + MAX_IDS);
        const lost = await this.host.run([
          'touch',
          QUEUE_GROUP,
          this.host.consumer,
          epoch,
          ...chunk.map((e) => streamId(e.offset)),
        ]);
        if (!Array.isArray(lost)) continue;
        for (const id of lost) {
          // Trimmed, or taken over after an outage: no longer this relay's to keep or release.
          // A pending ack is still sent (the message was processed).
          const key = `${epoch}-${Number.parseInt(text(id), 10)}`;
          if (!this.acks.has(key)) this.held.delete(key);
        }
      }
    }
  }

  private async reap(): Promise<void> {
    const minIdle = Math.max(2 * this.host.visibilityMs, REAP_INTERVAL_MS);
    await this.host.run(['reap', QUEUE_GROUP, this.host.consumer, String(minIdle)]);
  }
}

/** Groups `[id, entry]` pairs by epoch (almost always one). */
function byEpoch(pairs: Array<[string, Entry]>): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>();
  for (const [, entry] of pairs) {
    const list = groups.get(entry.epoch);
    if (list) list.push(entry);
    else groups.set(entry.epoch, [entry]);
  }
  return groups;
}
