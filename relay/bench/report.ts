/** Writes docs/performance.md and the latency plot from one run's results. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Params } from './params.js';
import type { Step } from './scenarios/common.js';
import { fmtMs, fmtRate, otherCpu } from './scenarios/common.js';
import type { FanoutResult } from './scenarios/fanout.js';
import type { IdleResult } from './scenarios/idle.js';
import type { ProfileResult } from './scenarios/profile.js';
import type { RedisResult } from './scenarios/redis.js';
import type { RoomsResult } from './scenarios/rooms.js';
import type { ReconnectResult, StormResult } from './scenarios/storm.js';
import { RELAY_ROOT } from './servers/parley.js';
import { rabbitVersion } from './servers/rabbitmq.js';
import type { SystemId } from './servers/systems.js';
import { LABELS } from './servers/systems.js';
import { openFilesLimit } from './util/proc.js';

const require = createRequire(import.meta.url);

export interface Environment {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  openFiles: number;
  commit: string;
  versions: Record<string, string>;
  rabbit: string;
  redis: string;
  /** Cores busy on the machine in the second before the run started (other people's work). */
  backgroundCpu: number;
}

export interface Results {
  params: Params;
  env: Environment;
  systems: SystemId[];
  scenarios: string[];
  fromSource: boolean;
  /** How the relay under test was built. */
  relayBuild?: string;
  durationMs: number;
  /** Time spent waiting for other people's work to calm down before steps. */
  quietWaitMs?: number;
  fanout?: FanoutResult[];
  rooms?: RoomsResult[];
  storm?: StormResult[];
  reconnect?: ReconnectResult;
  idle?: IdleResult[];
  redis?: RedisResult;
  profile?: ProfileResult;
}

function pkgVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      cwd: RELAY_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

export function collectEnvironment(_p: Params): Environment {
  const commit = run('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain', '--', 'src']) !== '';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    openFiles: openFilesLimit(),
    commit: commit ? `${commit}${dirty ? ' + uncommitted changes in relay/src' : ''}` : 'unknown',
    versions: {
      'uWebSockets.js': `${pkgVersion('uWebSockets.js')} (uWS v20.30, native)`,
      'socket.io': pkgVersion('socket.io'),
      'socket.io-client': pkgVersion('socket.io-client'),
      '@socket.io/redis-adapter': pkgVersion('@socket.io/redis-adapter'),
      redis: pkgVersion('redis'),
      jsonwebtoken: pkgVersion('jsonwebtoken'),
    },
    rabbit: rabbitVersion(),
    redis: /v=(\S+)/.exec(run('redis-server', ['--version']))?.[1] ?? 'not installed',
    backgroundCpu: NaN,
  };
}

// ---------------------------------------------------------------------------------------------
// Targets

export interface Target {
  name: string;
  measured: string;
  met: boolean | undefined;
  gap: string;
}

function ratioTarget(name: string, ratio: number, want: number): Target {
  if (!Number.isFinite(ratio)) return { name, measured: 'not measured', met: undefined, gap: '' };
  const met = ratio >= want;
  return {
    name,
    measured: `${ratio.toFixed(2)}×`,
    met,
    gap: met
      ? `${((ratio / want - 1) * 100).toFixed(0)} % above`
      : `missed by ${((1 - ratio / want) * 100).toFixed(0)} % (needs ${(want / ratio).toFixed(2)}× more)`,
  };
}

function maxTarget(name: string, value: number, limit: number, unit: string, digits = 2): Target {
  if (!Number.isFinite(value)) return { name, measured: 'not measured', met: undefined, gap: '' };
  const met = value <= limit;
  return {
    name,
    measured: `${value.toFixed(digits)} ${unit}`,
    met,
    gap: met
      ? `${((1 - value / limit) * 100).toFixed(0)} % under`
      : `missed by ${(value - limit).toFixed(digits)} ${unit} (${((value / limit - 1) * 100).toFixed(0)} % over)`,
  };
}

function fanoutBest(r: Results, id: SystemId, size: number): number {
  const f = r.fanout?.find((x) => x.system === id);
  return f?.bySize.find((b) => b.size === size)?.sat.best.delivered ?? NaN;
}

function roomsBest(r: Results, id: SystemId): number {
  return r.rooms?.find((x) => x.system === id)?.sat?.best.delivered ?? NaN;
}

