import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../util/proc.js';
import { spawnServer } from './child.js';
import type { ChildServer } from './child.js';

export interface RedisServer extends ChildServer {
  url: string;
  version: string;
}

/** A private redis-server on a free loopback port, keeping nothing on disk. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-redis-'));
  const server = await spawnServer(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { ready: /Ready to accept connections/, timeoutMs: 15_000 },
  );
  const version = /v=(\d+\.\d+\.\d+)/.exec(server.output())?.[1] ?? 'unknown';
  const stop = server.stop;
  return {
    ...server,
    url: `redis://127.0.0.1:${port}`,
    version,
    stop: async (graceMs?: number) => {
      await stop(graceMs);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
