import { randomBytes } from 'node:crypto';
import type {
  Broker,
  BrokerListener,
  BrokerMessage,
  HistoryPage,
  HistoryQuery,
  PublishInput,
  Retention,
} from './broker.js';
import { DEFAULT_DEDUP, DedupMemory, dedupId, duplicateOf } from './dedup.js';
import type { DedupOptions } from './dedup.js';

/** Defaults shared by every broker: see docs/operations.md. */
export const DEFAULT_RETENTION: Retention = { maxCount: 1000, maxAgeMs: 24 * 3600 * 1000 };

interface Log {
  /** Retained messages, oldest first (a plain array used as a ring: trimmed from the front). */
  messages: BrokerMessage[];
  last: number;
}

/** In-process broker: the embedded default when no Redis is configured. */
export class MemoryBroker implements Broker {
  private readonly listeners = new Map<string, Set<BrokerListener>>();
  private readonly logs = new Map<string, Log>();
  private readonly epoch = randomBytes(6).toString('hex');
  private seq = 0;
  private closed = false;
  /** Stamps of recent client ids, by destination and de-dup key (idempotent SEND). */
  private readonly dedup: DedupMemory;

  constructor(
    private readonly retention: Retention = DEFAULT_RETENTION,
    private readonly now: () => number = Date.now,
    dedup: DedupOptions = DEFAULT_DEDUP,
  ) {
    this.dedup = new DedupMemory(dedup, now);
  }

  publish(input: PublishInput): Promise<BrokerMessage> {
    if (this.closed) return Promise.reject(new Error('broker is closed'));
    // Publishing is synchronous here, so a repeat can never find the first one still under way.
    const key = dedupId(input);
    const dedupKey = key === undefined ? undefined : `${input.destination}\n${key}`;
    const first = dedupKey === undefined ? undefined : this.dedup.get(dedupKey);
    if (first) return Promise.resolve(duplicateOf(input, first));
    const timestamp = input.timestamp ?? this.now();
    let offset = 0;
    if (!input.ephemeral) {
      let log = this.logs.get(input.destination);
      if (!log) this.logs.set(input.destination, (log = { messages: [], last: 0 }));
      offset = ++log.last;
    }
    const message: BrokerMessage = {
      ...input,
      id: `${this.epoch}-${++this.seq}`,
      offset,
      epoch: this.epoch,
      timestamp,
    };
    if (offset > 0) {
      const log = this.logs.get(input.destination)!;
      log.messages.push(message);
      this.trim(log, timestamp);
    }
    if (dedupKey !== undefined) {
      // Only the stamp: the message itself may leave history long before the window ends.
      this.dedup.remember(dedupKey, { id: message.id, offset, epoch: this.epoch, timestamp });
    }
    const set = this.listeners.get(input.destination);
    if (set) for (const listener of set) listener(message);
    return Promise.resolve(message);
  }

  subscribe(destination: string, listener: BrokerListener): Promise<void> {
    if (this.closed) return Promise.reject(new Error('broker is closed'));
    let set = this.listeners.get(destination);
    if (!set) this.listeners.set(destination, (set = new Set()));
    set.add(listener);
    return Promise.resolve();
  }

  unsubscribe(destination: string, listener: BrokerListener): Promise<void> {
    const set = this.listeners.get(destination);
    if (set?.delete(listener) && set.size === 0) this.listeners.delete(destination);
    return Promise.resolve();
  }

  history(destination: string, query: HistoryQuery): Promise<HistoryPage> {
    if (this.closed) return Promise.reject(new Error('broker is closed'));
    const log = this.logs.get(destination);
    if (!log) return Promise.resolve({ messages: [], epoch: '', first: 0, last: 0 });
    this.trim(log, this.now());
    const after = query.after ?? 0;
    const before = query.before ?? Infinity;
    const inRange = log.messages.filter((m) => m.offset > after && m.offset < before);
    const messages =
      query.after === undefined ? inRange.slice(-query.limit) : inRange.slice(0, query.limit);
    return Promise.resolve({
      messages,
      epoch: this.epoch,
      first: log.messages[0]?.offset ?? 0,
      last: log.last,
    });
  }

  ready(): boolean {
    return !this.closed;
  }

  historySize(): { destinations: number; messages: number } {
    let messages = 0;
    for (const log of this.logs.values()) messages += log.messages.length;
    return { destinations: this.logs.size, messages };
  }

  close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.logs.clear();
    this.dedup.clear();
    return Promise.resolve();
  }

  private trim(log: Log, now: number): void {
    const { maxCount, maxAgeMs } = this.retention;
    let drop = Math.max(0, log.messages.length - maxCount);
    while (drop < log.messages.length && now - log.messages[drop]!.timestamp > maxAgeMs) drop++;
    if (drop > 0) log.messages.splice(0, drop);
  }
}
