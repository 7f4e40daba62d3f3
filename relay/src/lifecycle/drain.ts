/**
 * The drain scheduler: ends a relay's connections spread over a window instead of all at once,
 * so the clients' reconnects do not hit the other relays as one storm.
 */

/** One connection the drain can end (a STOMP session). */
export interface Drainable {
  /**
   * Nothing the client sent is still being handled (no publish waiting for its broker reply and
   * RECEIPT). The drain ends idle connections first and waits a little for busy ones, so what is
   * in flight is answered before the ERROR.
   */
  readonly idle: boolean;
  /**
   * Ends the connection with `ERROR server-shutdown`; `reconnectAfterMs`, when given, goes in the
   * `parley-reconnect-after` header: the upper bound of the client's random reconnect delay.
   */
  shutdown(reconnectAfterMs?: number): void;
}

/** How a drain spreads its work. */
export interface DrainOptions {
  /** `PARLEY_DRAIN_MS`: the connections are ended evenly over this many ms; 0 = all at once. */
  windowMs: number;
  /** How often the scheduler ends the next batch, in ms (default 50). */
  tickMs?: number;
  /** Longest a busy connection is waited for once it is due, in ms (default 1000). */
  flushWaitMs?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

/** Upper bound of the clients' reconnect jitter that every `server-shutdown` carries. */
export const MAX_RECONNECT_HINT_MS = 2000;

/**
 * The `parley-reconnect-after` hint for a drain of `windowMs`: none when everything ends at once
 * (clients keep their own default), else `min(windowMs, 2000)`. The ends are already spread over
 * the window; the hint only smooths each tick's batch, and a constant bound (unlike "the rest of
 * the window") adds no peak at the end of the window.
 */
export function reconnectHintMs(windowMs: number): number | undefined {
  return windowMs <= 0 ? undefined : Math.min(windowMs, MAX_RECONNECT_HINT_MS);
}

/**
 * How many of `total` connections should have been ended `elapsedMs` into a window of
 * `windowMs`: a straight line from 0 to `total` (everything when the window is 0 or over).
 */
export function dueCount(total: number, elapsedMs: number, windowMs: number): number {
  if (windowMs <= 0 || elapsedMs >= windowMs) return total;
  return Math.min(total, Math.ceil((total * Math.max(0, elapsedMs)) / windowMs));
}

/** A tick ends at most this many times its even share, so a stalled relay catches up smoothly. */
export const MAX_CATCH_UP = 2;
/** Past this multiple of the window, everything left is ended at once. */
export const DEADLINE_FACTOR = 1.5;

/**
 * Ends the connections that `live()` lists, spread evenly over the window: at every tick, as
 * many as are due (counted from how many there were at the start), idle ones first; a busy one
 * is waited for up to `flushWaitMs` once due. A tick ends at most {@link MAX_CATCH_UP} times its
 * even share: when the event loop stalls (CPU starved, a long GC), the backlog is caught up at
 * twice the rate instead of in one burst. Connections that appear during the drain are ended
 * with the rest; at {@link DEADLINE_FACTOR} × the window, everything left is ended at once.
 * {@link hurry} ends everything at once (a second signal).
 */
export class DrainScheduler {
  private readonly windowMs: number;
  private readonly tickMs: number;
  private readonly flushWaitMs: number;
  private readonly now: () => number;
  private readonly waitingSince = new WeakMap<Drainable, number>();
  /** Ended by this drain (a connection that lingers in `live()` is not ended twice). */
  private readonly done = new WeakSet<Drainable>();
  private readonly hint: number | undefined;
  private maxPerTick = Infinity;
  private startedAt = 0;
  private total = 0;
  private endedCount = 0;
  private hurried = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  constructor(
    private readonly live: () => Iterable<Drainable>,
    options: DrainOptions,
  ) {
    this.windowMs = Math.max(0, options.windowMs);
    this.tickMs = Math.max(1, options.tickMs ?? 50);
    this.flushWaitMs = Math.max(0, options.flushWaitMs ?? 1000);
    this.now = options.now ?? Date.now;
    this.hint = reconnectHintMs(this.windowMs);
  }

  /** Connections this drain has ended so far. */
  get ended(): number {
    return this.endedCount;
  }

  /**
   * Starts (once) and resolves when `live()` is empty. With a window of 0 the idle connections
   * are ended before this returns.
   */
  start(): Promise<void> {
    if (this.finished) return this.finished;
    this.startedAt = this.now();
    this.total = count(this.live());
    if (this.windowMs > 0)
      this.maxPerTick = Math.max(
        1,
        Math.ceil((MAX_CATCH_UP * this.total * this.tickMs) / this.windowMs),
      );
    this.finished = new Promise<void>((r) => (this.resolve = r));
    this.tick();
    return this.finished;
  }

  /** Ends every remaining connection now (busy ones still get up to `flushWaitMs`). */
  hurry(): void {
    this.hurried = true;
    if (!this.finished) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.tick();
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.now();
    const elapsed = now - this.startedAt;
    const over = this.hurried || elapsed >= this.windowMs * DEADLINE_FACTOR;
    // Past the window (after a stall, or for connections that came late) all is due, still paced.
    const due =
      elapsed >= this.windowMs
        ? Infinity
        : dueCount(this.total, elapsed, this.windowMs) - this.endedCount;
    let quota = over ? Infinity : Math.min(this.maxPerTick, due);
    let left = 0;
    for (const c of [...this.live()]) {
      if (this.done.has(c)) continue;
      left++;
      if (quota <= 0) continue;
      if (!c.idle) {
        const since = this.waitingSince.get(c);
        if (since === undefined) this.waitingSince.set(c, now);
        if (since === undefined || now - since < this.flushWaitMs) continue;
      }
      this.done.add(c);
      c.shutdown(this.hint);
      this.endedCount++;
      quota--;
      left--;
    }
    if (left === 0) {
      this.resolve?.();
      this.resolve = undefined;
      return;
    }
    this.timer = setTimeout(() => this.tick(), this.tickMs);
  }
}

function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}
