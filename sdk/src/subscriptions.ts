import { KIND } from './defaults.js';
import type { HistoryPage } from './history.js';
import type { ParleyError } from './errors.js';
import type { InboundFrame } from './message.js';
import { PERMANENT_SEND_REASONS } from './outbox.js';
import type { SendResult } from './outbox.js';
import { ResumeState } from './resume.js';
import type { Stamps } from './resume.js';
import type { ChatMessage } from './types.js';
import type { ResyncEvent } from './events.js';

/** Receives the MESSAGE frames of one destination. @internal */
export type FrameHandler = (frame: InboundFrame) => void;

/** Where subscriptions go while connected: the live session. @internal */
export interface SubscriptionTarget {
  /** Sends SUBSCRIBE (with extra headers and a receipt callback); returns the subscription id. */
  subscribe(
    destination: string,
    handler: FrameHandler,
    headers?: Record<string, string>,
    onReceipt?: (result: SendResult) => void,
  ): string;
  /** Sends UNSUBSCRIBE. */
  unsubscribe(id: string): void;
}

/** What one subscriber (a room) gets. @internal */
export interface SubscriptionHooks {
  /** Turns a MESSAGE frame into a chat message. */
  decode(frame: InboundFrame): ChatMessage;
  /** A message that was not seen before. */
  message(m: ChatMessage): void;
  /** The relay could not fill the gap: here is the newest page instead. */
  resync(event: ResyncEvent): void;
  /**
   * The relay refused the subscription (`forbidden`…) or a refreshed token revoked it: it is not
   * subscribed again (no reconnect loop) until it is added anew.
   */
  refused(error: ParleyError): void;
  /**
   * A frame of another kind than `message` (`parley-kind`: typing, read, presence, dm…). These
   * are ephemeral: they never move the resume cursor and are never replayed.
   */
  event?(kind: string, frame: InboundFrame): void;
  /** Extra SUBSCRIBE headers (such as `parley-presence`), read on every subscribe. */
  headers?(): Record<string, string>;
  /** Live on this connection: the receipt came and any resync is done. */
  synced?(): void;
  /**
   * `false` for destinations of ephemeral events only (`/user/queue/parley-dm`): no resume
   * headers, never a resync.
   */
  resumable?: boolean;
}

/** What the registry needs from the client. @internal */
export interface RegistryDeps {
  /** The newest page of a destination's history (over the live connection). */
  history(destination: string): Promise<HistoryPage>;
  /** Every subscription of the current connection has resumed or resynced. */
  caughtUp(): void;
}

interface Entry {
  readonly destination: string;
  readonly hooks: SubscriptionHooks;
  readonly resume: ResumeState;
  id: string | undefined;
  /** A second subscription replacing `id` with new headers, until its receipt. */
  _switching: string | undefined;
  /** The headers changed again while switching: switch once more after. */
  again: boolean;
  /** Subscribed on an earlier connection: a reconnect must recover what it missed. */
  _wasLive: boolean;
  /** A resync is owed (asked for, not yet done). */
  _needsResync: boolean;
  _syncing: boolean;
  /** Refused for good: skipped on later connects. */
  refused: boolean;
}

/** The fields {@link ResumeState} reads, from a chat message. @internal */
export function stampsOf(m: ChatMessage): Stamps {
  return {
    offset: m.offset,
    epoch: m.epoch,
    id: m.id,
    sender: m.sender.id,
    clientId: m.headers['parley-client-id'],
  };
}

/**
 * The destinations the app wants, kept across connections, each with its resume cursor. On
 * every connect each is subscribed again with `parley-since`/`parley-epoch` and a receipt;
 * messages at or below the cursor, and repeats by id, are dropped; when the relay answers
 * `parley-recovered:false` (or a message says `parley-gap`), the newest page of history is
 * fetched and handed to the subscriber as a resync. When every subscription of a connection
 * has got its receipt (and any resync), {@link RegistryDeps.caughtUp} is called.
 *
 * @internal
 */
