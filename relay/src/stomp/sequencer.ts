import type { BrokerMessage } from '../broker/broker.js';
import { markGap } from './gap.js';
import type { Gap, GapReason } from './gap.js';

/** A page of one destination's history: messages oldest first, and the history's epoch. */
export interface GapPage {
  messages: BrokerMessage[];
  /** The destination's current epoch in history ('' when history has nothing). */
  epoch: string;
}

/**
 * Reads the messages of one destination with `after < offset < before` from history (oldest
 * first, possibly only the first page of them), and its epoch. Rejects when history cannot be
 * read right now (e.g. Redis unreachable): the sequencer then keeps holding and retries.
 */
export type GapReader = (after: number, before?: number) => Promise<GapPage>;

/** How long and how much a {@link Sequencer} holds while it fills a gap. */
export interface SequencerLimits {
  /** Most live messages held while a gap is filled. */
  maxHeld: number;
  /** Most bytes (bodies and headers) of live messages held while a gap is filled. */
  maxHeldBytes: number;
  /** Longest a gap fill may take, failed reads and retries included, in ms. */
  maxHoldMs: number;
  /** Most messages one gap fill reads from history; a larger gap is reported. */
  maxFill: number;
  /** Delay before the first retry of a failed history read, in ms; it doubles per failure. */
  retryMinMs: number;
  /** Longest delay between retries, in ms. */
  retryMaxMs: number;
}

/**
 * Defaults: hold up to 10 000 messages or 8 MiB, for up to 30 s; read up to 10 000 messages per
 * fill; retry after 100 ms, 200 ms, … up to 2 s.
 */
export const DEFAULT_SEQUENCER_LIMITS: Readonly<SequencerLimits> = {
  maxHeld: 10_000,
  maxHeldBytes: 8 * 1024 * 1024,
  maxHoldMs: 30_000,
  maxFill: 10_000,
  retryMinMs: 100,
  retryMaxMs: 2000,
};

/** Where a {@link Sequencer} reports what goes wrong (for logs and metrics). */
export interface SequencerHooks {
  /** A history read failed (reported once per fill; the fill retries) or `emit` threw. */
  onError?: (err: unknown) => void;
  /** A gap could not be filled; the message after it carries `parley-gap`. */
  onGap?: (gap: Gap, reason: GapReason) => void;
}

const size = (m: BrokerMessage): number =>
  m.body.byteLength + m.headers.reduce((n, [k, v]) => n + k.length + v.length, 64);

/**
 * Keeps one destination's stream gapless and duplicate-free on this relay. Messages arrive from
 * the broker's live feed; when an offset is skipped (a pub/sub message lost during a broker
 * outage) the live messages after it are held and the missing ones read from history and
 * emitted first. Ephemeral messages (offset 0) pass straight through. A new epoch restarts the
 * count from 1.
 *
 * A failed history read never counts as "history has no gap": the held messages stay held and
 * the read is retried with backoff (at once on {@link resync}). A gap is given up on only when
 * history answers without the missing offsets (trimmed, or its epoch is gone), or when the
 * holding limits ({@link SequencerLimits}) are reached; then the held messages are emitted in
 * order and the first one after the gap carries the `parley-gap` header ({@link markGap}).
 *
 * Pure logic: no I/O besides `read`, timers only for retries and the hold limit.
 * @internal
 */
export class Sequencer {
  private last = 0;
  private epoch = '';
  /** Live messages waiting for a fill, in arrival (= publication) order. */
  private held: BrokerMessage[] = [];
  private heldBytes = 0;
  private filling = false;
  /** Read the history to its end (not just up to the first held message): after a reconnect. */
  private toEnd = false;
  /** A resync came during a fill: read to the end once more when it is done. */
  private again = false;
  /** Bumped when a fill ends or is given up on: answers to older reads are ignored. */
  private generation = 0;
  private failures = 0;
  private filled = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly limits: SequencerLimits;

