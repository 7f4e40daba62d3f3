import type { InboundFrame } from './message.js';

/** Receives the MESSAGE frames of one destination. @internal */
export type FrameHandler = (frame: InboundFrame) => void;

/** Where subscriptions go while connected: the live session. @internal */
export interface SubscriptionTarget {
  /** Sends SUBSCRIBE; returns the subscription id. */
  subscribe(destination: string, handler: FrameHandler): string;
  /** Sends UNSUBSCRIBE. */
  unsubscribe(id: string): void;
}

interface Entry {
  handler: FrameHandler;
  id: string | undefined;
}

/**
 * The destinations the app wants, kept across connections: each is subscribed when added while
 * connected, and again on every connect. (The reliability layer keeps the last offset per entry
 * here to resume from.)
 *
 * @internal
 */
export class SubscriptionRegistry {
  readonly #entries = new Map<string, Entry>();
  #target: SubscriptionTarget | undefined;

  /** Adds `destination`; returns the function that removes it (and unsubscribes if live). */
  add(destination: string, handler: FrameHandler): () => void {
    if (this.#entries.has(destination)) {
      throw new Error(`@parley/sdk: ${destination} is already subscribed`);
    }
    const entry: Entry = { handler, id: undefined };
    this.#entries.set(destination, entry);
    if (this.#target) this.#subscribe(this.#target, destination, entry);
    return () => {
      if (this.#entries.get(destination) !== entry) return;
      this.#entries.delete(destination);
      if (this.#target && entry.id !== undefined) this.#target.unsubscribe(entry.id);
      entry.id = undefined;
    };
  }

  /** Subscribes every destination on `target` (called on connect). */
  attach(target: SubscriptionTarget): void {
    this.#target = target;
    for (const [destination, entry] of this.#entries) this.#subscribe(target, destination, entry);
  }

  /** Forgets the live subscriptions (called when the connection ends or starts closing). */
  detach(): void {
    this.#target = undefined;
    for (const entry of this.#entries.values()) entry.id = undefined;
  }

  /** The destinations currently wanted. */
  destinations(): string[] {
    return [...this.#entries.keys()];
  }

  #subscribe(target: SubscriptionTarget, destination: string, entry: Entry): void {
    try {
      entry.id = target.subscribe(destination, entry.handler);
    } catch {
      // The connection is going away; the next connect subscribes again.
      entry.id = undefined;
    }
  }
}
