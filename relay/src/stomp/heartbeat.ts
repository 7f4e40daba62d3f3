/**
 * A session's timers: heart-beats out, heart-beat watchdog in, and one-shot deadlines
 * (connect timeout, token expiry). `stop()` clears them all.
 * @internal
 */
export class Timers {
  private handles: NodeJS.Timeout[] = [];
  /** Re-armable one-shot timers by name (made on first use). */
  private named?: Map<string, NodeJS.Timeout>;

  /** Calls `fn` once after `ms` (clamped to what setTimeout accepts; `fn` re-checks). */
  after(ms: number, fn: () => void): void {
    this.handles.push(setTimeout(fn, Math.min(Math.max(ms, 0), 2 ** 31 - 1)));
  }

  /**
   * Like {@link after}, but replaces (cancels) the timer armed before under the same `name`:
   * a deadline that moves, e.g. the token expiry after a refresh.
   */
  rearm(name: string, ms: number, fn: () => void): void {
    this.cancel(name);
    (this.named ??= new Map()).set(name, setTimeout(fn, Math.min(Math.max(ms, 0), 2 ** 31 - 1)));
  }

  /** Cancels the timer armed under `name`, if any. */
  cancel(name: string): void {
    const handle = this.named?.get(name);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.named!.delete(name);
  }

  every(ms: number, fn: () => void): void {
    this.handles.push(setInterval(fn, Math.min(Math.max(ms, 1), 2 ** 31 - 1)));
  }

  stop(): void {
    for (const h of this.handles) clearTimeout(h);
    this.handles = [];
    if (this.named) for (const h of this.named.values()) clearTimeout(h);
    this.named?.clear();
  }
}

export interface HeartbeatHooks {
  /** ms since the last byte was sent / received. */
  sinceSent(): number;
  sinceReceived(): number;
  sendEol(): void;
  dead(silentMs: number): void;
}

/** Starts STOMP heart-beats: an EOL when idle for `sendEvery`, and a watchdog on the client. */
export function startHeartbeats(
  timers: Timers,
  sendEvery: number,
  expectEvery: number,
  hooks: HeartbeatHooks,
): void {
  if (sendEvery <= 0 && expectEvery <= 0) return;
  // One timer per session for both directions (idle connections are many: each timer costs memory).
  const grace = expectEvery * 2 + 1000;
  const period = Math.min(
    sendEvery > 0 ? sendEvery : Infinity,
    expectEvery > 0 ? expectEvery : Infinity,
  );
  timers.every(period, () => {
    if (expectEvery > 0 && hooks.sinceReceived() > grace) return hooks.dead(grace);
    if (sendEvery > 0 && hooks.sinceSent() >= sendEvery * 0.9) hooks.sendEol();
  });
}
