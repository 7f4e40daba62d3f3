import type { ClientSpec } from '../loadgen/protocol.js';
import { LABELS } from '../servers/systems.js';
import type { SystemId } from '../servers/systems.js';
import { sleep } from '../util/clock.js';
import { rssBytes } from '../util/proc.js';
import type { BenchContext } from './common.js';
import { openAll, spec, withSystem } from './common.js';

export interface IdleResult {
  system: SystemId;
  label: string;
  baseline: number;
  levels: Array<{
    connections: number;
    rss: number;
    /** (RSS − baseline) / connections, bytes. */
    perConnection: number;
    /** RSS growth per connection since the previous level, bytes. */
    marginal: number;
  }>;
  error?: string;
}

function rssOf(pids: number[]): number {
  return pids.map(rssBytes).reduce((a, b) => a + b, 0);
}

/** RSS once it has stopped moving (within 0.5 % over 250 ms), at most `maxMs` later. */
async function settledRss(pids: number[], minMs: number, maxMs: number): Promise<number> {
  const until = performance.now() + maxMs;
  await sleep(minMs);
  let last = rssOf(pids);
  while (performance.now() < until) {
    await sleep(250);
    const now = rssOf(pids);
    if (Math.abs(now - last) <= 0.005 * last) return now;
    last = now;
  }
  return last;
}

/**
 * Scenario 4: resident memory per idle, authenticated connection holding two subscriptions
 * (its room of five and a per-user destination), measured at rising connection counts.
 */
export async function idleMemory(ctx: BenchContext, systems: SystemId[]): Promise<IdleResult[]> {
  const levels = ctx.params.idle.levels;
  const results: IdleResult[] = [];
  for (const id of systems) {
    ctx.log(`  ${LABELS[id]}`);
    const r: IdleResult = { system: id, label: LABELS[id], baseline: NaN, levels: [] };
    results.push(r);
    try {
      await withSystem(ctx, id, {}, async (sys) => {
        r.baseline = await settledRss(sys.pids, ctx.params.idle.settleMs, 3000);
        let open = 0;
        let prev = r.baseline;
        for (const level of levels) {
          const specs: ClientSpec[] = [];
          for (let i = open; i < level; i++) {
            specs.push(spec(sys, i, [sys.room(Math.floor(i / 5)), sys.userSub(i)]));
          }
          const opened = await openAll(ctx, ctx.lg.group(id), specs, 'idle clients');
          if (opened.failed > 0) {
            throw new Error(`connections failed at ${level}: ${opened.errors.join('; ')}`);
          }
          const rss = await settledRss(sys.pids, ctx.params.idle.settleMs, 6000);
          r.levels.push({
            connections: level,
            rss,
            perConnection: (rss - r.baseline) / level,
            marginal: (rss - prev) / (level - open),
          });
          ctx.log(
            `    ${level} connections: RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ` +
              `${((rss - r.baseline) / level / 1024).toFixed(2)} KiB/connection ` +
              `(marginal ${((rss - prev) / (level - open) / 1024).toFixed(2)} KiB)`,
          );
          prev = rss;
          open = level;
        }
      });
    } catch (err) {
      r.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      ctx.log(`    failed: ${r.error}`);
    }
  }
  return results;
}
