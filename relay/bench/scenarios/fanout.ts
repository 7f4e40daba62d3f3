import { startSystem } from '../servers/systems.js';
import type { RunningSystem, SystemContext, SystemId } from '../servers/systems.js';
import { LABELS } from '../servers/systems.js';
import type { BenchContext, Saturation } from './common.js';
import { boundBy, openAll, saturateInterleaved, serverCores, spec } from './common.js';

export interface FanoutResult {
  system: SystemId;
  label: string;
  bySize: Array<{ size: number; sat: Saturation; bound: string }>;
  error?: string;
}

/**
 * Scenario 1: many subscribers on one room, publishers at rising rates, per body size. Every
 * system runs at once, each with its own clients, and the saturation searches are interleaved
 * step by step (see {@link saturateInterleaved}).
 */
export async function fanout(
  ctx: BenchContext,
  systems: SystemId[],
  extra: Partial<SystemContext> = {},
  sizes = ctx.params.fanout.sizes,
): Promise<FanoutResult[]> {
  const p = ctx.params.fanout;
  const results = systems.map((id): FanoutResult => ({
    system: id,
    label: LABELS[id],
    bySize: [],
  }));
  const running: RunningSystem[] = [];
  const fail = (id: SystemId, err: unknown): void => {
    const r = results.find((x) => x.system === id)!;
    r.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.log(`    ${LABELS[id]} failed: ${r.error}`);
  };
  try {
    for (const id of systems) {
      ctx.log(`  ${LABELS[id]}`);
      try {
        const sys = await startSystem(id, {
          fromSource: ctx.fromSource,
          ...(ctx.rabbit && { rabbit: ctx.rabbit }),
          ...extra,
        });
        running.push(sys);
        const specs = [];
        for (let i = 0; i < p.subscribers; i++) specs.push(spec(sys, i, [sys.room(0)]));
        for (let j = 0; j < p.publishers; j++) {
          specs.push(spec(sys, p.subscribers + j, [], sys.room(0)));
        }
        const opened = await openAll(ctx, ctx.lg.group(id), specs, 'clients');
        if (opened.failed > 0) throw new Error(`connections failed: ${opened.errors.join('; ')}`);
      } catch (err) {
        fail(id, err);
      }
    }
    const ok = running.filter((s) => !results.find((r) => r.system === s.id)!.error);
    const start = new Map(ok.map((s) => [s.id, p.startRate]));
    for (const size of sizes) {
      ctx.log(`  ${size}-byte bodies, systems interleaved step by step`);
      for (const sys of ok) await ctx.lg.group(sys.id).body(size);
      const sats = await saturateInterleaved(
        ctx,
        ok.map((sys) => ({
          sys,
          start: start.get(sys.id)!,
          label: `${LABELS[sys.id]}, ${size} B:`,
        })),
        { ...p, fanout: p.subscribers },
      );
      sats.forEach((sat, i) => {
        const id = ok[i]!.id;
        results
          .find((r) => r.system === id)!
          .bySize.push({ size, sat, bound: boundBy(sat.best, serverCores(id)) });
        // Larger bodies saturate at lower rates: start the next search below this one's peak.
        start.set(id, Math.max(p.startRate, Math.round(sat.best.sentRate / 8)));
      });
    }
  } finally {
    for (const sys of running) {
      await ctx.lg.group(sys.id).closeAll();
      await sys.stop();
    }
  }
  return results;
}
