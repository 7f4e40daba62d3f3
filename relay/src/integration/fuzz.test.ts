/**
 * Bounded, deterministic fuzzing of a live relay process.
 *
 * A healthy pair (alice → bob in a Spring-style room) keeps chatting while hundreds of
 * short-lived raw WebSockets send valid, mutated and random STOMP, some before a valid CONNECT
 * and some after. Every connection must end the STOMP way (ERROR with `message` and
 * `parley-reason`, then a close) or stay open until the test closes it; the relay must stay up,
 * keep serving the pair without gaps, log no internal errors, and give back the memory the bad
 * connections made it buffer (RSS from /proc after a forced full GC, before and after; two in five of
 * the connections leave a large partial frame behind, so a leak of buffered frames shows).
 *
 * The cases come from fast-check with a fixed seed and a fixed count, so every run sends the same
 * bytes; `PARLEY_FUZZ_SEED=<n>` explores other inputs locally.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StompParser, header } from '../codec/index.js';
import type { Frame } from '../codec/index.js';
import { concat, mutate, mutationArb, split } from '../codec/mutate.harness.js';
import type { Mutation } from '../codec/mutate.harness.js';
import { REASONS } from '../reasons.js';
import { connectFrame, signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 20_251_124);
/** Fuzz connections, not counting warm-up and cool-down. */
const CASES = 800;
/** The healthy pair must still chat after every round of this many connections. */
const ROUND = 100;
/** Connections open at once. */
const CONCURRENCY = 40;
/** Largest frame the relay under test accepts: big enough that buffered frames show in RSS. */
const MAX_FRAME = 256 * 1024;
/** RSS growth allowed from the warm baseline to after the run; a leak of buffers is far above. */
const RSS_BOUND_MB = 30;

const utf8 = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const KNOWN_REASONS = new Set<string>(Object.values(REASONS));

const HEALTHY_GRANTS = { sub: ['/sub/chat/rooms/*'], pub: ['/sub/chat/rooms/*'] };
const FUZZ_GRANTS = {
  sub: ['/sub/**', '/topic/fuzz.*', '/queue/fuzz.*'],
  pub: ['/sub/**', '/topic/fuzz.*', '/queue/fuzz.*', '/user/*/queue/*'],
};
const FUZZ_USERS = 5;

/** What a bad client may send before CONNECT; `t` is a valid token. */
const BEFORE: Array<(t: string) => string> = [
  (t) => connectFrame(t, { 'heart-beat': '0,0' }),
  (t) => `STOMP\naccept-version:1.0,1.1,1.2\nhost:x\npasscode:${t}\n\n\0`,
  (t) => `CONNECT\nlogin:\npasscode:${t}\n\n\0`, // STOMP 1.0, login/passcode form
  (t) => connectFrame(t, { 'accept-version': '1.1,1.0', 'heart-beat': '100,100' }),
  () => connectFrame('not.a.jwt'),
  () => connectFrame(undefined),
  () => 'SEND\ndestination:/pub/chat/rooms/lobby\n\nbefore connect\0',
  () => '\n',
];

/** What a client may send once connected: every command, with the relay's newer features. */
const AFTER: string[] = [
  'SUBSCRIBE\nid:sub-0\ndestination:/sub/chat/rooms/lobby\nreceipt:r1\n\n\0',
  'SEND\ndestination:/pub/chat/rooms/lobby\ncontent-type:application/json\nparley-sender:alice\n\n{"type":"TALK","sender":"alice","message":"안녕"}\0',
  'SEND\ndestination:/topic/fuzz.a\ncontent-length:5\n\nhello\0',
  'SUBSCRIBE\nid:q\ndestination:/queue/fuzz.jobs\nack:client-individual\n\n\0',
  'SEND\ndestination:/queue/fuzz.jobs\nreceipt:j\n\njob\0',
  'ACK\nid:1\n\n\0',
  'NACK\nid:1\n\n\0',
  'BEGIN\ntransaction:t1\n\n\0',
  'SEND\ndestination:/sub/fuzz/x\ntransaction:t1\n\nin tx\0',
  'COMMIT\ntransaction:t1\n\n\0',
  'ABORT\ntransaction:t1\n\n\0',
  'SUBSCRIBE\nid:dm\ndestination:/user/queue/dm\n\n\0',
  'SEND\ndestination:/user/fuzz-1/queue/dm\n\nhi\0',
  'UNSUBSCRIBE\nid:sub-0\nreceipt:u\n\n\0',
  'SEND\ndestination:/topic/fuzz.b\nx-escaped:a\\cb\\\\c\n\n\0',
  'DISCONNECT\nreceipt:bye\n\n\0',
  '\n',
  '\r\n',
  // History and recovery, kinds, client ids.
  'SUBSCRIBE\nid:since\ndestination:/sub/chat/rooms/lobby\nparley-since:1\nreceipt:rs\n\n\0',
  'SUBSCRIBE\nid:h\ndestination:/user/queue/history\n\n\0',
  'SEND\ndestination:/parley/history\nparley-target:/sub/chat/rooms/lobby\nparley-limit:5\nreply-to:/user/queue/history\nparley-request-id:q1\n\n\0',
  'SEND\ndestination:/pub/chat/rooms/lobby\nparley-kind:typing\n\n\0',
  'SEND\ndestination:/pub/chat/rooms/lobby\nparley-client-id:c-1\nreceipt:c\n\nmine\0',
];