export class SubscriptionRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #deps: RegistryDeps;
  #target: SubscriptionTarget | undefined;
  #generation = 0;
  #waiting = new Set<Entry>();

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
  }

  /** Adds `destination`; returns the function that removes it (and unsubscribes if live). */
  add(destination: string, hooks: SubscriptionHooks): () => void {
    if (this.#entries.has(destination)) {
      throw new Error(`@parley/sdk: ${destination} is already subscribed`);
    }
    const entry: Entry = {
      destination,
      hooks,
      resume: new ResumeState(),
      id: undefined,
      _switching: undefined,
      again: false,
      _wasLive: false,
      _needsResync: false,
      _syncing: false,
      refused: false,
    };
    this.#entries.set(destination, entry);
    if (this.#target) this.#subscribe(this.#target, entry, this.#generation);
    return () => {
      if (this.#entries.get(destination) !== entry) return;
      this.#entries.delete(destination);
      this.#done(entry, this.#generation);
      for (const id of [entry.id, entry._switching]) {
        if (this.#target && id !== undefined) this.#target.unsubscribe(id);
      }
      entry.id = entry._switching = undefined;
    };
  }

  /**
   * `destination`'s extra headers changed (presence on or off): when it is live, subscribes it
   * again with them — the new subscription first, resuming at the cursor, and the old one ends
   * when the new one's receipt comes, so nothing is missed in between.
   */
  refresh(destination: string): void {
    const entry = this.#entries.get(destination);
    const target = this.#target;
    if (!entry || !target || entry.id === undefined || entry.refused) return;
    if (entry._switching !== undefined) {
      entry.again = true;
      return;
    }
    const generation = this.#generation;
    try {
      entry._switching = target.subscribe(
        destination,
        (frame) => this.#onFrame(entry, frame, generation),
        this.#headers(entry),
        (result) => {
          if (generation !== this.#generation || this.#entries.get(destination) !== entry) return;
          if (!result.ok) {
            entry._switching = undefined;
            if (result.refused && PERMANENT_SEND_REASONS.has(result.error.reason)) {
              this.#refuse(entry, result.error);
            }
            return;
          }
          const old = entry.id;
          entry.id = entry._switching;
          entry._switching = undefined;
          if (old !== undefined) target.unsubscribe(old);
          if (result.headers['parley-recovered'] === 'false') {
            entry._needsResync = true;
            void this.#resync(entry, generation);
          }
          if (entry.again) {
            entry.again = false;
            this.refresh(destination);
          }
        },
      );
    } catch {
      // The connection is going away; the next connect subscribes with the new headers.
      entry._switching = undefined;
    }
  }

  /** Subscribes every destination on `target` (called on connect). */
  _attach(target: SubscriptionTarget): void {
    const generation = ++this.#generation;
    this.#target = target;
    this.#waiting = new Set(this.#entries.values());
    if (this.#waiting.size === 0) this.#deps.caughtUp();
    for (const entry of [...this.#entries.values()]) {
      if (entry.refused) this.#done(entry, generation);
      else this.#subscribe(target, entry, generation);
    }
  }

  /**
   * The relay ended these subscriptions (`parley-revoked` on a token refresh): the new token no
   * longer grants them.
   */
  revoke(ids: readonly string[], error: (destination: string) => ParleyError): void {
    for (const entry of this.#entries.values()) {
      const { id, _switching: switching } = entry;
      if (!(id !== undefined && ids.includes(id)) && !(switching && ids.includes(switching))) {
        continue;
      }
      for (const other of [id, switching]) {
        if (other !== undefined && !ids.includes(other)) this.#target?.unsubscribe(other);
      }
      entry.id = entry._switching = undefined;
      this.#refuse(entry, error(entry.destination));
    }
  }

  /** Forgets the live subscriptions (called when the connection ends or starts closing). */
  _detach(): void {
    this.#generation++;
    this.#target = undefined;
    this.#waiting.clear();
    for (const entry of this.#entries.values()) {
      entry.id = entry._switching = undefined;
      entry.again = false;
      entry._syncing = false;
    }
  }

  /** The destinations currently wanted. */
  _destinations(): string[] {
    return [...this.#entries.keys()];
  }

  /** The resume cursor of `destination`, if it has seen a stored message. */
  cursor(destination: string): { epoch: string; offset: number } | undefined {
    return this.#entries.get(destination)?.resume.cursor;
  }

  #subscribe(target: SubscriptionTarget, entry: Entry, generation: number): void {
    const resuming = entry._wasLive;
    try {
      entry.id = target.subscribe(
        entry.destination,
        (frame) => this.#onFrame(entry, frame, generation),
        this.#headers(entry),
        (result) => {
          if (result.ok) this.#onReceipt(entry, result.headers, resuming, generation);
          else if (result.refused && PERMANENT_SEND_REASONS.has(result.error.reason)) {
            this.#refuse(entry, result.error);
          }
        },
      );
      entry._wasLive = true;
    } catch {
      // The connection is going away; the next connect subscribes again.
      entry.id = undefined;
    }
  }

  #headers(entry: Entry): Record<string, string> {
    const resume = entry.hooks.resumable === false ? {} : entry.resume.resumeHeaders();
    return { ...resume, ...entry.hooks.headers?.() };
  }

  #onFrame(entry: Entry, frame: InboundFrame, generation: number): void {
    if (generation !== this.#generation || this.#entries.get(entry.destination) !== entry) return;
    const kind = frame.headers['parley-kind'];
    if (kind !== undefined && kind !== KIND.message) {
      // While switching, both subscriptions get every ephemeral event: take them from one only
      // (presence events reach presence subscriptions only, so they are never doubled).
      const from = frame.headers.subscription;
      if (kind !== KIND.presence && from !== undefined && from !== entry.id) return;
      entry.hooks.event?.(kind, frame);
      return;
    }
    const m = entry.hooks.decode(frame);
    const before = entry.resume.cursor;
    if (entry.resume.accept(stampsOf(m)) === 'duplicate') return;
    entry.hooks.message(m);
    const gap = /^(\d+)-(\d+)$/.exec(m.headers['parley-gap'] ?? '');
    // A gap this subscription already filled (from a replay) needs nothing.
    const filled = gap && before?.epoch === m.epoch && before.offset >= Number(gap[2]);
    if (m.headers['parley-gap'] !== undefined && !filled) {
      entry._needsResync = true;
      void this.#resync(entry, generation);
    }
  }

  #onReceipt(
    entry: Entry,
    receipt: Readonly<Record<string, string>>,
    resuming: boolean,
    generation: number,
  ): void {
    if (generation !== this.#generation) return;
    // Resumed with nothing seen before: what was missed cannot be asked for by offset.
    const lost =
      entry.hooks.resumable !== false &&
      (receipt['parley-recovered'] === 'false' || (resuming && !entry.resume.cursor));
    if (lost) entry._needsResync = true;
    if (entry._needsResync) return void this.#resync(entry, generation);
    entry.hooks.synced?.();
    this.#done(entry, generation);
  }

  #refuse(entry: Entry, error: ParleyError): void {
    entry.refused = true;
    this.#done(entry, this.#generation);
    entry.hooks.refused(error);
  }

  async #resync(entry: Entry, generation: number): Promise<void> {
    if (entry._syncing) return;
    entry._syncing = true;
    try {
      const page = await this.#deps.history(entry.destination);
      if (generation !== this.#generation || this.#entries.get(entry.destination) !== entry) return;
      entry._needsResync = false;
      for (const m of page.messages) entry.resume.accept(stampsOf(m));
      if (page.messages.length > 0 || entry.resume.cursor) {
        entry.hooks.resync({ messages: page.messages, epoch: page.epoch });
      }
    } catch {
      // The connection ended before the page came: the next connect resyncs again.
      return;
    } finally {
      entry._syncing = false;
    }
    entry.hooks.synced?.();
    this.#done(entry, generation);
  }

  #done(entry: Entry, generation: number): void {
    if (generation !== this.#generation || !this.#waiting.delete(entry)) return;
    if (this.#waiting.size === 0) this.#deps.caughtUp();
  }
}