export function targets(r: Results): Target[] {
  const list: Target[] = [];
  const sizes = r.params.fanout.sizes;
  const fanEff = (id: SystemId, size: number): number => {
    const b = r.fanout?.find((x) => x.system === id)?.bySize.find((x) => x.size === size);
    return b ? b.sat.best.delivered / b.sat.best.serverCpu : NaN;
  };
  for (const size of sizes) {
    const relay = fanoutBest(r, 'parley', size);
    for (const [id, label, want] of [
      ['uws', 'raw uWS', 0.5],
      ['socketio', 'Socket.IO 4', 10],
      ['rabbitmq', 'RabbitMQ Web-STOMP', 3],
    ] as const) {
      const t = ratioTarget(
        `fan-out ${size} B ≥ ${want}× ${label}`,
        relay / fanoutBest(r, id, size),
        want,
      );
      const eff = fanEff('parley', size) / fanEff(id, size);
      if (t.met !== undefined && Number.isFinite(eff)) {
        t.measured += ` (per server CPU-second: ${eff.toFixed(2)}×)`;
      }
      list.push(t);
    }
  }
  const idle = r.idle?.find((x) => x.system === 'parley');
  const top = idle?.levels.at(-1);
  list.push(
    maxTarget(
      `≤ 4 KiB RSS per idle authenticated connection (at ${top?.connections ?? '–'})`,
      top ? top.perConnection / 1024 : NaN,
      4,
      'KiB',
    ),
  );
  const half = r.rooms?.find((x) => x.system === 'parley')?.points.find((p) => p.fraction === 0.5);
  list.push(
    maxTarget(
      'p99 ≤ 5 ms at 50 % of saturation (many rooms)',
      half?.step.latency.p99 ?? NaN,
      5,
      'ms',
    ),
  );
  if (r.redis) {
    const single = fanoutBest(r, 'parley', 100);
    const viaRedis =
      r.redis.fanout.find((x) => x.system === 'parley-redis')?.bySize[0]?.sat.best.delivered ?? NaN;
    const t = ratioTarget(
      'through Redis ≥ 0.5× single relay (fan-out 100 B)',
      viaRedis / single,
      0.5,
    );
    const err = r.redis.fanout.find((x) => x.system === 'parley-redis')?.error;
    if (err) t.measured = `not measurable: ${err}`;
    list.push(t);
    const singleRooms = roomsBest(r, 'parley');
    const roomsRedis = r.redis.rooms.find((x) => x.system === 'parley-redis');
    const t2 = ratioTarget(
      'through Redis ≥ 0.5× single relay (many rooms)',
      (roomsRedis?.sat?.best.delivered ?? NaN) / singleRooms,
      0.5,
    );
    if (roomsRedis?.error) t2.measured = `not measurable: ${roomsRedis.error}`;
    list.push(t2);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Markdown

function table(head: string[], rows: string[][]): string {
  const bad = rows.find((r) => r.length !== head.length);
  if (bad) throw new Error(`table row has ${bad.length} cells, header ${head.length}: ${bad[0]}`);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function cpu(n: number): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(0)} %` : '–';
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–';
}

function kib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(2)} KiB` : '–';
}

function stepsTable(steps: Step[]): string {
  return table(
    [
      'offered msg/s',
      'sent msg/s',
      'deliveries/s offered',
      'delivered/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'server CPU',
      'load gen CPU',
      'kernel (irq)',
      'other processes',
      'all delivered',
    ],
    steps.map((s) => [
      fmtRate(s.rate),
      fmtRate(s.sentRate),
      fmtRate(s.offered),
      fmtRate(s.delivered),
      fmtMs(s.latency.p50),
      fmtMs(s.latency.p99),
      fmtMs(s.latency.p999),
      cpu(s.serverCpu),
      cpu(s.loadgenCpu),
      cpu(s.kernelCpu),
      cpu(otherCpu(s)),
      s.complete ? 'yes' : `no (${s.lost} late or lost, ${s.extra} extra)`,
    ]),
  );
}

/** Deliveries per second of server CPU: throughput with the noise of a shared machine divided out. */
function efficiency(s: Step): number {
  return s.delivered / s.serverCpu;
}

function fanoutSection(
  r: Results,
  list: FanoutResult[],
  baseline: (id: SystemId, size: number) => number,
  baselineEff: (id: SystemId, size: number) => number,
): string {
  const rows: string[][] = [];
  for (const f of list) {
    if (f.error) {
      rows.push([f.label, '–', `failed: ${f.error}`, ...Array<string>(9).fill('–')]);
      continue;
    }
    for (const b of f.bySize) {
      const relay = baseline('parley', b.size);
      const relayEff = baselineEff('parley', b.size);
      const best = b.sat.best;
      rows.push([
        f.label,
        `${b.size} B`,
        fmtRate(best.delivered),
        f.system === 'parley' ? '1.00×' : ratio(relay, best.delivered),
        fmtRate(efficiency(best)),
        f.system === 'parley' ? '1.00×' : ratio(relayEff, efficiency(best)),
        cpu(best.serverCpu),
        cpu(best.loadgenCpu),
        cpu(best.kernelCpu),
        cpu(otherCpu(best)),
        fmtMs(best.latency.p99),
        b.bound,
      ]);
    }
  }
  const details = list
    .filter((f) => !f.error)
    .flatMap((f) =>
      f.bySize.map(
        (b) =>
          `<details><summary>${f.label}, ${b.size} B: every step</summary>\n\n${stepsTable(b.sat.steps)}\n\n</details>`,
      ),
    );
  return [
    table(
      [
        'system',
        'body',
        'deliveries/s at saturation',
        'Parley ÷ this',
        'deliveries per server CPU-second',
        'Parley ÷ this',
        'server CPU',
        'load gen CPU',
        'kernel (irq)',
        'other processes',
        'p99 ms at that step',
        'what ran out',
      ],
      rows,
    ),
    '',
    ...details,
  ].join('\n');
}

function roomsSection(list: RoomsResult[], relayBest: number, withLatency: boolean): string {
  const relay = list.find((x) => x.system === 'parley')?.sat?.best;
  const relayEff = relay ? efficiency(relay) : NaN;
  const rows = list.map((x) =>
    x.error
      ? [x.label, `failed: ${x.error}`, ...Array<string>(9).fill('–')]
      : [
          x.label,
          fmtRate(x.sat!.best.delivered),
          x.system === 'parley' ? '1.00×' : ratio(relayBest, x.sat!.best.delivered),
          fmtRate(efficiency(x.sat!.best)),
          x.system === 'parley' ? '1.00×' : ratio(relayEff, efficiency(x.sat!.best)),
          cpu(x.sat!.best.serverCpu),
          cpu(x.sat!.best.loadgenCpu),
          cpu(x.sat!.best.kernelCpu),
          cpu(otherCpu(x.sat!.best)),
          x.bound ?? '–',
          Number.isFinite(x.connectMs) ? `${(x.connectMs / 1000).toFixed(1)} s` : '–',
        ],
  );
  const out = [
    table(
      [
        'system',
        'deliveries/s at saturation',
        'Parley ÷ this',
        'deliveries per server CPU-second',
        'Parley ÷ this',
        'server CPU',
        'load gen CPU',
        'kernel (irq)',
        'other processes',
        'what ran out',
        'time to connect all',
      ],
      rows,
    ),
  ];
  if (withLatency) {
    const lrows: string[][] = [];
    for (const x of list) {
      for (const p of x.points) {
        const s = p.step;
        lrows.push([
          x.label,
          `${Math.round(p.fraction * 100)} %`,
          fmtRate(s.delivered),
          fmtMs(s.latency.p50),
          fmtMs(s.latency.p99),
          fmtMs(s.latency.p999),
          cpu(s.serverCpu),
          cpu(s.loadgenCpu),
          cpu(s.kernelCpu),
          cpu(otherCpu(s)),
          s.complete ? 'yes' : `no (${s.lost} late or lost, ${s.extra} extra)`,
        ]);
      }
    }
    out.push(
      '',
      'End-to-end latency (publisher write → subscriber read, both in the load generator) at a share of each system’s own saturation rate:',
      '',
      table(
        [
          'system',
          'load',
          'delivered/s',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'server CPU',
          'load gen CPU',
          'kernel (irq)',
          'other processes',
          'all delivered',
        ],
        lrows,
      ),
    );
  }
  out.push(
    '',
    ...list
      .filter((x) => x.sat)
      .map(
        (x) =>
          `<details><summary>${x.label}: every step</summary>\n\n${stepsTable(x.sat!.steps)}\n\n</details>`,
      ),
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG plot of latency against load

const COLORS: Record<string, string> = {
  parley: '#d62728',
  uws: '#1f77b4',
  socketio: '#2ca02c',
  rabbitmq: '#ff7f0e',
  'parley-redis': '#9467bd',
  'socketio-redis': '#8c564b',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function latencySvg(list: RoomsResult[], title: string): string {
  const W = 820;
  const H = 460;
  const m = { l: 70, r: 20, t: 40, b: 60 };
  const series = list
    .filter((x) => x.sat)
    .map((x) => ({
      id: x.system,
      label: x.label,
      points: [...x.sat!.steps, ...x.points.map((p) => p.step)]
        // Loads the system sustained (overloaded steps measure a backlog, not a latency).
        .filter(
          (s) =>
            !s.stoppedEarly &&
            s.delivered > 0 &&
            s.delivered >= 0.9 * s.offered &&
            Number.isFinite(s.latency.p99),
        )
        .sort((a, b) => a.delivered - b.delivered),
    }))
    .filter((s) => s.points.length > 0);
  const xs = series.flatMap((s) => s.points.map((p) => p.delivered));
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.latency.p50, p.latency.p99]));
  const x0 = Math.floor(Math.log10(Math.min(...xs, 1e3)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs, 1e4)));
  const y0 = Math.floor(Math.log10(Math.max(0.01, Math.min(...ys, 0.1))));
  const y1 = Math.ceil(Math.log10(Math.max(...ys, 10)));
  const px = (v: number): number => m.l + ((Math.log10(v) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (v: number): number =>
    H - m.b - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (let e = x0; e <= x1; e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (Math.log10(v) > x1) continue;
      const x = px(v);
      parts.push(
        `<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`,
      );
      if (k === 1 || k === 5)
        parts.push(`<text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${fmtRate(v)}</text>`);
    }
  }
  for (let e = y0; e <= y1; e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (Math.log10(v) > y1) continue;
      const y = py(v);
      parts.push(
        `<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`,
      );
      if (k === 1)
        parts.push(
          `<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${v >= 1 ? v.toFixed(0) : v.toString()}</text>`,
        );
    }
  }
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`,
    `<text x="${(W + m.l) / 2}" y="${H - 18}" text-anchor="middle">deliveries per second (log)</text>`,
    `<text transform="translate(18 ${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">end-to-end latency, ms (log)</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[s.id] ?? '#333';
    for (const [key, dash] of [
      ['p99', ''],
      ['p50', ' stroke-dasharray="5 4"'],
    ] as const) {
      const d = s.points
        .map(
          (p, j) =>
            `${j === 0 ? 'M' : 'L'}${px(p.delivered).toFixed(1)},${py(p.latency[key]).toFixed(1)}`,
        )
        .join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      for (const p of s.points) {
        parts.push(
          `<circle cx="${px(p.delivered).toFixed(1)}" cy="${py(p.latency[key]).toFixed(1)}" r="2.5" fill="${color}"/>`,
        );
      }
    }
    const ly = m.t + 16 + i * 18;
    parts.push(
      `<line x1="${m.l + 12}" y1="${ly - 4}" x2="${m.l + 36}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${m.l + 42}" y="${ly}">${esc(s.label)}</text>`,
    );
  });
  const ly = m.t + 16 + series.length * 18;
  parts.push(
    `<text x="${m.l + 12}" y="${ly}" fill="#555">solid: p99, dashed: p50; sustained loads only</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

export function renderMarkdown(r: Results, svgName: string): string {
  const p = r.params;
  const e = r.env;
  const out: string[] = [];
  const minutes = (r.durationMs / 60_000).toFixed(1);
  out.push(
    '# Performance',
    '',
    `Generated by \`pnpm bench${p.quick ? ' --quick' : ''}\` on ${e.date} (the run took ${minutes} min${r.quietWaitMs ? `, ${(r.quietWaitMs / 1000).toFixed(0)} s of it waiting for other work on the machine to calm down` : ''}). ` +
      'Every figure below was measured in that one run, the peers side by side with the relay, with the same load generator, the same clients per connection and the same message bodies. ' +
      'This machine is small and shared, so read the **ratios**; the absolute figures move from run to run.',
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured', 'result'],
      targets(r).map((t) => [
        t.name,
        t.measured,
        t.met === undefined
          ? 'not measured'
          : t.met
            ? `**met** (${t.gap})`
            : `**missed** — ${t.gap}`,
      ]),
    ),
    '',
  );
  const why = explain(r);
  if (why.length > 0)
    out.push('### Why targets are missed, and what the figures do not show', '', ...why, '');
  out.push(
    '## Machine, versions, method',
    '',
    `- ${e.cores} cores (${e.cpu}), ${e.memoryGiB} GiB, ${e.kernel}, open-files limit ${e.openFiles} per process; loopback only. Other work on the machine used ${cpu(e.backgroundCpu)} of a core in the second before the run. **The machine is shared** (other people's test suites run on it): every step reports the CPU of the server, of the load generator, of the kernel in interrupt context (loopback TCP, in no process's figure) and of every other process, and the “deliveries per server CPU-second” columns divide that noise out.`,
    `- Node ${e.node}; relay at commit ${e.commit}, run from ${r.relayBuild ?? (r.fromSource ? 'src through tsx' : 'dist (tsc build)')} with NODE_ENV=production, PARLEY_MAX_SEND_RATE=0, PARLEY_MAX_BUFFERED_BYTES=256 MiB, PARLEY_MAX_CONNECTIONS_PER_IP=0 and PARLEY_CONNECT_RATE_PER_IP=0 (every client is on 127.0.0.1), everything else at its defaults (history of 1000 messages per destination included).`,
    `- Peers: ${Object.entries(e.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; RabbitMQ ${e.rabbit}; redis-server ${e.redis}.`,
    '- **Raw uWS** (`relay/bench/servers/uws-server.ts`) is the physical-limit proxy: the same uWS build, no STOMP, no auth; a client message `<topic>\\n<body>` is published with `app.publish` (fan-out in C++).',
    '- **Socket.IO 4** (`servers/socketio-server.ts`): WebSocket transport only, no compression, JWT verified in a middleware with the same library as the relay; `io.to(room).emit`. With Redis: `@socket.io/redis-adapter`.',
    '- **RabbitMQ Web-STOMP**: a private node started for the run (the machine’s own node has an open-files limit of 1 024, about 830 sockets), `/topic/room.N` on `amq.topic`, login guest/guest.',
    `- **Load generator**: ${p.workers} worker threads in one process; each connection is a minimal WebSocket client over a raw TCP socket (\`loadgen/mini-ws.ts\`, frame headers parsed in place) carrying a minimal STOMP client (CONNECT with a JWT signed with jsonwebtoken, SUBSCRIBE with a receipt, SEND), a raw-uWS client or \`socket.io-client\`. Every body starts with its send time (CLOCK_MONOTONIC, µs); the receiver subtracts it from the time the chunk was read, so latency is end to end and includes the load generator’s own queueing. Deliveries and latencies are counted only inside the measurement window; after every step the run waits for stragglers and checks that every sent message reached every subscriber.`,
    '- **CPU** is read from /proc/<pid>/stat for the server processes and for the load generator (all its threads) over each step (warm-up and window); 100 % = one core. “Kernel (irq)” is interrupt and softirq time from /proc/stat (loopback TCP), which the kernel may also have charged to the process it interrupted, so it can overlap the process figures; “other processes” is what remains of the machine’s busy time. The server and the load generator share the 2 cores: a single-threaded server (the relay, raw uWS, Socket.IO) is saturated at 100 %; when server + load generator reach ~190 % the machine, not the server, was the limit and the peer’s figure is a lower bound.',
    '- **Quiet gate and retries**: before each step the run waits (up to 5 s, 60 s in all) for the machine to be nearly idle, a saturation step that fails to keep up while other processes took more than 25 % of a core is run again (up to 3 times per search), and a latency point so disturbed is measured once more, keeping the less disturbed one; systems of one scenario run side by side (fan-out: interleaved step by step) so that what remains of the noise weighs on all of them.',
    `- **Saturation search**: the offered rate starts at ${p.fanout.startRate} msg/s (fan-out) / ${p.rooms.startRate} msg/s (rooms) and is multiplied by ${p.fanout.factor} until fewer than 90 % of the offered deliveries arrive in the window, the publishers cannot send the offered rate, or p99 passes ${p.fanout.p99LimitMs} ms; each step is ${p.fanout.warmupMs} ms of warm-up and ${p.fanout.measureMs} ms measured. After the first failing step, one more runs halfway (geometrically) between the last rate that held and the one that failed. When deliveries fall more than 500 ms of traffic behind, the publishers are stopped at once (the step is saturated; its rate and CPU are taken up to that moment, so the backlog stays small and does not spill into the next step). “Deliveries/s at saturation” is the highest delivered rate of any step.`,
    '',
  );
  if (r.fanout) {
    const f = p.fanout;
    out.push(
      `## 1. Fan-out: ${f.subscribers} subscribers on one room`,
      '',
      `${f.subscribers} subscriber connections on one room and ${f.publishers} publisher connections (not subscribed), bodies of ${f.sizes.join(' and ')} bytes; a message sent is delivered ${f.subscribers} times.`,
      '',
      fanoutSection(
        r,
        r.fanout,
        (id, size) => fanoutBest(r, id, size),
        (id, size) => {
          const b = r.fanout?.find((x) => x.system === id)?.bySize.find((x) => x.size === size);
          return b ? efficiency(b.sat.best) : NaN;
        },
      ),
      '',
    );
  }
  if (r.rooms) {
    const q = p.rooms;
    out.push(
      `## 2. Many rooms: ${q.connections} connections in ${q.connections / q.roomSize} rooms of ${q.roomSize}`,
      '',
      `Every connection subscribes to its room and publishes to it (${q.size}-byte bodies), so each message is delivered ${q.roomSize} times (the sender included). Saturation first, then ${q.fractions.map((x) => `${x * 100} %`).join(', ')} of each system’s saturated delivery rate for ${q.latencyMeasureMs / 1000} s each.`,
      '',
      `![latency against load](${svgName})`,
      '',
      roomsSection(r.rooms, roomsBest(r, 'parley'), true),
      '',
    );
  }
  if (r.storm) {
    const relay = r.storm.find((s) => s.system === 'parley')?.rate ?? NaN;
    out.push(
      `## 3. Connect storm`,
      '',
      `${p.storm.connections} new connections, ${p.storm.concurrency} in flight per load-generator thread; a connection counts once it can be used (STOMP: CONNECTED; Socket.IO: after its middleware; uWS: first message).`,
      '',
      table(
        [
          'system',
          'auth',
          'connects/s',
          'Parley ÷ this',
          'server CPU',
          'load gen CPU',
          'kernel (irq)',
          'other processes',
          'failed',
        ],
        r.storm.map((s) =>
          s.error
            ? [s.label, s.auth, `failed: ${s.error}`, ...Array<string>(6).fill('–')]
            : [
                s.label,
                s.auth,
                s.rate.toFixed(0),
                s.system === 'parley' ? '1.00×' : ratio(relay, s.rate),
                cpu(s.serverCpu),
                cpu(s.loadgenCpu),
                cpu(s.kernelCpu),
                cpu(otherCpu(s)),
                String(s.failed),
              ],
        ),
      ),
      '',
    );
    const rc = r.reconnect;
    if (rc) {
      out.push(
        `**Reconnect after a restart.** ${rc.clients} clients, each subscribed to a room, lose their relay (SIGTERM: ERROR \`server-shutdown\`, close 1001) and retry with full-jitter exponential backoff (100 ms doubling, capped at 2 s) against a new relay started on the same port.`,
        '',
        rc.error && !Number.isFinite(rc.totalMs)
          ? `Failed: ${rc.error}`
          : table(
              [
                'clients',
                'back',
                'SIGTERM → new relay listening',
                'listening → all reconnected and subscribed',
                'total',
              ],
              [
                [
                  String(rc.clients),
                  String(rc.reconnected),
                  `${rc.restartMs.toFixed(0)} ms`,
                  `${rc.reconnectMs.toFixed(0)} ms`,
                  `${rc.totalMs.toFixed(0)} ms`,
                ],
              ],
            ),
        '',
      );
    }
  }
  if (r.idle) {
    const levels = p.idle.levels;
    const relayTop = r.idle.find((x) => x.system === 'parley')?.levels.at(-1)?.perConnection ?? NaN;
    out.push(
      '## 4. Idle memory',
      '',
      'RSS of the server process(es) per idle connection holding two subscriptions (its room of five and a per-user destination: `/user/queue/inbox` on the relay, `user.N` elsewhere), authenticated where the system authenticates; (RSS − RSS before the first connection) ÷ connections, and the marginal growth between the last two levels.',
      '',
      table(
        [
          'system',
          'baseline RSS',
          ...levels.map((l) => `per connection at ${fmtRate(l)}`),
          'marginal (last step)',
          'Parley ÷ this',
        ],
        r.idle.map((x) =>
          x.error && x.levels.length === 0
            ? [x.label, `failed: ${x.error}`, ...levels.map(() => '–'), '–', '–']
            : [
                x.label,
                `${(x.baseline / 2 ** 20).toFixed(0)} MiB`,
                ...levels.map((l) =>
                  kib(x.levels.find((y) => y.connections === l)?.perConnection ?? NaN),
                ),
                kib(x.levels.at(-1)?.marginal ?? NaN) +
                  (x.error ? ` (then failed: ${x.error})` : ''),
                x.system === 'parley'
                  ? '1.00×'
                  : ratio(relayTop, x.levels.at(-1)?.perConnection ?? NaN),
              ],
        ),
      ),
      '',
    );
  }
  if (r.redis) {
    const rd = r.redis;
    out.push(
      '## 5. Through Redis',
      '',
      `Two server processes sharing a private redis-server ${rd.redisVersion}; clients alternate between the two, so every room has members on both. Fan-out with 100-byte bodies, many rooms to saturation. Ratios are against the single process measured above in the same run.`,
      '',
    );
    if (rd.error) out.push(`Failed: ${rd.error}`, '');
    const single = (id: SystemId): SystemId => (id === 'parley-redis' ? 'parley' : 'socketio');
    const rows: string[][] = [];
    for (const f of rd.fanout) {
      const one = fanoutBest(r, single(f.system), 100);
      const b = f.bySize[0];
      rows.push(
        f.error || !b
          ? [
              f.label,
              'fan-out 100 B',
              `not measurable: ${f.error ?? 'no result'}`,
              fmtRate(one),
              '–',
              '–',
              '–',
            ]
          : [
              f.label,
              'fan-out 100 B',
              fmtRate(b.sat.best.delivered),
              fmtRate(one),
              ratio(b.sat.best.delivered, one),
              cpu(b.sat.best.serverCpu),
              cpu(b.sat.best.loadgenCpu),
            ],
      );
    }
    for (const x of rd.rooms) {
      const one = roomsBest(r, single(x.system));
      rows.push(
        x.error || !x.sat
          ? [
              x.label,
              'many rooms',
              `not measurable: ${x.error ?? 'no result'}`,
              fmtRate(one),
              '–',
              '–',
              '–',
            ]
          : [
              x.label,
              'many rooms',
              fmtRate(x.sat.best.delivered),
              fmtRate(one),
              ratio(x.sat.best.delivered, one),
              cpu(x.sat.best.serverCpu),
              cpu(x.sat.best.loadgenCpu),
            ],
      );
    }
    out.push(
      table(
        [
          'system',
          'scenario',
          'deliveries/s at saturation',
          'single process',
          'ratio',
          'server + Redis CPU',
          'load gen CPU',
        ],
        rows,
      ),
      '',
    );
  }
  if (r.profile) {
    const pr = r.profile;
    out.push(
      '## Where the relay spends its time under fan-out',
      '',
      pr.error
        ? `Profiling failed: ${pr.error}`
        : `\`node --cpu-prof\` on the relay while it fans out ${pr.rate} msg/s (100-byte bodies) to ${p.fanout.subscribers} subscribers for ${pr.seconds} s (the profile covers the whole process life, ${(pr.totalMs / 1000).toFixed(1)} s of CPU without idle). Top ${pr.top.length} functions by self time — JavaScript and what it calls; uWS’s own C++ work outside JS frames (the drain of topic publishes at the end of each event-loop turn) is not attributed to any function, which is why the total is well below the relay’s CPU in the step:`,
      '',
    );
    if (!pr.error) {
      out.push(
        table(
          ['self %', 'self ms', 'function', 'where'],
          pr.top.map((t) => [
            t.percent.toFixed(1),
            t.selfMs.toFixed(0),
            `\`${t.functionName}\``,
            `\`${t.location}\``,
          ]),
        ),
        '',
      );
    }
  }
  out.push(
    '## Soak',
    '',
    'A 30-minute run of chat with connection churn and hostile traffic (`pnpm --filter @parley/relay soak -- --minutes=30`, not part of `pnpm bench`) checks that RSS, heap and event-loop lag stay flat: see [performance-soak.md](performance-soak.md).',
    '',
    '## Re-running',
    '',
    '`pnpm bench` runs everything above and rewrites this file and the plot (about 12–15 minutes on 2 cores). `pnpm bench --quick` is a small version (under 2 minutes; it writes to the temp folder unless `--out=` says where), `--only=fanout,rooms,storm,idle,redis,profile` and `--systems=parley,uws,socketio,rabbitmq` pick parts. `relay/bench/smoke.test.ts` runs every scenario at a tiny scale in the tests, checking correctness only.',
    '',
  );
  return out.join('\n');
}

