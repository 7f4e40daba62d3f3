import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './child.js';
import type { ChildServer } from './child.js';

const here = dirname(fileURLToPath(import.meta.url));
export const RELAY_ROOT = resolve(here, '../..');

/** The HS256 secret the benchmark's relays verify tokens with. */
export const BENCH_SECRET = 'parley-bench-secret-0123456789abcdef';

export interface ParleyOptions {
  /** Fixed port (restarts reuse it); 0 = a free one. */
  port?: number;
  redisUrl?: string;
  /** Run `src/main.ts` through tsx instead of the built `dist/main.js`. */
  fromSource?: boolean;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export interface ParleyServer extends ChildServer {
  port: number;
  url: string;
}

/** Whether `dist/main.js` is there to run. */
export function relayBuilt(): boolean {
  return existsSync(resolve(RELAY_ROOT, 'dist/main.js'));
}

/**
 * Starts the Parley relay as a child process on loopback, configured for load: no SEND rate
 * limit, a large slow-consumer allowance (the load generator may fall behind for a moment at
 * saturation), everything else at its defaults (history of 1000 messages per destination
 * included). NODE_ENV=production, so it refuses to start on the slow `ws` fallback.
 */
export async function startParley(options: ParleyOptions = {}): Promise<ParleyServer> {
  const entry = options.fromSource
    ? ['--import', 'tsx', resolve(RELAY_ROOT, 'src/main.ts')]
    : [resolve(RELAY_ROOT, 'dist/main.js')];
  const server = await spawnServer(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: RELAY_ROOT,
    env: {
      NODE_ENV: 'production',
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: String(options.port ?? 0),
      PARLEY_JWT_SECRET: BENCH_SECRET,
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_MAX_SEND_RATE: '0',
      PARLEY_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024),
      // Every benchmark client comes from 127.0.0.1: no per-address connection limits.
      PARLEY_MAX_CONNECTIONS_PER_IP: '0',
      PARLEY_CONNECT_RATE_PER_IP: '0',
      PARLEY_REDIS_URL: options.redisUrl,
      ...options.env,
    },
    ready: /"port":(\d+)[^\n]*listening/,
    timeoutMs: 30_000,
  });
  const port = Number(server.match[1]);
  return { ...server, port, url: `ws://127.0.0.1:${port}/ws` };
}
