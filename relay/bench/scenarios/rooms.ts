import type { SystemContext, SystemId } from '../servers/systems.js';
import { LABELS } from '../servers/systems.js';
import type { BenchContext, Saturation, Step } from './common.js';
import {
  NOISY,
  boundBy,
  fmtStep,
  openAll,
  otherCpu,
  runStep,
  saturate,
  serverCores,
  spec,
  withSystem,
} from './common.js';

export interface RoomsResult {
  system: SystemId;
  label: string;
  connectMs: number;
  sat?: Saturation;
  bound?: string;
  /** Latency at fractions of the saturated delivery rate. */
  points: Array<{ fraction: number; step: Step }>;
  error?: string;
}

/** Scenario 2: many small rooms, every member publishing to its room. */
export async function rooms(
  ctx: BenchContext,
  systems: SystemId[],
  extra: Partial<SystemContext> = {},
  withLatency = true,
): Promise<RoomsResult[]> {
  const p = ctx.params.rooms;
  const results: RoomsResult[] = [];
  for (const id of systems) {
    ctx.log(`  ${LABELS[id]}`);
    const result: RoomsResult = { system: id, label: LABELS[id], connectMs: NaN, points: [] };
    results.push(result);
    try {
      await withSystem(ctx, id, extra, async (sys) => {
        const specs = [];
        for (let i = 0; i < p.connections; i++) {
          const room = sys.room(Math.floor(i / p.roomSize));
          specs.push(spec(sys, i, [room], room));
        }
        const opened = await openAll(ctx, ctx.lg.group(id), specs, 'clients');
        result.connectMs = opened.ms;
        if (opened.failed > 0) throw new Error(`connections failed: ${opened.errors.join('; ')}`);
        await ctx.lg.group(id).body(p.size);
        const sat = await saturate(ctx, sys, p.startRate, { ...p, fanout: p.roomSize }, 'load');
        result.sat = sat;
        result.bound = boundBy(sat.best, serverCores(id));
        if (!withLatency) return;
        for (const fraction of p.fractions) {
          const rate = Math.max(1, Math.round((fraction * sat.best.delivered) / p.roomSize));
          // A point disturbed by other processes on the machine is measured again (once at
          // most); the least disturbed measurement is kept.
          let step: Step | undefined;
          for (let attempt = 0; attempt < 2; attempt++) {
            const s = await runStep(ctx.lg.group(id), sys, rate, {
              warmupMs: p.latencyWarmupMs,
              measureMs: p.latencyMeasureMs,
              fanout: p.roomSize,
              drainMs: p.drainMs,
            });
            ctx.log(`    at ${Math.round(fraction * 100)} %: ${fmtStep(s)}`);
            if (!step || otherCpu(s) < otherCpu(step)) step = s;
            if (otherCpu(s) <= NOISY) break;
          }
          result.points.push({ fraction, step: step! });
        }
      });
    } catch (err) {
      result.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      ctx.log(`    failed: ${result.error}`);
    }
  }
  return results;
}
