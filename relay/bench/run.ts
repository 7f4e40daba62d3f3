/**
 * The benchmark suite: `pnpm bench` (everything, under 15 minutes on 2 cores), `pnpm bench
 * --quick` (a small version, under 2 minutes), `--only=fanout,rooms,storm,idle,redis,profile`,
 * `--systems=parley,uws,socketio,rabbitmq`, `--no-build` (use relay/dist as it is), `--source`
 * (run the relay's TypeScript through tsx), `--out=<file.md>`.
 *
 * A full run writes docs/performance.md and docs/performance-latency.svg; a partial one
 * (--quick, --only, --systems) writes to the temp folder unless --out says where.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LoadGen } from './loadgen/pool.js';
import { params } from './params.js';
import type { BenchContext } from './scenarios/common.js';
import { quietBudget } from './scenarios/common.js';
import { fanout } from './scenarios/fanout.js';
import { idleMemory } from './scenarios/idle.js';
import { profileFanout } from './scenarios/profile.js';
import { throughRedis } from './scenarios/redis.js';
import { rooms } from './scenarios/rooms.js';
import { connectStorm, reconnectAfterRestart } from './scenarios/storm.js';
import { BENCH_SECRET, RELAY_ROOT, relayBuilt } from './servers/parley.js';
import { killAllServers } from './servers/child.js';
import { startRabbit } from './servers/rabbitmq.js';
import type { RabbitServer } from './servers/rabbitmq.js';
import type { SystemId } from './servers/systems.js';
import { collectEnvironment, writeReport } from './report.js';
import { sleep } from './util/clock.js';
import { CpuMeter } from './util/proc.js';
import type { Results } from './report.js';

const SCENARIOS = ['fanout', 'rooms', 'storm', 'idle', 'redis', 'profile'] as const;
type Scenario = (typeof SCENARIOS)[number];
const PEERS: SystemId[] = ['parley', 'uws', 'socketio', 'rabbitmq'];

function option(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    process.stdout.write(
      'pnpm bench [--quick] [--only=fanout,rooms,storm,idle,redis,profile]\n' +
        '           [--systems=parley,uws,socketio,rabbitmq] [--no-build] [--source] [--out=file.md]\n' +
        '           [--report=saved-results.json]  (re-render a saved run)\n',
    );
    return 0;
  }
  const started = performance.now();
  const again = option(args, 'report');
  if (again) {
    // Re-render a saved run (the JSON printed at the end of every run) without measuring.
    const saved = JSON.parse(readFileSync(again, 'utf8')) as Results;
    const { md, svg } = writeReport(
      saved,
      option(args, 'out') ?? resolve(RELAY_ROOT, '../docs/performance.md'),
    );
    process.stdout.write(`wrote ${md}, ${svg}\n`);
    return 0;
  }
  const quick = args.includes('--quick');
  const only = option(args, 'only')?.split(',') as Scenario[] | undefined;
  const unknown = only?.filter((s) => !SCENARIOS.includes(s));
  if (unknown?.length) {
    process.stderr.write(`unknown scenario ${unknown[0]}; scenarios: ${SCENARIOS.join(', ')}\n`);
    return 2;
  }
  const systems = (option(args, 'systems')?.split(',') as SystemId[] | undefined) ?? PEERS;
  const scenarios = only ?? [...SCENARIOS];
  const partial = quick || only !== undefined || option(args, 'systems') !== undefined;
  const out =
    option(args, 'out') ??
    (partial
      ? join(tmpdir(), 'parley-performance.md')
      : resolve(RELAY_ROOT, '../docs/performance.md'));
  const log = (line: string): void => {
    const t = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    process.stdout.write(`[${t} s] ${line}\n`);
  };

  // The relay must be the same code for the whole run: build it once into dist. Other people
  // may be editing relay/src meanwhile, so a failing build is retried, then the previous dist
  // is used as it is (still one consistent build); src through tsx only when there is no dist.
  let fromSource = args.includes('--source');
  let relayBuild = 'dist (tsc build at the start of the run)';
  if (!fromSource && !args.includes('--no-build')) {
    let built = false;
    for (let attempt = 1; attempt <= 3 && !built; attempt++) {
      log(
        `building the relay (pnpm --filter @parley/relay build)${attempt > 1 ? `, attempt ${attempt}` : ''}`,
      );
      const b = spawnSync('pnpm', ['--filter', '@parley/relay', 'build'], {
        cwd: RELAY_ROOT,
        encoding: 'utf8',
      });
      built = b.status === 0;
      if (!built) {
        log(
          `  build failed:\n${(b.stdout + b.stderr)
            .split('\n')
            .filter((l) => l.includes('error'))
            .slice(0, 5)
            .join('\n')}`,
        );
        if (attempt < 3) await sleep(10_000);
      }
    }
    if (!built) {
      relayBuild = 'dist left by an earlier build (relay/src did not compile when the run started)';
      log(`  using the existing relay/dist as it is`);
    }
  } else if (args.includes('--no-build')) relayBuild = 'dist as it was (--no-build)';
  if (!fromSource && !relayBuilt()) {
    log('  relay/dist/main.js is missing; running the relay from src through tsx');
    fromSource = true;
  }
  if (fromSource)
    relayBuild =
      'src through tsx (live: later edits to relay/src are picked up by every relay start)';

  const p = params(quick);
  quietBudget.leftMs = quick ? 5_000 : 60_000;
  const env = collectEnvironment(p);
  const idle = new CpuMeter([]);
  idle.start();
  await sleep(1000);
  env.backgroundCpu = idle.machine();
  log(`background load on the machine: ${(env.backgroundCpu * 100).toFixed(0)} % of a core`);
  let rabbit: RabbitServer | undefined;
  const needsRabbit =
    systems.includes('rabbitmq') &&
    scenarios.some((s) => s === 'fanout' || s === 'rooms' || s === 'storm' || s === 'idle');
  const lg = LoadGen.start(p.workers, { secret: BENCH_SECRET, strict: false });
  const results: Results = {
    params: p,
    env,
    systems,
    scenarios,
    fromSource,
    relayBuild,
    durationMs: 0,
  };
  const cleanup = async (): Promise<void> => {
    killAllServers();
    await lg.stop().catch(() => undefined);
    await rabbit?.stop().catch(() => undefined);
  };
  process.once('exit', killAllServers);
  process.once('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    if (needsRabbit) {
      log('starting a private RabbitMQ node with Web-STOMP');
      rabbit = await startRabbit(log);
      env.rabbit = `${rabbit.version} (${rabbit.kind} node, open-files limit ${rabbit.nofile})`;
    }
    const runSystems = systems.filter((s) => s !== 'rabbitmq' || rabbit);
    const ctx: BenchContext = {
      params: p,
      lg,
      log,
      systems: runSystems,
      fromSource,
      ...(rabbit && { rabbit }),
    };
    for (const s of scenarios) {
      const t = performance.now();
      switch (s) {
        case 'fanout':
          log(`1. fan-out: ${p.fanout.subscribers} subscribers on one room`);
          results.fanout = await fanout(ctx, runSystems);
          break;
        case 'rooms':
          log(`2. many rooms: ${p.rooms.connections} connections in rooms of ${p.rooms.roomSize}`);
          results.rooms = await rooms(ctx, runSystems);
          break;
        case 'storm':
          log(`3. connect storm: ${p.storm.connections} connections`);
          results.storm = await connectStorm(ctx, runSystems);
          if (runSystems.includes('parley')) {
            log(`   reconnect ${p.storm.reconnectClients} clients after a relay restart`);
            results.reconnect = await reconnectAfterRestart(ctx);
          }
          break;
        case 'idle':
          log(`4. idle memory at ${p.idle.levels.join(' / ')} connections`);
          results.idle = await idleMemory(ctx, runSystems);
          break;
        case 'redis':
          log('5. through Redis: two servers sharing a private redis-server');
          results.redis = await throughRedis(ctx);
          break;
        case 'profile': {
          if (!runSystems.includes('parley')) break;
          const relayFanout = results.fanout?.find((r) => r.system === 'parley')?.bySize[0]?.sat;
          const rate = relayFanout
            ? Math.round((relayFanout.lastGood ?? relayFanout.best).sentRate)
            : quick
              ? 200
              : 300;
          log(`6. CPU profile of the relay under fan-out at ${rate} messages/s`);
          results.profile = await profileFanout(ctx, rate);
          break;
        }
      }
      log(`   (${s} took ${((performance.now() - t) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await cleanup();
  }
  results.durationMs = performance.now() - started;
  results.quietWaitMs = quietBudget.waitedMs;
  const { md, svg } = writeReport(results, out);
  const json = join(tmpdir(), `parley-bench-${Date.now()}.json`);
  writeFileSync(
    json,
    JSON.stringify(results, (_k, v: unknown) => (v instanceof Uint32Array ? undefined : v), 2),
  );
  log(`wrote ${md}, ${svg} (raw results: ${json})`);
  log(`done in ${(results.durationMs / 60_000).toFixed(1)} min`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
