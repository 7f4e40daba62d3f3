import { TokenBucket } from '../stomp/rate-limit.js';

/** Per-address connection limits (0 turns a limit off). */
export interface AddressLimits {
  /** Open connections per address. */
  maxPerAddress: number;
  /** New connections per second per address. */
  ratePerAddress: number;
  /** New connections an address may open in a burst above the rate. */
  burstPerAddress: number;
}

/** Why {@link AddressLimiter.admit} said no. */
export type AddressRefusal = 'per-ip-limit' | 'per-ip-rate';

interface Entry {
  open: number;
  bucket: TokenBucket;
  lastSeen: number;
}

/**
 * Counts open connections and the rate of new ones per client address. Time comes from `now`
 * so tests run on a fake clock. Addresses with nothing open are forgotten by {@link sweep} once
 * their bucket would have refilled, so the table only holds recently active addresses.
 */
export class AddressLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly refillMs: number;

  constructor(
    private readonly limits: AddressLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.refillMs =
      limits.ratePerAddress > 0 ? (1000 * limits.burstPerAddress) / limits.ratePerAddress : 0;
  }

  /** Admits one new connection from `key` (and counts it open), or says why not. */
  admit(key: string): AddressRefusal | undefined {
    const { maxPerAddress, ratePerAddress, burstPerAddress } = this.limits;
    const now = this.now();
    let e = this.entries.get(key);
    if (!e) {
      e = { open: 0, bucket: new TokenBucket(ratePerAddress, burstPerAddress, now), lastSeen: now };
      this.entries.set(key, e);
    }
    e.lastSeen = now;
    if (maxPerAddress > 0 && e.open >= maxPerAddress) return 'per-ip-limit';
    if (!e.bucket.take(now)) return 'per-ip-rate';
    e.open++;
    return undefined;
  }

  /** A connection admitted for `key` has closed. */
  release(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.open = Math.max(0, e.open - 1);
    e.lastSeen = this.now();
  }

  /** Open connections counted for `key`. */
  openFor(key: string): number {
    return this.entries.get(key)?.open ?? 0;
  }

  /** Addresses currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets addresses with nothing open whose rate bucket has refilled since they were seen. */
  sweep(): void {
    const now = this.now();
    for (const [key, e] of this.entries) {
      if (e.open === 0 && now - e.lastSeen >= this.refillMs) this.entries.delete(key);
    }
  }
}
