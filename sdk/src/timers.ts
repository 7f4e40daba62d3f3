/** The client's timers, by job. @internal */
export type TimerName = 'retry' | 'stable' | 'token';

/**
 * Named one-shot timers: setting one replaces it, and `clearAll()` leaves nothing behind (so a
 * disposed client holds no timer).
 *
 * @internal
 */
export class Timers {
  readonly #timers = new Map<TimerName, ReturnType<typeof setTimeout>>();

  /** Runs `fn` after `delayMs`, replacing the timer of that name. */
  set(name: TimerName, delayMs: number, fn: () => void): void {
    this.clear(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        fn();
      }, delayMs),
    );
  }

  clear(name: TimerName): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#timers.keys()]) this.clear(name);
  }
}
