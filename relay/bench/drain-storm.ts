/**
 * Reconnect storm with and without the drain's spread (issue 13). Not part of CI.
 *
 *   pnpm --filter @parley/relay exec node --import tsx bench/drain-storm.ts [--clients 10000] [--drains 0,10000]
 *
 * For each PARLEY_DRAIN_MS value: a private Redis (port 6440–6449), relays A and B on it (from
 * source, NODE_ENV=production), N clients connected and subscribed on A (one of 100 rooms each),
 * then SIGTERM to A. Every client reconnects to B when A ends its session: after a random delay in
 * [0, parley-reconnect-after] when the ERROR carries that hint (as the SDK does), else at once (a
 * client with a fixed short reconnect delay, like @stomp/stompjs' default or the seeds' clients).
 * Prints B's connect rate as B saw it (the time of each CONNECT it logs at debug level, per 100 ms
 * and per second; the peak is the figure to compare) and how A spread its ends (its `connection
 * closed` lines). The load generator shares the machine: at high rates the figure is a floor of
 * what the storm would be with clients on many machines.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { StompParser, header, serialize } from '../src/codec/index.js';
import { freePort, freePortIn, startRedis } from '../src/testing/redis.js';
import { BENCH_SECRET, RELAY_ROOT } from './servers/parley.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    drains: { type: 'string', default: '0,10000' },
    rooms: { type: 'string', default: '100' },
  },
});
const CLIENTS = Number(args.clients);
const DRAINS = args.drains.split(',').map(Number);
const ROOMS = Number(args.rooms);

function frame(command: string, headers: Record<string, string>): Uint8Array {
  return serialize({ command, headers: Object.entries(headers), body: new Uint8Array() });
}

/** One client: CONNECT + SUBSCRIBE, and on server-shutdown a (hinted) reconnect to `next`. */
class StormClient {
  /** performance.now() of the CONNECTED from B. */
  movedAt: number | undefined;
  hint: number | undefined;
  attempts = 0;
  private ws: WebSocket | undefined;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly room: string,
  ) {}

  open(url: string, onReady: () => void, isB: boolean): void {
    this.attempts++;
    const ws = new WebSocket(url, ['v12.stomp'], { perMessageDeflate: false });
    this.ws = ws;
    const parser = new StompParser(
      {
        onFrame: (f) => {
          if (f.command === 'CONNECTED') {
            if (isB) this.movedAt = performance.now();
            ws.send(frame('SUBSCRIBE', { id: 'sub-0', destination: this.room, receipt: 'r' }));
          } else if (f.command === 'RECEIPT') onReady();
          else if (f.command === 'ERROR') {
            const raw = header(f, 'parley-reconnect-after');
            this.hint = raw === undefined ? undefined : Number(raw);
          }
        },
        onHeartbeat: () => undefined,
      },
      { maxFrameSize: 1024 * 1024 },
    );
    ws.on('message', (data: Buffer) => parser.push(new Uint8Array(data)));
    ws.on('open', () =>
      ws.send(
        frame('CONNECT', {
          'accept-version': '1.2',
          host: 'localhost',
          'heart-beat': '0,0',
          Authorization: `Bearer ${this.token}`,
        }),
      ),
    );
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (this.stopped || this.movedAt !== undefined) return;
      this.reconnect?.();
    });
  }

  /** Set by the run: what to do when the socket to A closes. */
  reconnect: (() => void) | undefined;

  close(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}

interface StormFigures {
  drainMs: number;
  clients: number;
  moved: number;
  /** Most CONNECTs B handled in one 100 ms bin, ×10 (per second). */
  peak100ms: number;
  /** Most CONNECTs B handled in one 1 s bin. */
  peak1s: number;
  /** Most sessions A ended in one 1 s bin. */
  endsPeak1s: number;
  /** SIGTERM → last client back, ms. */
  allBackMs: number;
  /** Connection attempts that failed and were retried. */
  retries: number;
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A relay whose log goes to a file (a pipe read by this busy process would slow it down). */
interface FileRelay {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  log: string;
}

/** Starts a relay from source, logging to `log`, and resolves once `/readyz` answers 200. */
async function startRelay(env: Record<string, string>, log: string): Promise<FileRelay> {
  const port = await freePort();
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: RELAY_ROOT,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: String(port),
      PARLEY_JWT_SECRET: BENCH_SECRET,
      PARLEY_MAX_SEND_RATE: '0',
      PARLEY_MAX_CONNECTIONS_PER_IP: '0',
      PARLEY_CONNECT_RATE_PER_IP: '0',
      ...env,
    },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ok = await until(() => child.exitCode === null && readyz(port), 30_000);
  if (!ok) throw new Error(`relay did not start:\n${readFileSync(log, 'utf8').slice(-2000)}`);
  return { url: `ws://127.0.0.1:${port}/ws`, child, exited, log };
}