  constructor(
    private readonly read: GapReader,
    private readonly emit: (message: BrokerMessage) => void,
    private readonly hooks: SequencerHooks = {},
    limits: Partial<SequencerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SEQUENCER_LIMITS, ...limits };
  }

  /** Messages held right now, waiting for a gap fill. */
  get holding(): number {
    return this.held.length;
  }

  push(message: BrokerMessage): void {
    if (message.offset === 0) return this.out(message);
    if (this.filling) return this.hold(message);
    if (this.last === 0 && this.epoch === '') {
      // The first message this relay sees: the stream starts here for it.
      this.epoch = message.epoch;
      this.last = message.offset;
      return this.out(message);
    }
    if (message.epoch !== this.epoch) {
      // History started over: the new epoch counts from 1, and what came before this message
      // in it (published while the feed was down) is read from history first.
      this.epoch = message.epoch;
      this.last = 0;
    }
    if (message.offset <= this.last) return; // already emitted
    if (message.offset === this.last + 1) {
      this.last = message.offset;
      return this.out(message);
    }
    this.hold(message);
    this.start(false);
  }

  /** After a broker reconnect: emit whatever was published while the live feed was down. */
  resync(): void {
    if (this.epoch === '') return;
    if (!this.filling) return this.start(true);
    this.again = true;
    if (this.retryTimer !== undefined) {
      // Waiting to retry a failed read: the broker is back, so try now.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.failures = 0;
      this.step(this.generation);
    }
  }

  /** Stops retrying and forgets what is held (the destination has no subscribers left). */
  close(): void {
    this.stop();
    this.held = [];
    this.heldBytes = 0;
  }

  private hold(message: BrokerMessage): void {
    this.held.push(message);
    this.heldBytes += size(message);
    if (this.held.length > this.limits.maxHeld || this.heldBytes > this.limits.maxHeldBytes) {
      this.giveUp('hold-limit');
    }
  }

  private start(toEnd: boolean): void {
    this.filling = true;
    this.toEnd = toEnd;
    this.failures = 0;
    this.filled = 0;
    this.holdTimer = setTimeout(() => this.giveUp('hold-timeout'), this.limits.maxHoldMs);
    this.holdTimer.unref?.();
    this.step(this.generation);
  }

  /** One history read, for the first held message of the current epoch (or to the end). */
  private step(generation: number): void {
    const head = this.held[0];
    const before = head?.epoch === this.epoch ? head.offset : undefined;
    let reading: Promise<GapPage>;
    try {
      reading = this.read(this.last, before);
    } catch (err) {
      reading = Promise.reject(err);
    }
    reading.then(
      (page) => {
        if (generation !== this.generation) return;
        this.failures = 0;
        this.apply(page, before, generation);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        // Not "history has no gap": nothing was learned. Keep holding, try again later.
        if (this.failures === 0) this.hooks.onError?.(err);
        const delay = Math.min(
          this.limits.retryMinMs * 2 ** Math.min(this.failures, 20),
          this.limits.retryMaxMs,
        );
        this.failures++;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.step(generation);
        }, delay);
        this.retryTimer.unref?.();
      },
    );
  }

  private apply(page: GapPage, before: number | undefined, generation: number): void {
    if (page.epoch !== '' && page.epoch !== this.epoch) {
      // History started over: nothing more of our epoch can be read. Deliver what is held of
      // older epochs (it was published before the new one), then read the new one from 1.
      let i = 0;
      while (i < this.held.length && this.held[i]!.epoch !== page.epoch) i++;
      this.force(i);
      this.epoch = page.epoch;
      this.last = 0;
      return this.step(generation);
    }
    let progressed = false;
    for (const m of page.messages) {
      if (m.offset <= this.last) continue;
      if (before !== undefined && m.offset >= before) break;
      this.deliver(m, 'not-in-history');
      this.filled++;
      progressed = true;
    }
    this.drain();
    const more = progressed && this.filled < this.limits.maxFill;
    const head = this.held[0];
    if (head === undefined) {
      if (more && this.toEnd) return this.step(generation); // pages are bounded: read on
      return this.next(generation);
    }
    if (head.epoch !== this.epoch) {
      // The live feed moved on to a new epoch: finish reading ours, then fill the new one.
      if (!more) {
        this.epoch = head.epoch;
        this.last = 0;
      }
      return this.step(generation);
    }
    // The first held message is still ahead of what was emitted.
    if (more) return this.step(generation); // history may have more (pages are bounded)
    // History answered and has nothing more before it: the gap is final.
    this.force(1, progressed ? 'fill-limit' : 'not-in-history');
    this.drain();
    this.next(generation);
  }

  /** Fills the next gap among the held messages, or reads to the end after a resync, or stops. */
  private next(generation: number): void {
    if (this.held.length > 0) return this.step(generation);
    if (!this.again) return this.stop();
    this.again = false;
    this.toEnd = true;
    this.filled = 0;
    this.step(generation);
  }

  /** Emits held messages that follow on from what was emitted; drops those already emitted. */
  private drain(): void {
    let i = 0;
    for (; i < this.held.length; i++) {
      const m = this.held[i]!;
      if (m.epoch !== this.epoch || m.offset > this.last + 1) break;
      if (m.offset === this.last + 1) this.deliver(m, 'not-in-history');
    }
    this.release(i);
  }

  /** Emits the first `count` held messages whatever is missing before them, marking gaps. */
  private force(count: number, reason: GapReason = 'not-in-history'): void {
    for (let i = 0; i < count && i < this.held.length; i++) {
      const m = this.held[i]!;
      if (m.epoch !== this.epoch) {
        this.epoch = m.epoch;
        this.last = 0;
      }
      if (m.offset > this.last) this.deliver(m, reason);
    }
    this.release(count);
  }

  private release(count: number): void {
    if (count <= 0) return;
    for (const m of this.held.splice(0, count)) this.heldBytes -= size(m);
  }

  /** Emits `m` (of the current epoch, after `last`), marked when offsets are missing before it. */
  private deliver(m: BrokerMessage, reason: GapReason): void {
    if (m.offset > this.last + 1) {
      const gap: Gap = { epoch: m.epoch, from: this.last + 1, to: m.offset - 1 };
      this.hooks.onGap?.(gap, reason);
      this.last = m.offset;
      return this.out(markGap(m, gap));
    }
    this.last = m.offset;
    this.out(m);
  }

  private out(m: BrokerMessage): void {
    try {
      this.emit(m);
    } catch (err) {
      this.hooks.onError?.(err);
    }
  }

  /** A limit was reached: stop filling, deliver everything held in order, gaps marked. */
  private giveUp(reason: GapReason): void {
    this.stop();
    const held = this.held.length;
    this.force(held, reason);
    this.held = [];
    this.heldBytes = 0;
  }

  private stop(): void {
    this.generation++;
    this.filling = false;
    this.toEnd = false;
    this.again = false;
    clearTimeout(this.retryTimer);
    clearTimeout(this.holdTimer);
    this.retryTimer = undefined;
    this.holdTimer = undefined;
  }
}
