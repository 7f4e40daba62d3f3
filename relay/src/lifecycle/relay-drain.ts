import type { Logger } from 'pino';
import { DrainScheduler, reconnectHintMs } from './drain.js';
import type { Drainable } from './drain.js';

/** What a relay's drain works on. */
export interface RelayDrainHooks {
  /** The open sessions (ended ones leave it). */
  live: () => Iterable<Drainable>;
  /** Sockets not closed yet: the drain waits (boundedly) for them before releasing the rest. */
  openSockets: () => number;
  /** Called when the drain starts: readiness turns 503, timers stop. */
  begin: () => void;
  /** Stops listening and closes presence, stores and the broker (after every session ended). */
  release: () => Promise<void>;
  log: Logger;
  /** Scheduler tick, ms (default 50). */
  tickMs?: number;
  /** Longest wait for the sockets to close after the last ERROR, ms (default 2000). */
  socketWaitMs?: number;
}

/**
 * A relay's shutdown: {@link run} refuses new connections (503, `Retry-After`), makes `/readyz`
 * answer 503, ends the sessions spread over the window with `ERROR server-shutdown`, waits for
 * their sockets to close, then releases listener and broker. Calling it again while it runs ends
 * what is left at once and resolves with the same promise.
 */
export class RelayDrain {
  private scheduler: DrainScheduler | undefined;
  private finished: Promise<void> | undefined;
  private retryAfterS = 1;

  constructor(private readonly hooks: RelayDrainHooks) {}

  /** Whether a drain has started. */
  get draining(): boolean {
    return this.scheduler !== undefined;
  }

  /** `Retry-After` seconds for refused upgrades while draining; `undefined` otherwise. */
  retryAfter(): number | undefined {
    return this.scheduler ? this.retryAfterS : undefined;
  }

  /** Starts the drain over `windowMs` (0 = every session at once), or hurries one under way. */
  run(windowMs: number): Promise<void> {
    if (this.scheduler && this.finished) {
      this.hooks.log.info(
        { left: count(this.hooks.live()) },
        'drain hurried: ending every session now',
      );
      this.scheduler.hurry();
      return this.finished;
    }
    const h = this.hooks;
    const hint = reconnectHintMs(windowMs);
    this.retryAfterS = Math.max(1, Math.ceil((hint ?? 0) / 1000));
    const scheduler = new DrainScheduler(h.live, {
      windowMs,
      ...(h.tickMs !== undefined && { tickMs: h.tickMs }),
    });
    this.scheduler = scheduler;
    h.begin();
    h.log.info(
      { sessions: count(h.live()), windowMs, reconnectAfterMs: hint },
      'draining: refusing new connections, ending sessions over the window',
    );
    const started = Date.now();
    this.finished = (async () => {
      await scheduler.start();
      h.log.info(
        { ended: scheduler.ended, tookMs: Date.now() - started },
        'drain: every session ended',
      );
      await until(() => h.openSockets() === 0, h.socketWaitMs ?? 2000);
      await h.release();
    })();
    return this.finished;
  }
}

function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

/** Resolves when `check()` holds, or after `ms` in any case. */
function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    const poll = (): void => {
      if (check() || Date.now() >= end) resolve();
      else setTimeout(poll, 10);
    };
    poll();
  });
}
