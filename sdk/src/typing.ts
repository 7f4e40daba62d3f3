import { DEFAULTS } from './defaults.js';
import type { Member } from './events.js';

/** Timing of {@link TypingSignal} and {@link Typers} (ms). @internal */
export interface TypingTimes {
  throttleMs: number;
  idleMs: number;
  expiryMs: number;
}

/** @internal */
export const TYPING_TIMES: TypingTimes = {
  throttleMs: DEFAULTS.typingThrottleMs,
  idleMs: DEFAULTS.typingIdleMs,
  expiryMs: DEFAULTS.typingExpiryMs,
};

/**
 * The local user's typing: `typing()` on every keystroke sends a signal at most once per
 * `throttleMs`; after `idleMs` without a call the user counts as stopped (`stopped` is called)
 * and the next call signals at once. The relay has no "stopped typing" message: receivers
 * expire a typer on their own ({@link Typers}).
 *
 * @internal
 */
export class TypingSignal {
  readonly #send: () => void;
  readonly #stopped: () => void;
  readonly #times: TypingTimes;
  #lastSent = Number.NEGATIVE_INFINITY;
  #idle: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param send - sends one typing signal
   * @param stopped - the user stopped typing (idle, a message sent, or `stop()`)
   */
  constructor(send: () => void, stopped: () => void = () => {}, times: TypingTimes = TYPING_TIMES) {
    this.#send = send;
    this.#stopped = stopped;
    this.#times = times;
  }

  /** Whether the user counts as typing. */
  get active(): boolean {
    return this.#idle !== undefined;
  }

  /** The user typed. */
  typing(now = Date.now()): void {
    if (now - this.#lastSent >= this.#times.throttleMs) {
      this.#lastSent = now;
      this.#send();
    }
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stop(), this.#times.idleMs);
  }

  /** The user stopped (sent the message, left): the next `typing()` signals at once. */
  stop(): void {
    if (this.#idle === undefined) return;
    clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#lastSent = Number.NEGATIVE_INFINITY;
    this.#stopped();
  }
}

/**
 * Who else is typing: each typing signal (re)starts the sender's `expiryMs` timer; a message
 * from them, or the timer, removes them. `changed` gets the set after every change.
 *
 * @internal
 */
export class Typers {
  readonly #changed: (users: readonly Member[]) => void;
  readonly #expiryMs: number;
  readonly #users = new Map<string, { user: Member; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    changed: (users: readonly Member[]) => void,
    expiryMs: number = TYPING_TIMES.expiryMs,
  ) {
    this.#changed = changed;
    this.#expiryMs = expiryMs;
  }

  /** Who is typing, in the order they started. */
  get users(): readonly Member[] {
    return [...this.#users.values()].map((e) => e.user);
  }

  /** `user` sent a typing signal. */
  typing(user: Member): void {
    const known = this.#users.get(user.id);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.stopped(user.id), this.#expiryMs);
    this.#users.set(user.id, { user, timer });
    if (!known || known.user.name !== user.name) this.#changed(this.users);
  }

  /** `id` stopped typing (sent a message, or expired). */
  stopped(id: string): void {
    const known = this.#users.get(id);
    if (!known) return;
    clearTimeout(known.timer);
    this.#users.delete(id);
    this.#changed(this.users);
  }

  /** Forgets everyone (the room was left); announces it if anyone was typing. */
  clear(): void {
    if (this.#users.size === 0) return;
    for (const e of this.#users.values()) clearTimeout(e.timer);
    this.#users.clear();
    this.#changed([]);
  }
}