const spliceMaterial = fc
  .constantFrom(...AFTER, ...BEFORE.map((f) => f('e30.e30.sig')))
  .map((s) => utf8.encode(s));

interface FuzzCase {
  protocols: string[];
  /** CONNECT with a good token and wait for CONNECTED before the fuzz bytes. */
  connectFirst?: { acceptVersion?: string; heartbeat: string };
  before: number[];
  after: number[];
  /** Occasionally many SENDs at once, past the rate limit. */
  flood: boolean;
  mutations: Mutation[];
  cuts: number[];
  /** Send chunks that are valid UTF-8 as text WebSocket messages. */
  text: boolean;
  /** A large frame left incomplete at the end: what a leak of buffered frames would keep. */
  bigTail?: { withLength: boolean; declared: number; sent: number };
  waitMs: number;
  /** Drop the TCP connection instead of a WebSocket close. */
  abrupt: boolean;
  user: number;
  /** One of the big-buffer connections (see holderArb). */
  holder?: boolean;
}

const fuzzArb: fc.Arbitrary<FuzzCase> = fc.record(
  {
    protocols: fc.constantFrom(['v12.stomp'], ['v10.stomp', 'v11.stomp', 'v12.stomp'], []),
    connectFirst: fc.option(
      fc.record(
        {
          acceptVersion: fc.constantFrom('1.2', '1.1,1.0', undefined),
          heartbeat: fc.constantFrom('0,0', '0,0', '100,100'),
        },
        { requiredKeys: ['heartbeat'] },
      ),
      { nil: undefined, freq: 3 },
    ),
    before: fc.array(fc.nat(BEFORE.length - 1), { minLength: 1, maxLength: 2 }),
    after: fc.array(fc.nat(AFTER.length - 1), { minLength: 1, maxLength: 6 }),
    flood: fc.nat(39).map((n) => n === 0),
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
      {
        weight: 4,
        arbitrary: fc.array(mutationArb(spliceMaterial), { minLength: 1, maxLength: 5 }),
      },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    text: fc.boolean(),
    bigTail: fc.option(
      fc.record({
        withLength: fc.boolean(),
        // Sometimes past the limit: frame-too-large.
        declared: fc.integer({ min: MAX_FRAME / 2, max: MAX_FRAME + 4096 }),
        sent: fc.integer({ min: 1, max: 64 * 1024 }),
      }),
      { nil: undefined, freq: 2 },
    ),
    waitMs: fc.oneof(
      { weight: 24, arbitrary: fc.integer({ min: 10, max: 200 }) },
      // Long enough for the connect timeout and the heart-beat watchdog to fire.
      { weight: 1, arbitrary: fc.integer({ min: 1100, max: 1800 }) },
    ),
    abrupt: fc.boolean(),
    user: fc.nat(FUZZ_USERS - 1),
  },
  {
    requiredKeys: [
      'protocols',
      'before',
      'after',
      'flood',
      'mutations',
      'cuts',
      'text',
      'waitMs',
      'abrupt',
      'user',
    ],
  },
);

/**
 * A connection that leaves one large, valid but incomplete frame in the relay's parser (before
 * or after CONNECT) and is then closed: if the relay leaked sessions or parsers, these buffers
 * would stay, and they add up to far more than the RSS bound.
 */
