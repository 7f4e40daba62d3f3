import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RefusalReason } from '../ws-handler.js';

/** Every reason a WebSocket can be refused at the upgrade or cut off before login. */
export const REFUSAL_REASONS = [
  'origin',
  'subprotocol',
  'per-ip-limit',
  'per-ip-rate',
  'preconnect-too-large',
  'draining',
] as const satisfies readonly RefusalReason[];

/** Buckets of the Redis PING round trip, in seconds (0.25 ms to 2.5 s). */
const PING_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/**
 * Redis health seen by the broker's liveness probe: the PING round trip as a histogram and
 * whether Redis is usable. Made before the relay (the broker is connected first) and registered
 * with the relay's registry by {@link RedisMetrics.register}.
 */
export class RedisMetrics {
  /** `parley_redis_ping_seconds`: give {@link observePing} to the broker's `onPing`. */
  private readonly ping = new Histogram({
    name: 'parley_redis_ping_seconds',
    help: 'Round trip of the broker liveness PING to Redis (one a second)',
    buckets: PING_BUCKETS,
    registers: [],
  });

  /** Records one answered PING. */
  readonly observePing = (seconds: number): void => this.ping.observe(seconds);

  /** Adds the histogram and `parley_redis_up` (from `up`) to `registry`. */
  register(registry: Registry, up: () => boolean): void {
    registry.registerMetric(this.ping);
    new Gauge({
      name: 'parley_redis_up',
      help: '1 when Redis is connected and answers the liveness PING, else 0',
      registers: [registry],
      collect() {
        this.set(up() ? 1 : 0);
      },
    });
  }
}

/** What {@link registerOperationsMetrics} reads when `/metrics` is scraped. */
export interface OperationsSources {
  /** Sessions dropped for reading too slowly (ERROR slow-consumer) so far. */
  slowConsumers: () => number;
  /** `/queue/` messages dropped because the backlog was full, so far. */
  queueDropped: () => number;
  /** Whether the relay is draining (SIGTERM received). */
  draining: () => boolean;
  /** History held in process (memory broker); absent for Redis. */
  historySize?: () => { destinations: number; messages: number };
}

/**
 * The metrics operators alert on that `RelayMetrics` does not already have: slow consumers
 * dropped, `/queue/` messages dropped, draining, and the in-process history size.
 */
export function registerOperationsMetrics(registry: Registry, sources: OperationsSources): void {
  total(
    registry,
    'parley_slow_consumers_dropped_total',
    'Sessions ended with ERROR slow-consumer (send buffer over PARLEY_MAX_BUFFERED_BYTES or too many unacked)',
    sources.slowConsumers,
  );
  total(
    registry,
    'parley_queue_messages_dropped_total',
    '/queue/ messages dropped because the backlog (PARLEY_MAX_QUEUE_BACKLOG) was full',
    sources.queueDropped,
  );
  new Gauge({
    name: 'parley_draining',
    help: '1 from SIGTERM until the relay exits (sessions are being ended over PARLEY_DRAIN_MS)',
    registers: [registry],
    collect() {
      this.set(sources.draining() ? 1 : 0);
    },
  });
  const size = sources.historySize;
  if (!size) return;
  new Gauge({
    name: 'parley_history_messages',
    help: 'Messages held in the in-memory broker history (all destinations)',
    registers: [registry],
    collect() {
      this.set(size().messages);
    },
  });
  new Gauge({
    name: 'parley_history_destinations',
    help: 'Destinations with history in the in-memory broker',
    registers: [registry],
    collect() {
      this.set(size().destinations);
    },
  });
}

/** Makes every known refusal reason a series from the start (0), so rates and alerts see it. */
export function initRefusals(refused: Map<string, number>): void {
  for (const reason of REFUSAL_REASONS) if (!refused.has(reason)) refused.set(reason, 0);
}

function total(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
