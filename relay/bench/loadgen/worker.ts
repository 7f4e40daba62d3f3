/**
 * A load generator worker thread: owns a share of the simulated clients, in groups (one per
 * system under test), and runs the coordinator's commands against them (see ./pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nowUs } from '../util/clock.js';
import { newHistogram } from '../util/histogram.js';
import { Client, createClient, noteError } from './clients.js';
import type { Counters } from './clients.js';
import { clock } from './mini-ws.js';
import type {
  ClientSpec,
  Command,
  OpenResult,
  PublishResult,
  Reply,
  Stats,
  WorkerInit,
} from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;

interface Group {
  c: Counters;
  clients: Client[];
  /** Set by `stopPublish`: the running publish loop ends at its next tick. */
  stop: boolean;
}

const groups = new Map<string, Group>();

function counters(): Counters {
  return {
    received: 0,
    windowReceived: 0,
    sent: 0,
    malformed: 0,
    dropped: 0,
    ready: 0,
    lastReadyUs: 0,
    measuring: false,
    hist: newHistogram(),
    errors: [],
    bodySize: 100,
    strict: init.strict,
    secret: init.secret,
  };
}

function group(name: string): Group {
  let g = groups.get(name);
  if (!g) groups.set(name, (g = { c: counters(), clients: [], stop: false }));
  return g;
}

async function open(
  g: Group,
  specs: ClientSpec[],
  concurrency: number,
  timeoutMs: number,
): Promise<OpenResult> {
  const fresh = specs.map((s) => createClient(s, g.c));
  g.clients.push(...fresh);
  const errors: string[] = [];
  let opened = 0;
  let failed = 0;
  let next = 0;
  const startUs = nowUs();
  let endUs = startUs;
  const one = async (): Promise<void> => {
    while (next < fresh.length) {
      const client = fresh[next++]!;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.start(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
          }),
        ]);
        opened++;
        endUs = nowUs();
      } catch (err) {
        failed++;
        const text = err instanceof Error ? err.message : String(err);
        if (errors.length < 5 && !errors.includes(text)) errors.push(text);
        client.close();
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, one));
  return { opened, failed, errors, startUs, endUs };
}

/** Sends `rate` messages/s spread round-robin over the group's publishers, for `durationMs`. */
function publish(g: Group, rate: number, durationMs: number): Promise<PublishResult> {
  const pubs = g.clients.filter((cl) => cl.spec.pub !== undefined);
  let sent = 0;
  let skipped = 0;
  if (pubs.length === 0 || rate <= 0) return Promise.resolve({ sent, skipped });
  const start = performance.now();
  let done = 0;
  let i = 0;
  g.stop = false;
  return new Promise((resolve) => {
    const tick = (): void => {
      if (g.stop) durationMs = 0;
      const elapsed = Math.min(performance.now() - start, durationMs);
      const due = Math.floor((rate * elapsed) / 1000) - done;
      for (let k = 0; k < due; k++) {
        const client = pubs[i++ % pubs.length]!;
        if (client.publish()) sent++;
        else skipped++;
      }
      done += Math.max(0, due);
      if (elapsed >= durationMs) {
        g.c.sent += sent;
        resolve({ sent, skipped });
      } else setTimeout(tick, 1);
    };
    tick();
  });
}

function stats(g: Group, withHist: boolean): Stats {
  const c = g.c;
  const s: Stats = {
    received: c.received,
    windowReceived: c.windowReceived,
    sent: c.sent,
    malformed: c.malformed,
    dropped: c.dropped,
    ready: c.ready,
    total: g.clients.length,
    errors: [...c.errors],
    lastReadyUs: c.lastReadyUs,
  };
  if (withHist) s.hist = c.hist.slice();
  return s;
}

async function waitReady(g: Group, timeoutMs: number): Promise<Stats> {
  const until = performance.now() + timeoutMs;
  while (g.c.ready < g.clients.length && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return stats(g, false);
}

async function handle(cmd: Command): Promise<unknown> {
  const g = group(cmd.group);
  switch (cmd.op) {
    case 'open':
      return open(g, cmd.clients, cmd.concurrency, cmd.timeoutMs);
    case 'body':
      g.c.bodySize = cmd.size;
      for (const cl of g.clients) cl.resize();
      return null;
    case 'publish':
      return publish(g, cmd.rate, cmd.durationMs);
    case 'stopPublish':
      g.stop = true;
      return null;
    case 'window':
      if (cmd.start) {
        g.c.hist = newHistogram();
        g.c.windowReceived = 0;
        g.c.measuring = true;
        clock.enabled = true;
        return stats(g, false);
      }
      g.c.measuring = false;
      clock.enabled = [...groups.values()].some((x) => x.c.measuring);
      return stats(g, true);
    case 'stats':
      return stats(g, false);
    case 'waitReady':
      return waitReady(g, cmd.timeoutMs);
    case 'close':
      for (const cl of g.clients) cl.close();
      groups.delete(cmd.group);
      return null;
  }
}

port.on('message', (msg: { id: number; cmd: Command }) => {
  handle(msg.cmd).then(
    (result) => port.postMessage({ id: msg.id, reply: { ok: true, result } satisfies Reply }),
    (err: unknown) => {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      noteError(group(msg.cmd.group).c, error);
      port.postMessage({ id: msg.id, reply: { ok: false, error } satisfies Reply });
    },
  );
});