const holderArb: fc.Arbitrary<FuzzCase> = fc
  .record({
    protocols: fc.constant<string[]>(['v12.stomp']),
    connectFirst: fc.option(fc.constant({ acceptVersion: '1.2', heartbeat: '0,0' }), {
      nil: undefined,
    }),
    withLength: fc.boolean(),
    declared: fc.integer({ min: (MAX_FRAME * 3) / 4, max: MAX_FRAME - 512 }),
    small: fc.integer({ min: 1, max: 4096 }),
    waitMs: fc.integer({ min: 10, max: 200 }),
    abrupt: fc.boolean(),
    user: fc.nat(FUZZ_USERS - 1),
  })
  .map(({ withLength, declared, small, connectFirst, ...rest }): FuzzCase => ({
    ...rest,
    ...(connectFirst && { connectFirst }),
    before: [],
    after: [],
    flood: false,
    mutations: [],
    cuts: [],
    text: false,
    // Most of the body is sent, so the buffered bytes are resident (RSS counts touched pages).
    bigTail: { withLength, declared, sent: declared - small },
    holder: true,
  }));

const caseArb = fc.oneof({ weight: 3, arbitrary: fuzzArb }, { weight: 2, arbitrary: holderArb });

function connectBytes(token: string, c: NonNullable<FuzzCase['connectFirst']>): string {
  const version = c.acceptVersion === undefined ? '' : `accept-version:${c.acceptVersion}\n`;
  return `CONNECT\n${version}host:localhost\nheart-beat:${c.heartbeat}\nAuthorization:Bearer ${token}\n\n\0`;
}

/** The WebSocket messages of a case: seeds, mutated, chunked; text where the chunk allows. */
function materialize(c: FuzzCase, token: string): Array<string | Uint8Array> {
  const frames = c.connectFirst ? [] : c.before.map((i) => BEFORE[i]!(token));
  frames.push(...c.after.map((i) => AFTER[i]!));
  if (c.flood) frames.push('SEND\ndestination:/sub/fuzz/flood\n\nf\0'.repeat(260));
  const data = c.mutations.reduce(mutate, utf8.encode(frames.join('')));
  const chunks: Array<string | Uint8Array> = split(data, c.cuts).map((chunk) => {
    if (!c.text) return chunk;
    try {
      return strictUtf8.decode(chunk);
    } catch {
      return chunk;
    }
  });
  if (c.bigTail) {
    const { withLength, declared, sent } = c.bigTail;
    const head = withLength
      ? `SEND\ndestination:/sub/fuzz/big\ncontent-length:${declared}\n\n`
      : 'SEND\ndestination:/sub/fuzz/big\n\n';
    chunks.push(
      concat([utf8.encode(head), new Uint8Array(Math.min(sent, declared - 1)).fill(0x62)]),
    );
  }
  return chunks;
}

/** A raw WebSocket that parses what the relay sends and never throws from its callbacks. */
interface Conn {
  frames: Frame[];
  /** Set when the relay sent bytes that are not STOMP. */
  parseError?: unknown;
  /** What the `ws` client itself reported (e.g. a WebSocket protocol violation by the relay). */
  socketError?: string;
  closedByUs: boolean;
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  send(data: string | Uint8Array): void;
  /** The first frame (received so far or later) matching `pred`; rejects on close or after `ms`. */
  next(pred: (f: Frame) => boolean, what: string, ms?: number): Promise<Frame>;
  close(abrupt?: boolean): Promise<{ code: number; reason: string }>;
  /**
   * Resolves when the relay has read everything sent so far: uWS handles a socket's messages in
   * order, so its pong comes after the session parsed them (or the socket closed).
   */
  barrier(): Promise<void>;
}

