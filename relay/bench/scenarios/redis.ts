import { startRedis } from '../servers/redis.js';
import type { BenchContext } from './common.js';
import type { FanoutResult } from './fanout.js';
import { fanout } from './fanout.js';
import type { RoomsResult } from './rooms.js';
import { rooms } from './rooms.js';

export interface RedisResult {
  redisVersion: string;
  fanout: FanoutResult[];
  rooms: RoomsResult[];
  error?: string;
}

/**
 * Scenario 5: scenarios 1 (100-byte bodies) and 2 (saturation only) with two server processes
 * sharing a private Redis; clients alternate between the two, so every room spans both.
 */
export async function throughRedis(ctx: BenchContext): Promise<RedisResult> {
  const result: RedisResult = { redisVersion: '', fanout: [], rooms: [] };
  let redis;
  try {
    redis = await startRedis();
  } catch (err) {
    result.error = `cannot start redis-server: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log(`  ${result.error}`);
    return result;
  }
  result.redisVersion = redis.version;
  try {
    const systems = ctx.systems.includes('socketio')
      ? (['parley-redis', 'socketio-redis'] as const)
      : (['parley-redis'] as const);
    const extra = { redisUrl: redis.url, redisPid: redis.pid };
    ctx.log('  fan-out through Redis');
    result.fanout = await fanout(ctx, [...systems], extra, [100]);
    ctx.log('  many rooms through Redis');
    result.rooms = await rooms(ctx, [...systems], extra, false);
  } finally {
    await redis.stop();
  }
  return result;
}
