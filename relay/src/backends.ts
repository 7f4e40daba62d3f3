import type { Broker } from './broker/broker.js';
import { MemoryBroker } from './broker/memory-broker.js';
import { RedisBroker } from './broker/redis-broker.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { MemoryPresenceStore } from './presence/memory-presence-store.js';
import type { PresenceStore } from './presence/presence-store.js';
import { RedisPresenceStore } from './presence/redis-presence-store.js';
import { MemoryReadStore } from './reads/memory-read-store.js';
import type { ReadStore } from './reads/read-store.js';
import { RedisReadStore } from './reads/redis-read-store.js';
import { RedisMetrics } from './http/ops-metrics.js';

/** The shared state behind a relay: where messages fan out and where presence lives. */
export interface Backends {
  broker: Broker;
  presenceStore: PresenceStore;
  /** Read positions; they live as long as history does (`PARLEY_HISTORY_TTL_MS`). */
  readStore: ReadStore;
  /** For the start-up log. */
  description: string;
  /** Redis PING round trips (`/metrics`); absent with the embedded broker. */
  redisMetrics?: RedisMetrics;
}

/**
 * Redis (single node or cluster) when `PARLEY_REDIS_URL` is set, otherwise the embedded
 * in-memory broker and presence store. Rejects when Redis cannot be reached at start.
 */
export async function createBackends(config: Config, log: Logger): Promise<Backends> {
  if (config.redisUrls.length === 0) {
    return {
      broker: new MemoryBroker(config.history, undefined, config.dedup),
      presenceStore: new MemoryPresenceStore(),
      readStore: new MemoryReadStore({ ttlMs: config.history.maxAgeMs }),
      description:
        'embedded in-memory broker (history is lost on restart; set PARLEY_REDIS_URL to share and keep it)',
    };
  }
  const url = config.redisCluster ? config.redisUrls : config.redisUrls[0]!;
  const redisMetrics = new RedisMetrics();
  const broker = await RedisBroker.connect({
    onPing: redisMetrics.observePing,
    url,
    cluster: config.redisCluster,
    retention: config.history,
    dedup: config.dedup,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
  });
  try {
    const presenceStore = await RedisPresenceStore.connect({ url, cluster: config.redisCluster });
    let readStore: ReadStore;
    try {
      readStore = await RedisReadStore.connect({
        url,
        cluster: config.redisCluster,
        ttlMs: config.history.maxAgeMs,
      });
    } catch (err) {
      await presenceStore.close();
      throw err;
    }
    const kind = config.redisCluster
      ? `Redis Cluster (${config.redisUrls.length} root nodes)`
      : 'Redis';
    return {
      broker,
      presenceStore,
      readStore,
      redisMetrics,
      description: `${kind} broker, presence and reads`,
    };
  } catch (err) {
    await broker.close();
    throw err;
  }
}