async function open(url: string, protocols: string[], escapes: boolean): Promise<Conn> {
  const ws = new WebSocket(url, protocols);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  let isClosed = false;
  let closeCode = 0;
  const parser = new StompParser(
    { onFrame: (f) => frames.push(f), onHeartbeat: () => undefined },
    { maxFrameSize: 64 * 1024 * 1024 },
  );
  parser.escapes = escapes;
  const conn: Conn = {
    frames,
    closedByUs: false,
    closed: new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        isClosed = true;
        closeCode = code;
        resolve({ code, reason: reason.toString() });
        wake();
      });
    }),
    isClosed: () => isClosed,
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    next: (pred, what, ms = 5000) =>
      new Promise<Frame>((resolve, reject) => {
        const done = (): void => {
          waiters.delete(check);
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`no ${what} within ${ms} ms; got ${frames.map((f) => f.command).join(',')}`),
          );
        }, ms);
        const check = (): void => {
          const f = frames.find(pred);
          if (f) {
            done();
            resolve(f);
          } else if (isClosed) {
            done();
            reject(
              new Error(
                `closed (${closeCode}) before ${what}; got ${frames.map((x) => x.command).join(',')}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      }),
    barrier: () =>
      new Promise<void>((resolve) => {
        if (isClosed) return resolve();
        const timer = setTimeout(resolve, 5000);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        ws.once('pong', done);
        void conn.closed.then(done);
        ws.ping();
      }),
    close: (abrupt = false) => {
      if (!isClosed) {
        conn.closedByUs = true;
        if (abrupt) ws.terminate();
        else ws.close();
      }
      return conn.closed;
    },
  };
  ws.on('message', (data: Buffer) => {
    if (conn.parseError !== undefined) return;
    try {
      parser.push(new Uint8Array(data));
    } catch (err) {
      conn.parseError = err;
    }
    wake();
  });
  ws.on('error', (err) => {
    conn.socketError ??= err.message; // a close follows
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return conn;
}

/**
 * Forces a full garbage collection in the relay process, so that RSS shows what is retained and
 * not what merely waits for the collector. SIGUSR1 opens Node's inspector (on the random port
 * that `--inspect-port=0` asks for, on 127.0.0.1); `HeapProfiler.collectGarbage` runs the GC.
 */
async function collectGarbage(relay: RelayProcess): Promise<void> {
  const listening = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/;
  if (!listening.test(relay.output())) process.kill(relay.pid!, 'SIGUSR1');
  const end = Date.now() + 10_000;
  let url: string | undefined;
  while (!(url = listening.exec(relay.output())?.[1])) {
    if (Date.now() > end) throw new Error(`the relay's inspector did not open:\n${relay.output()}`);
    await sleep(20);
  }
  const inspector = new WebSocket(url);
  await new Promise((resolve, reject) => {
    inspector.once('open', resolve);
    inspector.once('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    inspector.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; error?: unknown };
      if (reply.id !== 1) return;
      if (reply.error) reject(new Error(JSON.stringify(reply.error)));
      else resolve();
    });
    inspector.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  });
  inspector.close();
  await sleep(200); // array buffers are freed by a sweeper thread just after the GC
}

/** RSS of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

interface Stats {
  reasons: Map<string, number>;
  closedByRelay: number;
  closedByTest: number;
  disconnects: number;
  framesAccepted: number;
  /** Bytes that holder connections made the relay buffer (and give back after the close). */
  heldBytes: number;
}

const emptyStats = (): Stats => ({
  reasons: new Map(),
  closedByRelay: 0,
  closedByTest: 0,
  disconnects: 0,
  framesAccepted: 0,
  heldBytes: 0,
});

