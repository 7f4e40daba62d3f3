import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { addInto, newHistogram } from '../util/histogram.js';
import type {
  ClientSpec,
  Command,
  OpenResult,
  PublishResult,
  Reply,
  Stats,
  WorkerInit,
} from './protocol.js';

const require = createRequire(import.meta.url);

/** Starts a worker on a TypeScript file, registering tsx inside the worker first. */
function tsWorker(file: URL, data: WorkerInit): Worker {
  const api = pathToFileURL(
    join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'),
  ).href;
  const code =
    `import(${JSON.stringify(api)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true, workerData: data });
}

/** Totals of all workers. */
export interface PoolStats extends Omit<Stats, 'hist'> {
  hist: Uint32Array;
}

type Body<T> = T extends unknown ? Omit<T, 'group'> : never;

/** A group of clients (one per system under test) spread over every worker. */
export interface Clients {
  /** Opens clients (dealt round-robin to workers); `concurrency` connects in flight per worker. */
  open(
    specs: ClientSpec[],
    opts?: { concurrency?: number; timeoutMs?: number },
  ): Promise<OpenResult>;
  /** Sets the body size of every message the group sends and expects. */
  body(size: number): Promise<void>;
  /** Publishes at `rate` messages/s in total (split by publishers per worker) for `durationMs`. */
  publish(rate: number, durationMs: number): Promise<PublishResult>;
  /** Ends a running publish early (the step is overloaded). */
  stopPublish(): Promise<void>;
  /** Starts a measurement window (latency recorded, window counter zeroed); totals at its start. */
  windowStart(): Promise<PoolStats>;
  /** Ends the window and returns the totals with its latency histogram. */
  windowEnd(): Promise<PoolStats>;
  stats(): Promise<PoolStats>;
  /** Waits until every client is ready again (after a server restart), up to `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<PoolStats>;
  /** Closes every client of the group. */
  closeAll(): Promise<void>;
}

/**
 * The coordinator's handle on the load generator: worker threads in this process, each with
 * a share of every group's clients (specs are dealt round-robin, so publishers and subscribers
 * are spread over all workers). The LoadGen itself is the group `default`.
 */
export class LoadGen implements Clients {
  private seq = 0;
  /** Publishing clients per group per worker, to split a publish rate fairly. */
  private readonly publishers = new Map<string, number[]>();
  private readonly groups = new Map<string, Clients>();
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (msg: { id: number; reply: Reply }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.reply.ok) p.resolve(msg.reply.result);
        else p.reject(new Error(`load generator worker: ${msg.reply.error}`));
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    }
  }

  static start(count: number, init: WorkerInit): LoadGen {
    const url = new URL('./worker.ts', import.meta.url);
    return new LoadGen(Array.from({ length: count }, () => tsWorker(url, init)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** The clients of one group. */
  group(name: string): Clients {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = this.makeGroup(name)));
    return g;
  }

  private call<T>(i: number, cmd: Command): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[i]!.postMessage({ id, cmd });
    });
  }

  private all<T>(group: string, cmd: Body<Command> | ((i: number) => Body<Command>)): Promise<T[]> {
    return Promise.all(
      this.workers.map((_, i) =>
        this.call<T>(i, { ...(typeof cmd === 'function' ? cmd(i) : cmd), group } as Command),
      ),
    );
  }

  private makeGroup(group: string): Clients {
    return {
      open: async (specs, opts = {}) => {
        const shares: ClientSpec[][] = this.workers.map(() => []);
        specs.forEach((s, i) => shares[i % shares.length]!.push(s));
        const pubs = this.publishers.get(group) ?? this.workers.map(() => 0);
        shares.forEach((share, i) => {
          pubs[i]! += share.filter((s) => s.pub !== undefined).length;
        });
        this.publishers.set(group, pubs);
        const results = await this.all<OpenResult>(group, (i) => ({
          op: 'open',
          clients: shares[i]!,
          concurrency: opts.concurrency ?? 64,
          timeoutMs: opts.timeoutMs ?? 30_000,
        }));
        const active = results.filter((_, i) => shares[i]!.length > 0);
        return {
          opened: sum(results.map((r) => r.opened)),
          failed: sum(results.map((r) => r.failed)),
          errors: [...new Set(results.flatMap((r) => r.errors))],
          startUs: Math.min(...active.map((r) => r.startUs)),
          endUs: Math.max(...active.map((r) => r.endUs)),
        };
      },
      body: async (size) => {
        await this.all(group, { op: 'body', size });
      },
      publish: async (rate, durationMs) => {
        const perWorker = this.publishers.get(group) ?? [];
        const pubs = sum(perWorker);
        const results = await this.all<PublishResult>(group, (i) => ({
          op: 'publish',
          rate: pubs === 0 ? 0 : (rate * (perWorker[i] ?? 0)) / pubs,
          durationMs,
        }));
        return {
          sent: sum(results.map((r) => r.sent)),
          skipped: sum(results.map((r) => r.skipped)),
        };
      },
      stopPublish: async () => {
        await this.all(group, { op: 'stopPublish' });
      },
      windowStart: async () => merge(await this.all<Stats>(group, { op: 'window', start: true })),
      windowEnd: async () => merge(await this.all<Stats>(group, { op: 'window', start: false })),
      stats: async () => merge(await this.all<Stats>(group, { op: 'stats' })),
      waitReady: async (timeoutMs) =>
        merge(await this.all<Stats>(group, { op: 'waitReady', timeoutMs })),
      closeAll: async () => {
        await this.all(group, { op: 'close' });
        this.publishers.delete(group);
      },
    };
  }

  open(
    specs: ClientSpec[],
    opts?: { concurrency?: number; timeoutMs?: number },
  ): Promise<OpenResult> {
    return this.group('default').open(specs, opts);
  }
  body(size: number): Promise<void> {
    return this.group('default').body(size);
  }
  publish(rate: number, durationMs: number): Promise<PublishResult> {
    return this.group('default').publish(rate, durationMs);
  }
  stopPublish(): Promise<void> {
    return this.group('default').stopPublish();
  }
  windowStart(): Promise<PoolStats> {
    return this.group('default').windowStart();
  }
  windowEnd(): Promise<PoolStats> {
    return this.group('default').windowEnd();
  }
  stats(): Promise<PoolStats> {
    return this.group('default').stats();
  }
  waitReady(timeoutMs: number): Promise<PoolStats> {
    return this.group('default').waitReady(timeoutMs);
  }
  closeAll(): Promise<void> {
    return this.group('default').closeAll();
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function merge(stats: Stats[]): PoolStats {
  const hist = newHistogram();
  for (const s of stats) if (s.hist) addInto(hist, s.hist);
  return {
    received: sum(stats.map((s) => s.received)),
    windowReceived: sum(stats.map((s) => s.windowReceived)),
    sent: sum(stats.map((s) => s.sent)),
    malformed: sum(stats.map((s) => s.malformed)),
    dropped: sum(stats.map((s) => s.dropped)),
    ready: sum(stats.map((s) => s.ready)),
    total: sum(stats.map((s) => s.total)),
    errors: [...new Set(stats.flatMap((s) => s.errors))].slice(0, 10),
    lastReadyUs: Math.max(0, ...stats.map((s) => s.lastReadyUs)),
    hist,
  };
}
