import type { Clients, LoadGen, PoolStats } from '../loadgen/pool.js';
import type { ClientSpec } from '../loadgen/protocol.js';
import type { RabbitServer } from '../servers/rabbitmq.js';
import { startSystem } from '../servers/systems.js';
import type { RunningSystem, SystemContext, SystemId } from '../servers/systems.js';
import { nowUs, sleep } from '../util/clock.js';
import { summarize } from '../util/histogram.js';
import type { LatencySummary } from '../util/histogram.js';
import { CpuMeter } from '../util/proc.js';
import type { Params } from '../params.js';

/** What every scenario gets. */
export interface BenchContext {
  params: Params;
  lg: LoadGen;
  log: (line: string) => void;
  systems: SystemId[];
  fromSource: boolean;
  rabbit?: RabbitServer;
}

/** One publish step at a fixed offered rate. */
export interface Step {
  /** Messages per second the publishers were asked to send. */
  rate: number;
  /** Messages per second actually sent. */
  sentRate: number;
  /** Deliveries per second that would follow if every sent message reached every member. */
  offered: number;
  /** Deliveries per second measured in the window. */
  delivered: number;
  latency: LatencySummary;
  /** CPU of the server processes and of the load generator, in cores (1.0 = one core). */
  serverCpu: number;
  loadgenCpu: number;
  /** Cores the whole machine was busy: server + load generator + kernel + anything else. */
  machineCpu: number;
  /** Of which in interrupt/softirq context (loopback TCP), in no process's own figure. */
  kernelCpu: number;
  /** After draining: every sent message reached every member, exactly once in total. */
  complete: boolean;
  /** Deliveries still missing after draining (late or lost). */
  lost: number;
  /** Deliveries beyond what was sent × members (duplicates). */
  extra: number;
  /** Deliveries fell far behind: the publishers were stopped early (saturated). */
  stoppedEarly?: boolean;
}

export interface StepOptions {
  warmupMs: number;
  measureMs: number;
  /** Deliveries per sent message. */
  fanout: number;
  /** Longest wait for stragglers after the step. */
  drainMs: number;
}

export function spec(
  sys: RunningSystem,
  i: number,
  subs: string[],
  pub?: string,
  extra: Partial<ClientSpec> = {},
): ClientSpec {
  return {
    protocol: sys.protocol,
    url: sys.urls[i % sys.urls.length]!,
    auth: sys.auth(i),
    subs,
    ...(pub !== undefined && { pub }),
    ...extra,
  };
}

/** Waits until nothing more arrives (or `maxMs`); returns the final totals. */
export async function drain(lg: Clients, expected: number, maxMs: number): Promise<PoolStats> {
  const until = performance.now() + maxMs;
  let last = await lg.stats();
  let still = 0;
  while (last.received < expected && performance.now() < until) {
    await sleep(100);
    const s = await lg.stats();
    still = s.received === last.received ? still + 1 : 0;
    last = s;
    if (still >= 5) break; // 500 ms without anything new
  }
  return last;
}

/** A step that fails while other processes use more than this (cores) is repeated. */
export const NOISY = 0.25;
const MAX_RETRIES = 3;

/**
 * Waits (up to `maxMs`) until the machine is nearly idle — nothing of ours runs between steps,
 * so what is busy then is someone else's work.
 */
export async function quiet(maxMs = 5000, threshold = 0.3): Promise<void> {
  const t0 = performance.now();
  const until = t0 + Math.min(maxMs, quietBudget.leftMs);
  try {
    while (performance.now() < until) {
      const m = new CpuMeter([]);
      m.start();
      await sleep(200);
      if (m.machine() < threshold) return;
    }
  } finally {
    const waited = performance.now() - t0;
    quietBudget.leftMs = Math.max(0, quietBudget.leftMs - waited);
    quietBudget.waitedMs += waited;
  }
}

/** How long the whole run may wait for a quiet machine, and how long it did. */
export const quietBudget = { leftMs: 90_000, waitedMs: 0 };

