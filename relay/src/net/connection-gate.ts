import type { AddressLimits, AddressRefusal } from './address-limiter.js';
import { AddressLimiter } from './address-limiter.js';
import type { ForwardingHeaders } from './client-address.js';
import { clientAddress } from './client-address.js';
import type { AddressSet } from './ip.js';
import { addressKey } from './ip.js';

/** What the gate decided for one WebSocket upgrade. */
export type GateDecision =
  | { admitted: true; /** Pass back to {@link ConnectionGate.release} on close. */ key: string }
  | {
      admitted: false;
      reason: AddressRefusal;
      /** HTTP status line for the refusal. */
      status: string;
      /** Human-readable body. */
      message: string;
      /** Seconds for `Retry-After`. */
      retryAfter: number;
    };

/**
 * Admission at the WebSocket upgrade, before anything is allocated for the connection: finds the
 * client address (trusting forwarding headers only from the configured proxies) and applies the
 * per-address limits.
 */
export class ConnectionGate {
  private readonly limiter: AddressLimiter;

  constructor(
    private readonly limits: AddressLimits,
    private readonly trustedProxies: AddressSet,
    now: () => number = Date.now,
  ) {
    this.limiter = new AddressLimiter(limits, now);
  }

  /**
   * @param peer the TCP peer as uWS writes it
   * @param headers the forwarding headers, read only when the peer is a trusted proxy
   */
  admit(peer: string, headers: () => ForwardingHeaders): GateDecision {
    const ip = clientAddress(peer, headers, this.trustedProxies);
    const key = ip ? addressKey(ip) : `unknown:${peer}`;
    const refused = this.limiter.admit(key);
    if (!refused) return { admitted: true, key };
    const who = ip?.text ?? peer;
    return refused === 'per-ip-limit'
      ? {
          admitted: false,
          reason: refused,
          status: '429 Too Many Requests',
          message: `per-ip-limit: ${who} already has ${this.limits.maxPerAddress} open connections`,
          retryAfter: 10,
        }
      : {
          admitted: false,
          reason: refused,
          status: '429 Too Many Requests',
          message: `per-ip-rate: ${who} opens connections faster than ${this.limits.ratePerAddress}/s`,
          retryAfter: 1,
        };
  }

  /** The connection admitted under `key` has closed. */
  release(key: string): void {
    this.limiter.release(key);
  }

  /** Forgets idle addresses; call every few seconds. */
  sweep(): void {
    this.limiter.sweep();
  }

  /** Addresses tracked (for tests and metrics). */
  get addresses(): number {
    return this.limiter.size;
  }
}