let readyPorts = new Set<number>();
/** Non-blocking readiness probe for {@link until}: true once a GET /readyz has answered 200. */
function readyz(port: number): boolean {
  if (readyPorts.has(port)) return true;
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    (res) => {
      if (res.status === 200) readyPorts = new Set([...readyPorts, port]);
    },
    () => undefined,
  );
  return false;
}

/** The pino `time` of every line of `log` whose msg is `msg`. */
function logTimes(log: string, msg: string): number[] {
  const needle = `"msg":"${msg}"`;
  const times: number[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line.includes(needle)) continue;
    const m = /"time":(\d+)/.exec(line);
    if (m) times.push(Number(m[1]));
  }
  return times;
}

/** Most events in one `binMs` bin from `start`. */
function peak(times: number[], start: number, binMs: number): number {
  const bins = new Map<number, number>();
  for (const t of times) {
    if (t < start) continue;
    const k = Math.floor((t - start) / binMs);
    bins.set(k, (bins.get(k) ?? 0) + 1);
  }
  return Math.max(0, ...bins.values());
}

async function runOnce(drainMs: number): Promise<StormFigures> {
  const redis = await startRedis({ port: await freePortIn(6440, 6449) });
  const relays: FileRelay[] = [];
  const clients: StormClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'parley-drain-storm-'));
  try {
    const env = {
      PARLEY_REDIS_URL: redis.url,
      PARLEY_DRAIN_MS: String(drainMs),
      PARLEY_LOG_LEVEL: 'info',
    };
    relays.push(
      ...(await Promise.all([
        startRelay(env, join(dir, 'a.log')),
        // B logs every login ("connected", debug): its own times of the storm.
        startRelay({ ...env, PARLEY_LOG_LEVEL: 'debug' }, join(dir, 'b.log')),
      ])),
    );
    const [a, b] = relays as [FileRelay, FileRelay];
    for (let i = 0; i < CLIENTS; i++) {
      const token = jwt.sign(
        { sub: `u${i}`, parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] } },
        BENCH_SECRET,
        { algorithm: 'HS256', expiresIn: 3600 },
      );
      clients.push(new StormClient(token, `/topic/room.${i % ROOMS}`));
    }
    // Onto A in batches of 200.
    for (let i = 0; i < CLIENTS; i += 200) {
      await Promise.all(
        clients.slice(i, i + 200).map((c) => new Promise<void>((r) => c.open(a.url, r, false))),
      );
    }
    let back = 0;
    for (const c of clients) {
      const toB = (): void => c.open(b.url, () => back++, true);
      c.reconnect = () => {
        const delay = c.hint === undefined ? 0 : Math.random() * c.hint;
        setTimeout(toB, delay);
        // A refused or failed attempt on B (before CONNECTED) retries after 100 ms.
        c.reconnect = () => setTimeout(toB, 100);
      };
    }
    const t0 = performance.now();
    const wall0 = Date.now();
    a.child.kill('SIGTERM');
    const ok = await until(() => back === CLIENTS, drainMs + 120_000);
    const allBackMs = Math.round(performance.now() - t0);
    await a.exited;
    const connectTimes = logTimes(b.log, 'connected');
    const endTimes = logTimes(a.log, 'connection closed');
    return {
      drainMs,
      clients: CLIENTS,
      moved: clients.filter((c) => c.movedAt !== undefined).length,
      peak100ms: peak(connectTimes, wall0, 100) * 10,
      peak1s: peak(connectTimes, wall0, 1000),
      endsPeak1s: peak(endTimes, wall0, 1000),
      allBackMs: ok ? allBackMs : NaN,
      retries: clients.reduce((n, c) => n + Math.max(0, c.attempts - 2), 0),
    };
  } finally {
    for (const c of clients) c.close();
    for (const r of relays) if (r.child.exitCode === null) r.child.kill('SIGTERM');
    await Promise.all(relays.map((r) => r.exited));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: StormFigures[] = [];
for (const drainMs of DRAINS) {
  process.stdout.write(`PARLEY_DRAIN_MS=${drainMs}, ${CLIENTS} clients… `);
  const r = await runOnce(drainMs);
  results.push(r);
  process.stdout.write(`peak ${r.peak1s}/s (1 s bins), ${r.peak100ms}/s (100 ms bins)\n`);
}
console.log(
  '\n| PARLEY_DRAIN_MS | clients | moved to B | peak CONNECTs/s on B (1 s bins) | peak CONNECTs/s on B (100 ms bins) | peak ends/s on A (1 s bins) | all back after | retries |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.drainMs} | ${r.clients} | ${r.moved} | ${r.peak1s} | ${r.peak100ms} | ${r.endsPeak1s} | ${(r.allBackMs / 1000).toFixed(1)} s | ${r.retries} |`,
  );
}
process.exit(0);
