/**
 * Idempotent publishing: a broker remembers `(sender, destination, client id)` for a window and
 * answers a repeat with the first publication's stamp instead of storing and delivering it again.
 * The pieces every broker shares live here; the Redis broker keeps its memory in Redis
 * (`lua/publish.lua`), the memory broker in a {@link DedupMemory}.
 */
import type { BrokerMessage, PublishInput } from './broker.js';

/** How long, and how many, client message ids a broker remembers (docs/configuration.md). */
export interface DedupOptions {
  /**
   * How long a `(sender, destination, client id)` is remembered after its first publication, in
   * ms (`PARLEY_DEDUP_WINDOW_MS`). 0 turns de-duplication off.
   */
  windowMs: number;
  /**
   * Most ids an in-process broker remembers at once; past it the oldest are forgotten first.
   * Redis bounds its memory by the window alone (each id is a key that expires).
   */
  maxEntries: number;
}

/** Five minutes, at most 100 000 ids in process (about 20 MB at worst). */
export const DEFAULT_DEDUP: DedupOptions = { windowMs: 5 * 60_000, maxEntries: 100_000 };

/** What a repeat is answered with: the first publication's stamp. */
export interface DedupStamp {
  id: string;
  offset: number;
  epoch: string;
  timestamp: number;
}

/**
 * The de-dup key of a publication within its destination, or undefined when it has none (no
 * client id, or ephemeral: typing indicators are not de-duplicated). Injective: the sender is
 * length-prefixed, so no sender/id split can collide with another.
 */
export function dedupId(input: PublishInput): string | undefined {
  if (input.clientId === undefined || input.ephemeral) return undefined;
  return `${input.sender.length}:${input.sender}:${input.clientId}`;
}

/** The answer to a repeat of `input`: its own fields, the first stamp, `duplicate: true`. */
export function duplicateOf(input: PublishInput, first: DedupStamp): BrokerMessage {
  return {
    ...input,
    id: first.id,
    offset: first.offset,
    epoch: first.epoch,
    timestamp: first.timestamp,
    duplicate: true,
  };
}

/**
 * Remembered stamps, oldest first, bounded in time and number. Every entry lives for the same
 * window, so insertion order is expiry order: expired entries are dropped from the front.
 */
export class DedupMemory {
  private readonly entries = new Map<string, { stamp: DedupStamp; until: number }>();

  constructor(
    private readonly options: DedupOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of remembered ids (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** The stamp remembered under `key`, if it is still within the window. */
  get(key: string): DedupStamp | undefined {
    this.expire();
    return this.entries.get(key)?.stamp;
  }

  /** Remembers `stamp` under `key` for the window, forgetting the oldest past the maximum. */
  remember(key: string, stamp: DedupStamp): void {
    if (this.options.windowMs <= 0 || this.options.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { stamp, until: this.now() + this.options.windowMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.until > now) break;
      this.entries.delete(key);
    }
  }
}

/**
 * Publications under way, by destination and de-dup key: a repeat that arrives while the first
 * is still being published waits for it and gets its stamp, rather than a second round trip.
 */
export class InFlight {
  private readonly pending = new Map<string, Promise<BrokerMessage>>();

  /**
   * Runs `publish` unless a publication with the same key is under way, in which case it resolves
   * (or rejects) with that one's outcome, marked as a duplicate of it.
   */
  run(
    input: PublishInput,
    key: string | undefined,
    publish: () => Promise<BrokerMessage>,
  ): Promise<BrokerMessage> {
    if (key === undefined) return publish();
    const slot = `${input.destination}\n${key}`;
    const first = this.pending.get(slot);
    if (first) return first.then((m) => duplicateOf(input, m));
    const run = publish();
    this.pending.set(slot, run);
    const done = (): void => {
      if (this.pending.get(slot) === run) this.pending.delete(slot);
    };
    run.then(done, done);
    return run;
  }
}
