import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RELAY_ROOT } from '../servers/parley.js';
import { startSystem } from '../servers/systems.js';
import type { BenchContext } from './common.js';
import { fmtStep, openAll, runStep, spec } from './common.js';

export interface ProfileEntry {
  functionName: string;
  location: string;
  selfMs: number;
  percent: number;
}

export interface ProfileResult {
  rate: number;
  seconds: number;
  totalMs: number;
  top: ProfileEntry[];
  error?: string;
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + location) of a `.cpuprofile`, largest first; idle excluded. */
export function topSelfTime(
  profile: CpuProfile,
  n: number,
): { total: number; top: ProfileEntry[] } {
  const byNode = new Map(profile.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, { name: string; location: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const f = byNode.get(id);
    if (!f || f.functionName === '(idle)') return;
    total += us;
    const url = f.url.startsWith('file://') ? relative(RELAY_ROOT, new URL(f.url).pathname) : f.url;
    const location = url ? `${url}:${f.lineNumber + 1}` : '(native)';
    const name = f.functionName || '(anonymous)';
    const key = `${name}@${location}`;
    const e = self.get(key) ?? { name, location, us: 0 };
    e.us += us;
    self.set(key, e);
  });
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({
      functionName: e.name,
      location: e.location,
      selfMs: e.us / 1000,
      percent: (100 * e.us) / total,
    }));
  return { total: total / 1000, top };
}

/**
 * The relay under `--cpu-prof` while it fans out at `rate` messages/s to the fan-out scenario's
 * subscribers (100-byte bodies); the top self-time functions point at the hot path.
 */
export async function profileFanout(ctx: BenchContext, rate: number): Promise<ProfileResult> {
  const p = ctx.params.fanout;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-prof-'));
  const seconds = ctx.params.profile.seconds;
  const result: ProfileResult = { rate, seconds, totalMs: 0, top: [] };
  try {
    const sys = await startSystem('parley', {
      fromSource: ctx.fromSource,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    try {
      const specs = [];
      for (let i = 0; i < p.subscribers; i++) specs.push(spec(sys, i, [sys.room(0)]));
      for (let j = 0; j < p.publishers; j++)
        specs.push(spec(sys, p.subscribers + j, [], sys.room(0)));
      const g = ctx.lg.group('profile');
      await openAll(ctx, g, specs, 'clients');
      await g.body(100);
      const step = await runStep(g, sys, rate, {
        warmupMs: 0,
        measureMs: seconds * 1000,
        fanout: p.subscribers,
        drainMs: p.drainMs,
      });
      ctx.log(`    profiled: ${fmtStep(step)}`);
    } finally {
      await ctx.lg.group('profile').closeAll();
      await sys.stop();
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the relay wrote no .cpuprofile');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const { total, top } = topSelfTime(profile, 10);
    result.totalMs = total;
    result.top = top;
    for (const e of top) {
      ctx.log(`    ${e.percent.toFixed(1).padStart(5)} %  ${e.functionName}  ${e.location}`);
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.log(`    failed: ${result.error}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
