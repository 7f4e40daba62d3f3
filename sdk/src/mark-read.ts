import type { SendResult } from './outbox.js';

/**
 * Read marks on their way to the relay: monotonic (an offset at or below one already asked for
 * is dropped) and coalesced (at most one SEND in flight; marks made meanwhile collapse into the
 * newest). A mark that could not be sent because the connection was down waits for
 * {@link ReadMarker.resume}; one the relay refused is dropped (sending it again cannot help, and
 * an ERROR would end the connection every time).
 *
 * @internal
 */
export class ReadMarker {
  readonly #send: (offset: number) => Promise<SendResult>;
  /** The highest offset asked for. */
  #highest = 0;
  /** The offset to send next, if any. */
  #next: number | undefined;
  #inFlight = false;

  /** @param send - sends one read mark and resolves with how it went (never rejects) */
  constructor(send: (offset: number) => Promise<SendResult>) {
    this.#send = send;
  }

  /** Asks for `offset` to be stored as read; returns false if it is not past an earlier mark. */
  mark(offset: number): boolean {
    if (!Number.isSafeInteger(offset) || offset <= this.#highest) return false;
    this.#highest = offset;
    this.#next = offset;
    this.#pump();
    return true;
  }

  /** Sends a mark that waited for a connection. */
  resume(): void {
    this.#pump();
  }

  /** History started over (a new epoch): earlier marks say nothing about it. */
  reset(): void {
    this.#highest = 0;
    this.#next = undefined;
  }

  #pump(): void {
    const offset = this.#next;
    if (this.#inFlight || offset === undefined) return;
    this.#next = undefined;
    this.#inFlight = true;
    void this.#send(offset).then((result) => {
      this.#inFlight = false;
      // Not sent (no connection): try again on resume(), unless a newer mark replaced it.
      if (!result.ok && !result.refused && this.#next === undefined) this.#next = offset;
      else this.#pump();
    });
  }
}
