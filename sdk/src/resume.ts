import { DEFAULTS } from './defaults.js';

/** Where a subscription is in its destination's history. @internal */
export interface Cursor {
  epoch: string;
  offset: number;
}

/** What {@link ResumeState.accept} decided about one message. @internal */
export type Verdict = 'deliver' | 'duplicate';

/** A bounded set that forgets its oldest keys. @internal */
export class LruSet {
  readonly #max: number;
  readonly #keys = new Set<string>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Adds `key`; returns false if it was already there. */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.#max) {
      const oldest = this.#keys.values().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    return true;
  }
}

/** The fields of a message the resume logic reads. @internal */
export interface Stamps {
  /** `parley-offset` (0 for ephemeral kinds, -1 if absent). */
  offset: number;
  /** `parley-epoch`. */
  epoch: string;
  /** `message-id`. */
  id: string;
  /** `parley-sender` and `parley-client-id`, when the sender gave one. */
  sender: string;
  clientId: string | undefined;
}

/**
 * One subscription's position and memory: the cursor `{epoch, offset}` of the last stored
 * message delivered (ephemeral messages, offset 0, don't move it), and a bounded memory of
 * message ids and client ids, so that a replay overlapping what was seen, or a resend that the
 * relay stored twice, is not delivered again.
 *
 * @internal
 */
export class ResumeState {
  #cursor: Cursor | undefined;
  readonly #seen: LruSet;

  constructor(window: number = DEFAULTS.dedupeWindow) {
    this.#seen = new LruSet(window);
  }

  /** The last stored message delivered, if any. */
  get cursor(): Cursor | undefined {
    return this.#cursor;
  }

  /** Decides whether to deliver a message, and moves the cursor if it does. */
  accept(m: Stamps): Verdict {
    if (m.offset <= 0) return 'deliver';
    const c = this.#cursor;
    if (c && c.epoch === m.epoch && m.offset <= c.offset) return 'duplicate';
    const byId = m.id === '' || this.#seen.add(`id:${m.id}`);
    const byClient = m.clientId === undefined || this.#seen.add(`client:${m.sender}:${m.clientId}`);
    // Still move the cursor past a duplicate so the next resume starts after it.
    if (!c || c.epoch !== m.epoch || m.offset > c.offset)
      this.#cursor = { epoch: m.epoch, offset: m.offset };
    return byId && byClient ? 'deliver' : 'duplicate';
  }

  /** Moves the cursor to the end of a resync page (or the relay's newest offset). */
  reset(cursor: Cursor): void {
    this.#cursor = { ...cursor };
  }

  /** The SUBSCRIBE headers that ask the relay to replay what was missed. */
  resumeHeaders(): Record<string, string> {
    const c = this.#cursor;
    if (!c) return {};
    return { 'parley-since': String(c.offset), ...(c.epoch ? { 'parley-epoch': c.epoch } : {}) };
  }
}