/** Publishes at `rate` for warm-up + window, measuring in the window, then drains. */
export async function runStep(
  lg: Clients,
  sys: RunningSystem,
  rate: number,
  o: StepOptions,
): Promise<Step> {
  await quiet();
  const before = await lg.stats();
  const meter = new CpuMeter([...sys.pids, 'self']);
  const tStart = performance.now();
  meter.start();
  let publishedAt = 0;
  const publishing = lg.publish(rate, o.warmupMs + o.measureMs).then((r) => {
    publishedAt = performance.now();
    return r;
  });
  // Overload watch: once deliveries fall more than LAG_MS of traffic behind what was offered,
  // the step has its answer (saturated); the publishers stop so that the backlog stays small
  // and drains quickly instead of burying the next step. Rate and CPU are taken up to that
  // moment.
  const perMs = (rate * o.fanout) / 1000;
  const watchState = {
    stopped: false,
    at: 0,
    received: 0,
    cpu: [] as number[],
    machine: 0,
    kernel: 0,
  };
  const watch = async (untilMs: number): Promise<void> => {
    while (!watchState.stopped && performance.now() < untilMs) {
      await sleep(Math.min(100, Math.max(0, untilMs - performance.now())));
      const st = await lg.stats();
      const now = performance.now();
      const lag = perMs * (now - tStart) - (st.received - before.received);
      if (lag > perMs * LAG_MS) {
        watchState.stopped = true;
        watchState.at = now;
        watchState.received = st.received;
        watchState.cpu = meter.read();
        watchState.machine = meter.machine();
        watchState.kernel = meter.kernel();
        await lg.stopPublish();
      }
    }
  };
  await watch(tStart + o.warmupMs);
  const stoppedInWarmup = watchState.stopped;
  const atWindow = await lg.windowStart();
  const windowAt = performance.now();
  const t0 = nowUs();
  const windowEnd = performance.now() + o.measureMs;
  await watch(windowEnd);
  const stoppedEarly = watchState.stopped;
  // After an early stop the window goes on briefly for the latency figures only.
  if (stoppedEarly) {
    await sleep(Math.min(MIN_WINDOW_MS, Math.max(0, windowEnd - performance.now())));
  }
  const w = await lg.windowEnd();
  const t1 = nowUs();
  // Delivered rate: over the window; for an overloaded step only up to the moment the
  // publishers were stopped (what arrives after it is the load generator catching up on a
  // backlog, not the server keeping pace).
  const delivered = !stoppedEarly
    ? w.windowReceived / ((t1 - t0) / 1e6)
    : stoppedInWarmup
      ? (watchState.received - before.received) / ((watchState.at - tStart) / 1000)
      : (watchState.received - atWindow.received) / ((watchState.at - windowAt) / 1000);
  const cpu = stoppedEarly ? watchState.cpu : meter.read();
  const machineCpu = stoppedEarly ? watchState.machine : meter.machine();
  const kernelCpu = stoppedEarly ? watchState.kernel : meter.kernel();
  const sent = await publishing;
  const publishSeconds = (publishedAt - tStart) / 1000;
  const expected = before.received + sent.sent * o.fanout;
  const after = await drain(lg, expected, o.drainMs);
  const total = stoppedEarly ? publishSeconds : (o.warmupMs + o.measureMs) / 1000;
  const lost = Math.max(0, expected - after.received);
  const extra = Math.max(0, after.received - expected);
  return {
    rate,
    sentRate: sent.sent / total,
    offered: rate * o.fanout,
    delivered,
    latency: summarize(w.hist),
    serverCpu: cpu.slice(0, -1).reduce((a, b) => a + b, 0),
    loadgenCpu: cpu.at(-1)!,
    machineCpu,
    kernelCpu,
    complete: lost === 0 && extra === 0 && after.malformed === 0,
    lost,
    extra,
    stoppedEarly,
  };
}

/** Deliveries this far behind the offered traffic (in ms of it) end a step as saturated. */
const LAG_MS = 500;
/** Window kept after an early stop, measured on the backlog. */
const MIN_WINDOW_MS = 500;

export interface Saturation {
  steps: Step[];
  /** Highest delivered rate seen. */
  best: Step;
  /** The last step that kept up (delivered ≥ 90 % of offered, p99 under the limit). */
  lastGood?: Step;
}

/** Whether a step kept up with what it was offered. */
export function keptUp(s: Step, p99LimitMs: number): boolean {
  return (
    !s.stoppedEarly &&
    s.sentRate >= 0.9 * s.rate &&
    s.delivered >= 0.9 * s.offered &&
    s.latency.p99 < p99LimitMs
  );
}

/**
 * Raises the offered rate by `factor` from `start` until deliveries stop keeping up with it
 * or latency explodes, in at most `maxSteps` steps.
 */
export type SearchOptions = StepOptions & { factor: number; maxSteps: number; p99LimitMs: number };

/**
 * Raises the offered rate by `factor` from `start` until deliveries stop keeping up with it
 * or latency explodes, in at most `maxSteps` steps.
 */
export async function saturate(
  ctx: BenchContext,
  sys: RunningSystem,
  start: number,
  o: SearchOptions,
  label: string,
): Promise<Saturation> {
  const [sat] = await saturateInterleaved(ctx, [{ sys, start, label }], o);
  return sat!;
}

/**
 * Several saturation searches run side by side, one step of each system in turn, so that
 * whatever else the shared machine is doing weighs on every system alike.
 */