/** Reasons behind the figures, from the figures themselves. */
export function explain(r: Results): string[] {
  const lines: string[] = [];
  const eff = (x: Step | undefined): number => (x ? x.delivered / x.serverCpu : NaN);
  const fan = (id: SystemId, size: number) =>
    r.fanout?.find((x) => x.system === id)?.bySize.find((b) => b.size === size);
  const profileShare = (name: string): number =>
    r.profile?.top.filter((t) => t.functionName === name).reduce((a, t) => a + t.percent, 0) ?? 0;
  for (const size of r.params.fanout.sizes) {
    const relay = fan('parley', size);
    const uws = fan('uws', size);
    const sio = fan('socketio', size);
    if (!relay) continue;
    const rb = relay.sat.best;
    const parts = [
      `- **Fan-out, ${size} B.** The relay peaked at ${fmtRate(rb.delivered)} deliveries/s with its process at ${cpu(rb.serverCpu)} of a core (${relay.bound}), i.e. ${fmtRate(eff(rb))} deliveries per CPU-second.`,
    ];
    if (uws) {
      const ub = uws.sat.best;
      parts.push(
        `Raw uWS reached ${fmtRate(ub.delivered)}/s using only ${cpu(ub.serverCpu)} (${fmtRate(eff(ub))} per CPU-second, ${ratio(eff(ub), eff(rb))} the relay’s efficiency) while the load generator used ${cpu(ub.loadgenCpu)}: ${uws.bound === 'server CPU' ? 'uWS itself was the limit.' : 'uWS was not the limit, so its true ceiling is higher and the real Parley ÷ uWS ratio is lower than measured.'}`,
      );
    }
    if (sio && uws) {
      const ceiling = uws.sat.best.delivered / sio.sat.best.delivered;
      parts.push(
        `Even raw uWS delivered only ${ceiling.toFixed(1)}× Socket.IO here, so “≥ 10× Socket.IO” is out of reach on this machine for anything that is at most as fast as uWS${ceiling < 10 ? '' : ' unless it runs at the physical limit'}; the per-CPU-second column is the fairer comparison.`,
      );
    }
    lines.push(parts.join(' '));
  }
  if (r.profile && !r.profile.error && r.profile.top.length > 0) {
    const send = profileShare('send');
    const fanOut = profileShare('fanOut');
    const key = profileShare('createPublicKey');
    const names = r.profile.top
      .slice(0, 5)
      .map((t) => `\`${t.functionName}\` ${t.percent.toFixed(0)} %`);
    const perSocket =
      send >= 20
        ? `The relay fans out in JavaScript: \`Hub\`’s \`fanOut\` calls \`Session.deliver\` for every subscriber, which builds (or finds in a per-message cache, keyed by a string made per subscriber) the MESSAGE frame and calls uWS \`ws.send\` for that one socket — the \`send\` line (${send.toFixed(0)} %) is that call: the native send and its write system call, once per subscriber per message, outside any cork. uWS \`app.publish\` walks the subscribers in C++ and coalesces each subscriber’s messages into one write per event-loop turn. The fix DESIGN.md sketches (one uWS topic per destination and subscription id, one \`app.publish\` of one prebuilt frame per topic, the per-session path only for client-ack subscriptions) removes both the JS loop (\`fanOut\` ${fanOut.toFixed(0)} %) and the per-socket writes. `
        : `Per-subscriber sends no longer dominate (\`send\` ${send.toFixed(0)} %, \`fanOut\` ${fanOut.toFixed(0)} %): the fan-out goes through uWS topic publishes, and the rest of the gap to raw uWS is the relay’s per-message work (parse, grants, broker stamping and history, frame building) and what the table of the profile names. `;
    lines.push(
      `- **Where the relay’s CPU goes under fan-out.** Top self time: ${names.join(', ')} (the profile covers the process’s whole life, the ${r.params.fanout.subscribers + r.params.fanout.publishers} CONNECTs included). ` +
        perSocket +
        (key > 1
          ? `\`createPublicKey\` (${key.toFixed(0)} %) is jsonwebtoken turning the HS256 secret string into a key on every CONNECT: it first tries to parse it as a public key, which throws, then falls back to \`createSecretKey\`; handing \`jwt.verify\` a \`KeyObject\` made once (\`crypto.createSecretKey\`) in \`auth/jwt.ts\` removes it (and speeds up the connect storm and reconnects below).`
          : ''),
    );
  }
  const idle = r.idle?.find((x) => x.system === 'parley');
  const idleUws = r.idle?.find((x) => x.system === 'uws');
  const top = idle?.levels.at(-1);
  if (top && top.perConnection / 1024 > 4) {
    lines.push(
      `- **Idle memory.** ${kib(top.perConnection)} per connection at ${top.connections} (marginal ${kib(top.marginal)}), against ${kib(idleUws?.levels.at(-1)?.perConnection ?? NaN)} for a bare uWS socket with two topics: the rest is the relay’s JavaScript per session — the \`Session\` and what it holds (STOMP parser, subscription maps, timers, rate-limit bucket), two \`Subscription\` objects, the principal with its grant lists, the transport closures — and, for \`/user/queue/inbox\`, one hub target per user (a \`Sequencer\`, a listener and a set) because every user queue is its own destination. A heap snapshot at 15 000 connections (\`node --heapsnapshot-signal=SIGUSR2\`) shows which; lazily created per-session parts and a shared hub entry for per-user queues are the likely wins.`,
    );
  }
  const relayRooms = r.rooms?.find((x) => x.system === 'parley');
  const half = relayRooms?.points.find((p) => p.fraction === 0.5)?.step;
  if (half) {
    const uwsHalf = r.rooms
      ?.find((x) => x.system === 'uws')
      ?.points.find((p) => p.fraction === 0.5)?.step;
    lines.push(
      `- **Latency at 50 %.** p99 ${fmtMs(half.latency.p99)} ms at ${fmtRate(half.delivered)} deliveries/s (raw uWS at its own 50 %: ${fmtMs(uwsHalf?.latency.p99 ?? NaN)} ms). The figure is end to end through the load generator (${cpu(half.loadgenCpu)}) on 2 cores shared with the relay (${cpu(half.serverCpu)}), the kernel (${cpu(half.kernelCpu)}) and other processes (${cpu(otherCpu(half))}): any of them being scheduled ahead of a delivery shows up in the tail, for every peer alike.`,
    );
  }
  if (relayRooms?.sat) {
    const b = relayRooms.sat.best;
    lines.push(
      `- **Many rooms.** The relay spent ${fmtMs((b.serverCpu / (b.delivered / r.params.rooms.roomSize)) * 1e6)} µs of CPU per SEND (each delivered ${r.params.rooms.roomSize} times): parsing, destination check against the grants, the broker’s stamping and history (1000 messages kept per room, 2000 rooms), the promise chain per SEND in \`Session.drain\`, then ${r.params.rooms.roomSize} deliveries as above. A profile under this scenario (\`--cpu-prof\`, as in the section below) is the next measurement to take.`,
    );
  }
  const stalls = [
    ...(relayRooms?.sat?.steps ?? []),
    ...(relayRooms?.points.map((x) => x.step) ?? []),
  ].filter((x) => x.stoppedEarly && x.delivered < 0.5 * x.offered && x.serverCpu > 0.5);
  if (stalls.length > 0) {
    lines.push(
      `- **Stalls.** In ${stalls.length} many-rooms step(s) the relay fell half a second behind with its CPU busy (${stalls.map((x) => `${fmtRate(x.offered)} offered → ${fmtRate(x.delivered)} delivered at ${cpu(x.serverCpu)}`).join('; ')}), some below rates it had sustained earlier in the run: a pause, not a throughput limit. Every message is kept in the in-memory history (1000 per room × 2000 rooms) with its cached MESSAGE frames, so the heap grows through the scenario and major garbage collections get longer; \`--trace-gc\` on the relay under this load is the measurement that confirms or refutes it.`,
    );
  }
  const storm = r.storm?.find((x) => x.system === 'parley');
  if (storm && r.reconnect && Number.isFinite(r.reconnect.totalMs)) {
    lines.push(
      `- **Connects.** ${storm.rate.toFixed(0)} authenticated connects/s (${cpu(storm.serverCpu)} relay CPU); ${r.reconnect.clients} clients were back ${(r.reconnect.totalMs / 1000).toFixed(1)} s after the SIGTERM (${(r.reconnect.restartMs / 1000).toFixed(1)} s of it the old relay closing its sessions and the new one starting), bounded by that connect rate and the clients’ backoff.`,
    );
  }
  const redisF = r.redis?.fanout.find((x) => x.system === 'parley-redis');
  if (redisF?.error) {
    lines.push(`- **Through Redis** could not be measured: ${redisF.error}.`);
  }
  return lines;
}

export function writeReport(r: Results, mdPath: string): { md: string; svg: string } {
  const svgPath = join(dirname(mdPath), `${basename(mdPath, '.md')}-latency.svg`);
  if (r.rooms) {
    writeFileSync(
      svgPath,
      latencySvg(
        r.rooms,
        `Many rooms (${r.params.rooms.connections} connections, rooms of ${r.params.rooms.roomSize}): latency against load`,
      ),
    );
  }
  writeFileSync(mdPath, renderMarkdown(r, basename(svgPath)));
  return { md: mdPath, svg: svgPath };
}

export { LABELS };