describe('relay under fuzzed input', () => {
  let relay: RelayProcess;
  let alice: Conn;
  let bob: Conn;
  let round = 0;
  let stats = emptyStats();

  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        PARLEY_LOG_LEVEL: 'info',
        PARLEY_CONNECT_TIMEOUT_MS: '1000',
        PARLEY_HEARTBEAT_MS: '300',
        PARLEY_HEARTBEAT_MIN_MS: '300',
        PARLEY_MAX_FRAME_SIZE: String(MAX_FRAME),
        // Replays and history pages stay small, so the heap's high-water mark does not drift
        // with the size of the lobby (retained history is memory the relay keeps on purpose).
        PARLEY_HISTORY_SIZE: '100',
        // RSS is measured after a forced full GC (see collectGarbage, which needs the inspector
        // port). glibc would still keep the freed 64–256 KiB chunks in its arenas, which RSS
        // cannot tell from a leak; with this threshold they are mmapped, and unmapped when freed.
        // Measured here: growth of -4…+1 MiB normally and +75 MiB with every parser leaked;
        // +19…+48 MiB without any leak under glibc's defaults, -8…+19 MiB without the GC.
        MALLOC_MMAP_THRESHOLD_: '65536',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect-port=0`.trim(),
      },
    });
    const token = (sub: string): string => signToken(relay.secret, { sub, parley: HEALTHY_GRANTS });
    alice = await open(relay.wsUrl, ['v12.stomp'], true);
    alice.send(connectFrame(token('alice')));
    await alice.next((f) => f.command === 'CONNECTED', 'CONNECTED');
    bob = await open(relay.wsUrl, ['v12.stomp'], true);
    bob.send(connectFrame(token('bob')));
    await bob.next((f) => f.command === 'CONNECTED', 'CONNECTED');
    bob.send('SUBSCRIBE\nid:lobby\ndestination:/sub/chat/rooms/lobby\nreceipt:s\n\n\0');
    await bob.next((f) => f.command === 'RECEIPT', 'RECEIPT');
  });

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await relay?.stop();
  });

  /** Alice still reaches Bob, stamped with her verified id. */
  async function stillChatting(): Promise<void> {
    const tag = `healthy-${++round}`;
    alice.send(`SEND\ndestination:/pub/chat/rooms/lobby\nreceipt:${tag}\n\n${tag}\0`);
    await alice.next((f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === tag, tag);
    const m = await bob.next((f) => f.command === 'MESSAGE' && text(f.body) === tag, tag);
    expect(header(m, 'parley-sender')).toBe('alice');
    expect(header(m, 'destination')).toBe('/sub/chat/rooms/lobby');
  }

  /** Runs one case; returns what was wrong with the relay's behaviour (nothing, ideally). */
  async function runCase(c: FuzzCase): Promise<string[]> {
    const problems: string[] = [];
    const token = signToken(relay.secret, { sub: `fuzz-${c.user}`, parley: FUZZ_GRANTS });
    const conn = await open(relay.wsUrl, c.protocols, false);
    if (c.connectFirst) {
      conn.send(connectBytes(token, c.connectFirst));
      await conn.next((f) => f.command !== 'MESSAGE', 'CONNECTED');
      if (conn.frames[0]?.command !== 'CONNECTED') {
        problems.push(`valid CONNECT answered with ${conn.frames[0]?.command}`);
      }
    }
    const messages = materialize(c, token);
    for (const m of messages) conn.send(m);
    await conn.barrier();
    const byRelay = await Promise.race([
      conn.closed.then(() => true),
      sleep(c.waitMs).then(() => false),
    ]);
    const { code } = byRelay ? await conn.closed : await conn.close(c.abrupt);
    const closedByRelay = byRelay || !conn.closedByUs;

    if (conn.parseError !== undefined)
      problems.push(`relay sent unparseable bytes: ${String(conn.parseError)}`);
    const errors = conn.frames.filter((f) => f.command === 'ERROR');
    for (const e of errors) {
      const reason = header(e, 'parley-reason');
      const message = header(e, 'message');
      if (!message) problems.push(`ERROR without a message header: ${JSON.stringify(e.headers)}`);
      if (reason === undefined || !KNOWN_REASONS.has(reason)) {
        problems.push(`ERROR without a known parley-reason: ${JSON.stringify(e.headers)}`);
      } else {
        stats.reasons.set(reason, (stats.reasons.get(reason) ?? 0) + 1);
      }
      if (reason === REASONS.internal) problems.push(`internal-error: ${message}`);
    }
    if (errors.length > 1) problems.push(`${errors.length} ERROR frames on one connection`);
    if (errors.length === 1 && conn.frames.at(-1)?.command !== 'ERROR') {
      problems.push(`frames after ERROR: ${conn.frames.map((f) => f.command).join(',')}`);
    }
    stats.framesAccepted += conn.frames.filter((f) => f.command !== 'ERROR').length;
    if (closedByRelay) {
      stats.closedByRelay++;
      const sentDisconnect = messages
        .map((m) => (typeof m === 'string' ? m : text(m)))
        .join('')
        .includes('DISCONNECT');
      if (errors.length === 1 && code !== 4000) problems.push(`ERROR, then close code ${code}`);
      if (errors.length === 0) {
        if (code === 1000 && sentDisconnect) stats.disconnects++;
        else {
          const why = conn.socketError === undefined ? '' : ` (client: ${conn.socketError})`;
          problems.push(`closed by the relay (code ${code}) without an ERROR frame${why}`);
        }
      }
    } else {
      stats.closedByTest++;
      if (c.holder && c.bigTail) {
        stats.heldBytes += c.bigTail.sent;
      }
    }
    return problems;
  }

  async function runCases(cases: FuzzCase[], label: string): Promise<void> {
    const failures: string[] = [];
    await pool(cases, CONCURRENCY, async (c, i) => {
      let problems: string[];
      try {
        problems = await runCase(c);
      } catch (err) {
        problems = [String(err)];
      }
      if (problems.length > 0) {
        const bytes = JSON.stringify(
          materialize(c, '<token>').map((m) => (typeof m === 'string' ? m : text(m))),
        );
        failures.push(
          `${label} case ${i}: ${problems.join('; ')}\n  case: ${JSON.stringify({ ...c, mutations: c.mutations.length })}\n  sent: ${bytes.slice(0, 600)}`,
        );
      }
    });
    expect(failures.slice(0, 5).join('\n')).toBe('');
  }

  it(`survives ${CASES} fuzzed connections; the pair keeps chatting; memory comes back`, async () => {
    const pid = relay.pid!;
    const procfs = existsSync(`/proc/${pid}/status`);
    // Warm up every code path (and the JIT) before taking the baseline.
    await runCases(fc.sample(caseArb, { seed: SEED + 1, numRuns: 2 * CONCURRENCY }), 'warm-up');
    await stillChatting();
    await collectGarbage(relay);
    const before = procfs ? rssMiB(pid) : 0;
    stats = emptyStats();

    const cases = fc.sample(caseArb, { seed: SEED, numRuns: CASES });
    for (let i = 0; i < cases.length; i += ROUND) {
      await runCases(cases.slice(i, i + ROUND), `round ${i / ROUND + 1}`);
      expect(process.kill(pid, 0)).toBe(true);
      await stillChatting();
    }

    // Settle, then a few well-behaved connections, then measure.
    await sleep(1000);
    await pool(
      Array.from({ length: 30 }, (_, i) => i),
      10,
      async (i) => {
        const c = await open(relay.wsUrl, ['v12.stomp'], true);
        c.send(connectFrame(signToken(relay.secret, { sub: `cool-${i}`, parley: FUZZ_GRANTS })));
        c.send('SUBSCRIBE\nid:0\ndestination:/sub/cool\n\n\0SEND\ndestination:/sub/cool\n\nx\0');
        c.send('DISCONNECT\nreceipt:d\n\n\0');
        await c.next((f) => f.command === 'RECEIPT', 'RECEIPT');
        await c.closed;
      },
    );
    await stillChatting();
    await collectGarbage(relay);
    const after = procfs ? rssMiB(pid) : 0;

    // Bob saw every stored message to the lobby exactly once, in order: offsets have no gap.
    // (Ephemeral kinds such as typing are delivered with offset 0 and never stored.)
    const offsets = bob.frames
      .filter((f) => f.command === 'MESSAGE')
      .map((f) => Number(header(f, 'parley-offset')))
      .filter((o) => o !== 0);
    expect(offsets.length).toBeGreaterThan(CASES / ROUND);
    offsets.forEach((o, i) => expect(o).toBe(offsets[0]! + i));
    // The fuzzers' `parley-sender:alice` was dropped: every sender is the verified one.
    const lobby = bob.frames.filter((x) => x.command === 'MESSAGE');
    const fromFuzzers = lobby.filter((f) => !text(f.body).startsWith('healthy-'));
    expect(fromFuzzers.length).toBeGreaterThan(0);
    for (const f of fromFuzzers) expect(header(f, 'parley-sender')).toMatch(/^fuzz-\d$/);
    for (const f of lobby.filter((x) => !fromFuzzers.includes(x))) {
      expect(header(f, 'parley-sender')).toBe('alice');
    }

    expect(process.kill(pid, 0)).toBe(true);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    const faults = relay
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l));
    expect(faults.slice(0, 3)).toEqual([]);

    const summary = {
      connections: CASES,
      closedByRelay: stats.closedByRelay,
      closedByTest: stats.closedByTest,
      disconnects: stats.disconnects,
      framesAccepted: stats.framesAccepted,
      heldMiB: Math.round(stats.heldBytes / 1024 / 1024),
      reasons: Object.fromEntries([...stats.reasons].sort((a, b) => b[1] - a[1])),
      rssMiB: {
        before: Math.round(before),
        after: Math.round(after),
        growth: +(after - before).toFixed(1),
      },
    };
    console.info(`fuzz summary ${JSON.stringify(summary)}`);
    // The fuzz reached deep: many different reasons, valid input accepted, both endings seen.
    expect(stats.reasons.size).toBeGreaterThanOrEqual(6);
    expect(stats.closedByTest).toBeGreaterThan(20);
    expect(stats.closedByRelay).toBeGreaterThan(100);
    // The bound can see a leak: what the relay was made to buffer is well above it.
    expect(stats.heldBytes / 1024 / 1024).toBeGreaterThan(1.5 * RSS_BOUND_MB);
    if (procfs) expect(after - before).toBeLessThan(RSS_BOUND_MB);
  }, 120_000);
});
