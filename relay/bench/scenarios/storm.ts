import type { ClientSpec } from '../loadgen/protocol.js';
import { startParley } from '../servers/parley.js';
import { LABELS } from '../servers/systems.js';
import type { RunningSystem, SystemId } from '../servers/systems.js';
import { nowUs } from '../util/clock.js';
import { CpuMeter, freePort } from '../util/proc.js';
import type { BenchContext } from './common.js';
import { openAll, spec, withSystem } from './common.js';

export interface StormResult {
  system: SystemId;
  label: string;
  connections: number;
  failed: number;
  /** Connections per second, first connect to last ready. */
  rate: number;
  serverCpu: number;
  loadgenCpu: number;
  machineCpu: number;
  kernelCpu: number;
  auth: string;
  error?: string;
}

export interface ReconnectResult {
  clients: number;
  /** SIGTERM to the old relay → new relay listening. */
  restartMs: number;
  /** New relay listening → every client connected and subscribed again. */
  reconnectMs: number;
  totalMs: number;
  reconnected: number;
  error?: string;
}

const AUTH: Record<SystemId, string> = {
  parley: 'JWT (HS256) in CONNECT',
  'parley-redis': 'JWT (HS256) in CONNECT',
  uws: 'none',
  socketio: 'JWT (HS256) in handshake auth',
  'socketio-redis': 'JWT (HS256) in handshake auth',
  rabbitmq: 'guest/guest login',
};

/** Scenario 3a: how fast each system accepts new authenticated connections. */
export async function connectStorm(ctx: BenchContext, systems: SystemId[]): Promise<StormResult[]> {
  const p = ctx.params.storm;
  const results: StormResult[] = [];
  for (const id of systems) {
    ctx.log(`  ${LABELS[id]}`);
    const r: StormResult = {
      system: id,
      label: LABELS[id],
      connections: p.connections,
      failed: 0,
      rate: NaN,
      serverCpu: NaN,
      loadgenCpu: NaN,
      machineCpu: NaN,
      kernelCpu: NaN,
      auth: AUTH[id],
    };
    results.push(r);
    try {
      await withSystem(ctx, id, {}, async (sys: RunningSystem) => {
        const specs: ClientSpec[] = [];
        for (let i = 0; i < p.connections; i++) specs.push(spec(sys, i, []));
        const meter = new CpuMeter([...sys.pids, 'self']);
        meter.start();
        const res = await ctx.lg
          .group(id)
          .open(specs, { concurrency: p.concurrency, timeoutMs: 60_000 });
        const cpu = meter.read();
        r.machineCpu = meter.machine();
        r.kernelCpu = meter.kernel();
        r.failed = res.failed;
        r.rate = res.opened / ((res.endUs - res.startUs) / 1e6);
        r.serverCpu = cpu.slice(0, -1).reduce((a, b) => a + b, 0);
        r.loadgenCpu = cpu.at(-1)!;
        ctx.log(
          `    ${res.opened} connects at ${r.rate.toFixed(0)}/s (cpu server ${r.serverCpu.toFixed(2)}, loadgen ${r.loadgenCpu.toFixed(2)}, machine ${r.machineCpu.toFixed(2)})` +
            (res.failed ? `, ${res.failed} failed: ${res.errors.join('; ')}` : ''),
        );
      });
    } catch (err) {
      r.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      ctx.log(`    failed: ${r.error}`);
    }
  }
  return results;
}

/**
 * Scenario 3b: `reconnectClients` clients, each subscribed to a room, lose their relay (SIGTERM:
 * ERROR server-shutdown, close 1001) and reconnect with jittered exponential backoff (100 ms
 * doubling, capped at 2 s, full jitter) to a new relay on the same port.
 */
export async function reconnectAfterRestart(ctx: BenchContext): Promise<ReconnectResult> {
  const n = ctx.params.storm.reconnectClients;
  const r: ReconnectResult = {
    clients: n,
    restartMs: NaN,
    reconnectMs: NaN,
    totalMs: NaN,
    reconnected: 0,
  };
  const port = await freePort();
  let relay = await startParley({ port, fromSource: ctx.fromSource });
  try {
    const specs: ClientSpec[] = [];
    for (let i = 0; i < n; i++) {
      specs.push({
        protocol: 'stomp',
        url: relay.url,
        auth: { kind: 'jwt', user: `u${i}` },
        subs: [`/topic/room.${Math.floor(i / 5)}`],
        reconnect: true,
      });
    }
    const g = ctx.lg.group('reconnect');
    const opened = await openAll(ctx, g, specs, 'clients');
    if (opened.failed > 0) throw new Error(`connections failed: ${opened.errors.join('; ')}`);
    const tKill = nowUs();
    await relay.stop();
    relay = await startParley({ port, fromSource: ctx.fromSource });
    const tListen = nowUs();
    const after = await g.waitReady(60_000);
    r.reconnected = after.ready;
    r.restartMs = (tListen - tKill) / 1000;
    r.reconnectMs = (after.lastReadyUs - tListen) / 1000;
    r.totalMs = (after.lastReadyUs - tKill) / 1000;
    if (after.ready < n) r.error = `only ${after.ready} of ${n} reconnected within 60 s`;
    ctx.log(
      `    ${after.ready}/${n} back: relay restart ${r.restartMs.toFixed(0)} ms, ` +
        `then all reconnected in ${r.reconnectMs.toFixed(0)} ms (total ${r.totalMs.toFixed(0)} ms)`,
    );
  } catch (err) {
    r.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.log(`    failed: ${r.error}`);
  } finally {
    await ctx.lg.group('reconnect').closeAll();
    await relay.stop();
  }
  return r;
}