export async function saturateInterleaved(
  ctx: BenchContext,
  searches: Array<{ sys: RunningSystem; start: number; label: string }>,
  o: SearchOptions,
): Promise<Saturation[]> {
  const state = searches.map((x) => ({
    ...x,
    rate: x.start,
    steps: [] as Step[],
    lastGood: undefined as Step | undefined,
    done: false,
    refining: false,
    retries: 0,
  }));
  while (state.some((x) => !x.done)) {
    for (const x of state) {
      if (x.done) continue;
      if (x.steps.length >= o.maxSteps) {
        x.done = true;
        continue;
      }
      const s = await runStep(ctx.lg.group(x.sys.id), x.sys, x.rate, o);
      ctx.log(`    ${x.label} ${fmtStep(s)}`);
      if (!keptUp(s, o.p99LimitMs) && otherCpu(s) > NOISY && x.retries < MAX_RETRIES) {
        // Someone else's work took the CPU: this says nothing about the system. Try again.
        x.retries++;
        ctx.log(`    (other processes used ${cpuText(otherCpu(s))}: repeating the step)`);
        continue;
      }
      x.steps.push(s);
      if (keptUp(s, o.p99LimitMs)) {
        x.lastGood = s;
        x.rate = Math.round(x.rate * (x.refining ? Math.sqrt(o.factor) : o.factor));
        if (x.refining) x.done = true; // the midpoint held: the failed rate above is the edge
      } else if (!x.refining && x.lastGood) {
        // One more step halfway (geometrically) between the last rate that held and this one,
        // so that the figure is not quantised to powers of the factor.
        x.refining = true;
        x.rate = Math.round(x.lastGood.rate * Math.sqrt(o.factor));
      } else x.done = true;
    }
  }
  return state.map((x) => ({
    steps: x.steps,
    best: x.steps.reduce((a, b) => (b.delivered > a.delivered ? b : a)),
    ...(x.lastGood && { lastGood: x.lastGood }),
  }));
}

export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function fmtStep(s: Step): string {
  return (
    `rate ${fmtRate(s.rate)}/s → delivered ${fmtRate(s.delivered)}/s of ${fmtRate(s.offered)}/s, ` +
    `p50 ${fmtMs(s.latency.p50)} p99 ${fmtMs(s.latency.p99)} ms, ` +
    `cpu server ${s.serverCpu.toFixed(2)} loadgen ${s.loadgenCpu.toFixed(2)} kernel ${s.kernelCpu.toFixed(2)} other ${otherCpu(s).toFixed(2)}` +
    (s.stoppedEarly ? ', overloaded: publishers stopped early' : '') +
    (s.complete ? '' : `, INCOMPLETE: ${s.lost} missing, ${s.extra} extra`)
  );
}

/**
 * Which resource ran out at a step: a judgement from the CPU figures, for the report. The
 * machine has 2 cores shared by the server, the load generator, the kernel's loopback work and
 * whatever else runs on it.
 */
export function boundBy(s: Step, serverCores: number): string {
  const cores = 2;
  if (s.serverCpu >= 0.9 * serverCores) return 'server CPU';
  const other = otherCpu(s);
  if (s.machineCpu >= 0.9 * cores) {
    return other >= 0.2
      ? `machine (both cores busy; other processes ${cpuText(other)})`
      : 'machine (both cores busy)';
  }
  if (s.loadgenCpu >= 0.9) return 'load generator';
  return 'no CPU ran out (latency-bound)';
}

/** Cores used by processes other than the server and the load generator (not the kernel). */
export function otherCpu(
  s: Pick<Step, 'machineCpu' | 'serverCpu' | 'loadgenCpu' | 'kernelCpu'>,
): number {
  return Math.max(0, s.machineCpu - s.serverCpu - s.loadgenCpu - s.kernelCpu);
}

function cpuText(n: number): string {
  return `${(n * 100).toFixed(0)} %`;
}

/** Opens clients and fails loudly when some could not connect. */
export async function openAll(
  ctx: BenchContext,
  g: Clients,
  specs: ClientSpec[],
  what: string,
  concurrency = 64,
): Promise<{ ms: number; failed: number; errors: string[] }> {
  const t = performance.now();
  const r = await g.open(specs, { concurrency, timeoutMs: 60_000 });
  const ms = performance.now() - t;
  ctx.log(
    `    opened ${r.opened}/${specs.length} ${what} in ${(ms / 1000).toFixed(1)} s` +
      (r.failed ? ` (${r.failed} failed: ${r.errors.join('; ')})` : ''),
  );
  return { ms, failed: r.failed, errors: r.errors };
}

/** Starts a system, runs `body`, and always closes the clients and stops the system. */
export async function withSystem<T>(
  ctx: BenchContext,
  id: SystemId,
  extra: Partial<SystemContext>,
  body: (sys: RunningSystem) => Promise<T>,
): Promise<T> {
  const sys = await startSystem(id, {
    fromSource: ctx.fromSource,
    ...(ctx.rabbit && { rabbit: ctx.rabbit }),
    ...extra,
  });
  try {
    return await body(sys);
  } finally {
    await ctx.lg.group(id).closeAll();
    await sys.stop();
  }
}

/** Cores a system's server side can use: the single-threaded servers one per process. */
export function serverCores(id: SystemId): number {
  switch (id) {
    case 'rabbitmq':
      return 2;
    case 'parley-redis':
    case 'socketio-redis':
      return 2;
    default:
      return 1;
  }
}
