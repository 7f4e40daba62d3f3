import { TickerStrategy } from '@stomp/stompjs';
import { FULL } from './build-flags.js';
import type { HeartbeatStrategy } from './types.js';

interface WorkerGlobals {
  Worker?: unknown;
  Blob?: unknown;
  URL?: { createObjectURL?: unknown; revokeObjectURL?: unknown };
}

interface WorkerLike {
  terminate(): void;
}
type WorkerCtor = new (url: string) => WorkerLike;
type BlobCtor = new (parts: string[], options: { type: string }) => unknown;

let probed: boolean | undefined;

/**
 * Whether a Worker can be made from a `blob:` URL here, as stompjs's Worker ticker does. A
 * strict CSP without `worker-src blob:` makes `new Worker(blobUrl)` throw; then the ticker must
 * use `setInterval` or the CONNECTED frame would fail to set up heart-beats. Probed once.
 *
 * @internal
 */
export function blobWorkersWork(globals: WorkerGlobals = globalThis as WorkerGlobals): boolean {
  if (globals === globalThis && probed !== undefined) return probed;
  let ok = false;
  const { Worker: W, Blob: B, URL: U } = globals;
  if (
    typeof W === 'function' &&
    typeof B === 'function' &&
    typeof U?.createObjectURL === 'function'
  ) {
    try {
      const url = (U.createObjectURL as (blob: unknown) => string)(
        new (B as BlobCtor)([''], { type: 'text/javascript' }),
      );
      const worker = new (W as WorkerCtor)(url);
      worker.terminate();
      if (typeof U.revokeObjectURL === 'function') (U.revokeObjectURL as (u: string) => void)(url);
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (globals === globalThis) probed = ok;
  return ok;
}

/**
 * The stompjs ticker for outgoing heart-beats.
 *
 * @internal
 */
export function tickerStrategy(
  strategy: HeartbeatStrategy,
  globals: WorkerGlobals = globalThis as WorkerGlobals,
): TickerStrategy {
  // A lean build has no Worker ticker: heart-beats on timers.
  if (!FULL || strategy === 'interval') return TickerStrategy.Interval;
  return blobWorkersWork(globals) ? TickerStrategy.Worker : TickerStrategy.Interval;
}

/**
 * Watches incoming traffic on one connection and says when the relay has gone quiet for too
 * long. Lenient after a long pause of its own timer (a throttled background tab, a laptop
 * waking up): then it grants the relay one more period before judging, since the quiet may be
 * the timer's and not the relay's.
 *
 * @internal
 */
export class LinkWatchdog {
  readonly #periodMs: number;
  #lastActivity: number;
  #lastTick: number;
  #graceUntil = 0;

  /** @param periodMs - the relay's heart-beat period (0 = no heart-beats, never stale) */
  constructor(periodMs: number, now: number) {
    this.#periodMs = periodMs;
    this.#lastActivity = now;
    this.#lastTick = now;
  }

  /** How often {@link LinkWatchdog.tick} should run (0 = not at all). */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** Something arrived from the relay. */
  activity(now: number): void {
    this.#lastActivity = now;
  }

  /** The periodic check; returns true when the link is dead. */
  tick(now: number): boolean {
    if (this.#periodMs === 0) return false;
    const gap = now - this.#lastTick;
    this.#lastTick = now;
    if (gap > this.#periodMs * 2) this.#graceUntil = now + this.#periodMs + 1000;
    return this.#quiet(now);
  }

  /**
   * Called when the page becomes visible again: true if the link is certainly dead. If it has
   * merely been quiet, grants one more period (the next ticks decide).
   */
  check(now: number): boolean {
    if (this.#periodMs === 0) return false;
    if (now - this.#lastActivity > this.#limit()) this.#graceUntil = now + this.#periodMs + 1000;
    return false;
  }

  #limit(): number {
    return this.#periodMs * 2 + 1000;
  }

  #quiet(now: number): boolean {
    return now > this.#graceUntil && now - this.#lastActivity > this.#limit();
  }
}

/**
 * The period at which the relay promised heart-beats: `max(ours, theirs)` from the CONNECTED
 * frame's `heart-beat` header, or 0 when either side turned them off.
 *
 * @internal
 */
export function incomingPeriod(ourMs: number, heartBeatHeader: string | undefined): number {
  const serverOutgoing = Number.parseInt(heartBeatHeader?.split(',')[0] ?? '0', 10) || 0;
  if (ourMs === 0 || serverOutgoing === 0) return 0;
  return Math.max(ourMs, serverOutgoing);
}
