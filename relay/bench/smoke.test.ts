/**
 * The benchmark at a tiny scale, so its code can't rot: every scenario runs against the Parley
 * relay and the raw uWS server (Socket.IO too where cheap) with a handful of connections for
 * about a second, and the test checks correctness only — every published message reached every
 * subscriber, counts add up, latencies are finite. No timing assertion.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCI } from '../src/testing/ci.js';
import { LoadGen } from './loadgen/pool.js';
import type { Params } from './params.js';
import { params } from './params.js';
import type { BenchContext, Step } from './scenarios/common.js';
import { quietBudget } from './scenarios/common.js';
import { fanout } from './scenarios/fanout.js';
import { idleMemory } from './scenarios/idle.js';
import { profileFanout } from './scenarios/profile.js';
import { throughRedis } from './scenarios/redis.js';
import { rooms } from './scenarios/rooms.js';
import { connectStorm, reconnectAfterRestart } from './scenarios/storm.js';
import { BENCH_SECRET } from './servers/parley.js';
import type { SystemId } from './servers/systems.js';
import { collectEnvironment, latencySvg, renderMarkdown, writeReport } from './report.js';
import type { Results } from './report.js';

const tiny: Params = (() => {
  const p = params(true);
  return {
    ...p,
    fanout: {
      ...p.fanout,
      subscribers: 20,
      publishers: 2,
      startRate: 20,
      maxSteps: 2,
      warmupMs: 100,
      measureMs: 400,
    },
    rooms: {
      ...p.rooms,
      connections: 20,
      startRate: 20,
      maxSteps: 2,
      warmupMs: 100,
      measureMs: 400,
      fractions: [0.5],
      latencyWarmupMs: 100,
      latencyMeasureMs: 400,
    },
    storm: { connections: 20, concurrency: 4, reconnectClients: 20 },
    idle: { levels: [10, 20], settleMs: 100 },
    profile: { seconds: 1 },
  };
})();

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SYSTEMS: SystemId[] = ['parley', 'uws', 'socketio'];
const logs: string[] = [];
let lg: LoadGen;
let ctx: BenchContext;
const results: Results = {
  params: tiny,
  env: collectEnvironment(tiny),
  systems: SYSTEMS,
  scenarios: [],
  fromSource: true,
  durationMs: 0,
};

/** Every step delivered everything it sent, with sane numbers. */
function expectSound(step: Step): void {
  expect(step.complete, `lost ${step.lost}`).toBe(true);
  expect(step.sentRate).toBeGreaterThan(0);
  expect(step.delivered).toBeGreaterThan(0);
  expect(Number.isFinite(step.latency.p50)).toBe(true);
  expect(Number.isFinite(step.latency.p99)).toBe(true);
  expect(step.latency.p50).toBeGreaterThanOrEqual(0);
  expect(step.latency.p99).toBeGreaterThanOrEqual(step.latency.p50);
  expect(Number.isFinite(step.serverCpu)).toBe(true);
  expect(Number.isFinite(step.loadgenCpu)).toBe(true);
}

beforeAll(() => {
  quietBudget.leftMs = 0; // correctness only: never wait for a quiet machine
  // strict: every MESSAGE is checked in full (command, destination, body size).
  lg = LoadGen.start(2, { secret: BENCH_SECRET, strict: true });
  ctx = { params: tiny, lg, log: (l) => logs.push(l), systems: SYSTEMS, fromSource: true };
});

afterAll(async () => {
  await lg.stop();
});

describe('benchmark smoke', { timeout: 120_000 }, () => {
  it('fan-out delivers every message to every subscriber', async () => {
    const out = await fanout(ctx, SYSTEMS);
    results.fanout = out;
    for (const r of out) {
      expect(r.error, `${r.label}: ${r.error}\n${logs.join('\n')}`).toBeUndefined();
      expect(r.bySize).toHaveLength(1);
      for (const step of r.bySize[0]!.sat.steps) expectSound(step);
    }
  });

  it('many rooms: counts add up and latencies are finite', async () => {
    const out = await rooms(ctx, ['parley', 'uws']);
    results.rooms = out;
    for (const r of out) {
      expect(r.error, `${r.label}: ${r.error}`).toBeUndefined();
      for (const step of r.sat!.steps) expectSound(step);
      expect(r.points).toHaveLength(1);
      expectSound(r.points[0]!.step);
    }
  });

  it('connect storm and reconnect after a relay restart', async () => {
    const out = await connectStorm(ctx, ['parley', 'uws', 'socketio']);
    results.storm = out;
    for (const r of out) {
      expect(r.error, `${r.label}: ${r.error}`).toBeUndefined();
      expect(r.failed).toBe(0);
      expect(r.rate).toBeGreaterThan(0);
    }
    const rc = await reconnectAfterRestart(ctx);
    results.reconnect = rc;
    expect(rc.error).toBeUndefined();
    expect(rc.reconnected).toBe(20);
    expect(rc.totalMs).toBeGreaterThan(rc.restartMs);
  });

  it('idle memory is measured at every level', async () => {
    const out = await idleMemory(ctx, ['parley', 'uws']);
    results.idle = out;
    for (const r of out) {
      expect(r.error, `${r.label}: ${r.error}`).toBeUndefined();
      expect(r.levels.map((l) => l.connections)).toEqual([10, 20]);
      for (const l of r.levels) expect(Number.isFinite(l.perConnection)).toBe(true);
    }
  });

  it.skipIf(!hasRedis() && !isCI())(
    'through Redis: two relays and two Socket.IO nodes deliver everything',
    async () => {
      const out = await throughRedis(ctx);
      results.redis = out;
      expect(out.error).toBeUndefined();
      for (const r of [...out.fanout, ...out.rooms]) {
        // The relay's Redis broker may not be in every build; when it is, it must be correct.
        if (r.system === 'parley-redis' && r.error?.includes('Redis broker is not part')) continue;
        expect(r.error, `${r.label}: ${r.error}`).toBeUndefined();
      }
      for (const f of out.fanout) for (const b of f.bySize) b.sat.steps.forEach(expectSound);
      for (const r of out.rooms) r.sat?.steps.forEach(expectSound);
    },
  );

  it('profiles the relay and names its hot functions', async () => {
    const out = await profileFanout(ctx, 50);
    results.profile = out;
    expect(out.error).toBeUndefined();
    expect(out.top.length).toBeGreaterThan(0);
    expect(out.top.every((t) => Number.isFinite(t.percent))).toBe(true);
  });

  it('writes the report and the plot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-smoke-'));
    try {
      const { md, svg } = writeReport(results, join(dir, 'performance.md'));
      const text = readFileSync(md, 'utf8');
      expect(text).toContain('## Targets');
      expect(text).toContain('## 1. Fan-out');
      expect(text).toContain('raw uWS topics');
      expect(text).not.toContain('NaN');
      const plot = readFileSync(svg, 'utf8');
      expect(plot.startsWith('<svg')).toBe(true);
      expect(plot).toContain('Parley relay');
      expect(latencySvg(results.rooms ?? [], 't')).not.toContain('NaN');
      expect(renderMarkdown(results, 'x.svg')).toContain('## 4. Idle memory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
