/**
 * Soak: `pnpm --filter @parley/relay soak -- --minutes=30 [--clients=40] [--rooms=8]
 * [--attacks=20] [--out=soak.md]` (from the relay folder: `node --import tsx bench/soak.ts …`).
 *
 * Starts one relay (from source, embedded broker), runs mixed traffic against it on loopback —
 * chat clients with connection churn, and the attack suite's categories thrown at random — for
 * N minutes, then stops by itself. Every 10 s it samples the relay's RSS, heap used and
 * event-loop lag from /metrics (prom-client process metrics) and prints a row; at the end a
 * verdict: are RSS and heap flat over the second half (least-squares slope; judged from 6
 * minutes on)? Exit status 1 when memory grows or anything went wrong. With `--out` the
 * table and verdict are written as a markdown section. Not part of `pnpm test`.
 */
import { writeFileSync } from 'node:fs';
import { spawnRelay } from '../src/testing/index.js';
import { chat, hostile, newStats } from './soak/traffic.js';
import type { SoakTarget, TrafficStats } from './soak/traffic.js';

const SAMPLE_MS = 10_000;
const API_KEY = 'soak-api-key-0123456789';

function option(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  lagP99Ms: number;
  sessions: number;
  preLogin: number;
  sent: number;
  received: number;
  attacks: number;
  refused: number;
}

async function scrape(httpUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m) values.set(m[1]!, (values.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return values;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

function row(s: Sample): string {
  return [
    `${(s.t / 60).toFixed(1)}`.padStart(6),
    s.rssMb.toFixed(1).padStart(8),
    s.heapMb.toFixed(1).padStart(8),
    s.lagP99Ms.toFixed(1).padStart(9),
    String(s.sessions).padStart(8),
    String(s.preLogin).padStart(9),
    String(s.sent).padStart(8),
    String(s.received).padStart(9),
    String(s.attacks).padStart(8),
    String(s.refused).padStart(8),
  ].join(' |');
}
const HEADER =
  ' t min |  RSS MB | heap MB | lag p99 | sessions | pre-login |    sent | received | attacks | refused';

interface Verdict {
  rssMbPerMin: number;
  heapMbPerMin: number;
  /** false when the second half has too few samples to judge (under 3 minutes). */
  judged: boolean;
  flat: boolean;
  text: string;
}

/** Samples the second half needs before a slope means anything (GC and JIT settle first). */
const MIN_HALF_SAMPLES = 18;

/** Flat: the second half's slope, carried on for an hour, adds less than max(16 MB, 10 % of the mean). */
function verdict(samples: Sample[]): Verdict {
  const half = samples.slice(Math.floor(samples.length / 2));
  const rss = slope(half.map((s) => [s.t / 60, s.rssMb]));
  const heap = slope(half.map((s) => [s.t / 60, s.heapMb]));
  const mean = (k: 'rssMb' | 'heapMb'): number => half.reduce((a, s) => a + s[k], 0) / half.length;
  const ok = (perMin: number, avg: number): boolean => perMin * 60 < Math.max(16, avg * 0.1);
  const judged = half.length >= MIN_HALF_SAMPLES;
  const flat = ok(rss, mean('rssMb')) && ok(heap, mean('heapMb'));
  const text =
    `second half (${half.length} samples): RSS ${rss >= 0 ? '+' : ''}${rss.toFixed(2)} MB/min, ` +
    `heap ${heap >= 0 ? '+' : ''}${heap.toFixed(2)} MB/min → ` +
    (!judged
      ? `too short to judge (${MIN_HALF_SAMPLES} samples needed: run 6 minutes or more)`
      : flat
        ? 'FLAT'
        : 'GROWING');
  return { rssMbPerMin: rss, heapMbPerMin: heap, judged, flat, text };
}

function markdown(minutes: number, samples: Sample[], stats: TrafficStats, v: Verdict): string {
  const lines = [
    `## Soak: ${minutes} min of chat with churn and hostile traffic`,
    '',
    `Run ${new Date().toISOString()} on Node ${process.version}: \`pnpm --filter @parley/relay soak -- --minutes=${minutes}\`.`,
    '',
    `| ${HEADER.split('|')
      .map((h) => h.trim())
      .join(' | ')} |`,
    `|${' ---: |'.repeat(10)}`,
    ...samples.map(
      (s) =>
        `| ${row(s)
          .split('|')
          .map((c) => c.trim())
          .join(' | ')} |`,
    ),
    '',
    `**Verdict:** ${v.text}.`,
    '',
    `Chat: ${stats.sent} sent, ${stats.received} received, ${stats.reconnects} churned reconnects, ${stats.chatErrors} unexpected ERRORs.`,
    `Attacks: ${[...stats.attacks].map(([k, n]) => `${k} ${n}`).join(', ')}.`,
    `Unexpected outcomes: ${stats.surprises.size === 0 ? 'none' : [...stats.surprises].map(([k, n]) => `${k} ${n}`).join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  const minutes = option('minutes', 30);
  const outArg = process.argv.find((a) => a.startsWith('--out='))?.slice(6);
  const relay = await spawnRelay({
    env: {
      // info: the listening line spawnRelay waits for (connections are logged at debug).
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_API_KEY: API_KEY,
      PARLEY_TRUSTED_PROXIES: '127.0.0.1',
      PARLEY_CONNECT_TIMEOUT_MS: '3000',
      PARLEY_HEARTBEAT_MS: '0',
    },
    timeoutMs: 30_000,
  });
  const target: SoakTarget = { ...relay, apiKey: API_KEY };
  const stats = newStats();
  const start = Date.now();
  const end = start + minutes * 60_000;
  const running = (): boolean => Date.now() < end;
  console.log(`soak: relay pid ${relay.pid} on ${relay.httpUrl}, ${minutes} min\n${HEADER}`);

  const traffic = Promise.all([
    chat(target, { clients: option('clients', 40), rooms: option('rooms', 8), running }, stats),
    hostile(target, { perSecond: option('attacks', 20), running }, stats),
  ]);
  const samples: Sample[] = [];
  while (running()) {
    await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, Math.max(0, end - Date.now()))));
    const m = await scrape(relay.httpUrl);
    const s: Sample = {
      t: (Date.now() - start) / 1000,
      rssMb: (m.get('parley_process_resident_memory_bytes') ?? NaN) / 2 ** 20,
      heapMb: (m.get('parley_nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20,
      lagP99Ms: (m.get('parley_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
      sessions: m.get('parley_sessions') ?? NaN,
      preLogin: m.get('parley_unauthenticated_connections') ?? NaN,
      sent: stats.sent,
      received: stats.received,
      attacks: total(stats.attacks),
      refused: m.get('parley_connections_refused_total') ?? 0,
    };
    samples.push(s);
    console.log(row(s));
  }
  await traffic;
  const alive = (await fetch(`${relay.httpUrl}/healthz`).then((r) => r.status)) === 200;
  const code = await relay.stop();
  const v = verdict(samples);
  const report = markdown(minutes, samples, stats, v);
  console.log(`\n${report}`);
  console.log(`relay alive at the end: ${alive}; exit status after SIGTERM: ${code}`);
  if (outArg) writeFileSync(outArg, report);
  const healthy = alive && code === 0 && stats.chatErrors === 0 && stats.surprises.size === 0;
  return healthy && (v.flat || !v.judged) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
