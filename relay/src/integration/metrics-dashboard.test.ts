/**
 * docs/grafana-dashboard.json and the metrics reference in docs/operations.md against live
 * relays: every metric name the dashboard queries is in the `/metrics` output of a relay (one on
 * a private Redis, for the Redis metrics, and one on the embedded broker, for the history size),
 * and every relay metric (besides prom-client's process_/nodejs_ families) is documented.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortIn, redisAvailable, spawnRelay, startRedis } from '../testing/index.js';
import type { RedisServer, RelayProcess } from '../testing/index.js';
import { eventually } from './stomp-clients.js';

const docs = new URL('../../../docs/', import.meta.url);

interface Panel {
  title: string;
  targets?: Array<{ expr?: string }>;
}

/** Sample and family names in a Prometheus text exposition. */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+)/.exec(line);
    if (type) names.add(type[1]!);
    else if (line !== '' && !line.startsWith('#')) names.add(line.split(/[{ ]/)[0]!);
  }
  return names;
}

async function scrape(relay: RelayProcess): Promise<string> {
  const res = await fetch(`${relay.httpUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

const run = redisAvailable() ? describe : describe.skip;

run('Grafana dashboard and metrics reference', () => {
  let redis: RedisServer;
  let withRedis: RelayProcess;
  let embedded: RelayProcess;

  beforeAll(async () => {
    redis = await startRedis({ port: await freePortIn(6440, 6449) });
    [withRedis, embedded] = await Promise.all([
      spawnRelay({ env: { PARLEY_REDIS_URL: redis.url, PARLEY_LOG_LEVEL: 'info' } }),
      spawnRelay({ env: { PARLEY_LOG_LEVEL: 'info' } }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([withRedis?.stop(), embedded?.stop()]);
    await redis?.stop();
  });

  it('queries only metrics a live relay exposes', async () => {
    // The Redis PING histogram has samples once the broker's first probe (1 s) has answered.
    let live = new Set<string>();
    const poll = setInterval(() => {
      void Promise.all([scrape(withRedis), scrape(embedded)]).then(([a, b]) => {
        live = new Set([...metricNames(a), ...metricNames(b)]);
      });
    }, 200);
    try {
      await eventually(() => live.has('parley_redis_ping_seconds_bucket'), 10_000, 'a Redis PING');
    } finally {
      clearInterval(poll);
    }
    const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', docs), 'utf8')) as {
      panels: Panel[];
    };
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? [])
        for (const m of (t.expr ?? '').matchAll(/\bparley_[a-z0-9_]+/g)) queried.add(m[0]);
    }
    expect(queried.size).toBeGreaterThan(15);
    const missing = [...queried].filter((name) => !live.has(name));
    expect(missing).toEqual([]);
  }, 30_000);

  it('documents every relay metric in docs/operations.md', async () => {
    const reference = readFileSync(new URL('operations.md', docs), 'utf8');
    const names = new Set([
      ...metricNames(await scrape(withRedis)),
      ...metricNames(await scrape(embedded)),
    ]);
    const own = [...names].filter(
      (n) => !/^parley_(process|nodejs)_/.test(n) && !/_(bucket|sum|count)$/.test(n),
    );
    expect(own.filter((n) => !reference.includes(`\`${n}\``))).toEqual([]);
  });
});
