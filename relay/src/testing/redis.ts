import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isCI } from './ci.js';

/** A private `redis-server` started by {@link startRedis}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Shuts the server down (SIGTERM, SIGKILL after 5 s) and removes its temp dir. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL (a crash); `restart()` brings it back on the same port. */
  kill(): Promise<void>;
  /** Kills the server if it runs and starts a fresh one (no data: nothing is persisted) on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Thaws a paused server (SIGCONT); it then answers what it received meanwhile. */
  resume(): void;
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
  /** How long to wait for the server to answer PING (default 10 s). */
  timeoutMs?: number;
  /** Port to listen on (default: a free one the OS picks); see {@link freePortIn}. */
  port?: number;
}

/** A private Redis Cluster started by {@link startRedisCluster}. */
export interface RedisClusterServer {
  /** One `redis://127.0.0.1:<port>` per master. */
  urls: string[];
  ports: number[];
  /**
   * Kills master `index` (SIGKILL: its data is lost), starts it again with its cluster config
   * (so it takes its slots back) and waits for `cluster_state:ok` on every node.
   */
  restartNode(index: number): Promise<void>;
  /** Stops every node and removes the temp dir. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server not found on PATH: install it with "apt-get install redis-server" (Debian/Ubuntu) or "brew install redis"';

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Whether Redis tests can run here (`redis-server` and `redis-cli` on PATH). Under CI (`CI=true` or `CI=1`) a
 * missing Redis is a failure: this throws instead of letting the tests be skipped.
 */
export function redisAvailable(): boolean {
  if (onPath('redis-server') && onPath('redis-cli')) return true;
  if (isCI()) throw new Error(INSTALL_HINT);
  console.warn(`${INSTALL_HINT}; skipping Redis tests`);
  return false;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/**
 * The first port of `from`..`to` (inclusive) that nobody listens on right now on 127.0.0.1, for
 * tests told to keep their servers in a given range. Rejects when every one is taken.
 */
export async function freePortIn(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/** Every server still running and every temp dir, cleaned up when the test process exits. */
const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHook = false;
function cleanUpOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}
function track(child: ChildProcess): void {
  cleanUpOnExit();
  running.add(child);
  child.once('exit', () => running.delete(child));
}
function tempDir(prefix: string): { path: string; remove(): void } {
  cleanUpOnExit();
  const path = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(path);
  return {
    path,
    remove() {
      dirs.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends one command to `127.0.0.1:<port>` in RESP and returns the reply as text (simple string,
 * error or bulk string). Good enough for PING, CLUSTER INFO and the like; not a client.
 */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = Buffer.alloc(0);
    const done = (err: Error | null, reply?: string): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(reply ?? '');
    };
    socket.setTimeout(2000, () => done(new Error(`no reply from 127.0.0.1:${port}`)));
    socket.once('error', (err) => done(err));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const eol = data.indexOf('\r\n');
      if (eol < 0) return;
      const head = data.subarray(0, eol).toString();
      if (head.startsWith('+') || head.startsWith(':')) done(null, head.slice(1));
      else if (head.startsWith('-')) done(new Error(head.slice(1)));
      else if (head.startsWith('$')) {
        const len = Number(head.slice(1));
        if (len < 0) done(null, '');
        else if (data.length >= eol + 2 + len)
          done(null, data.subarray(eol + 2, eol + 2 + len).toString());
      } else done(new Error(`unexpected reply ${head}`));
    });
    const resp = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    socket.write(resp);
  });
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(20);
  }
  throw new Error(`${what} within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

interface Node {
  port: number;
  child?: ChildProcess;
  output: string;
}

/** `{ port: '1' }` → `['--port', '1']` */
const flags = (config: Record<string, string>): string[] =>
  Object.entries(config).flatMap(([name, value]) => [`--${name}`, value]);

function spawnNode(node: Node, dir: string, args: string[]): ChildProcess {
  const config = {
    port: String(node.port),
    bind: '127.0.0.1',
    save: '',
    appendonly: 'no',
    dir,
    logfile: '',
  };
  const child = spawn('redis-server', [...flags(config), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const collect = (chunk: Buffer): void => {
    node.output = (node.output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  node.child = child;
  return child;
}

async function startNode(
  node: Node,
  dir: string,
  args: string[],
  timeoutMs: number,
): Promise<void> {
  const child = spawnNode(node, dir, args);
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(`redis-server on port ${node.port} did not answer PING`, timeoutMs, async () => {
    if (exited) throw new Error(`redis-server exited:\n${node.output}`);
    return (await redisCommand(node.port, 'PING')) === 'PONG';
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
}

async function killNode(node: Node, signal: NodeJS.Signals): Promise<void> {
  const child = node.child;
  node.child = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGCONT');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a private `redis-server` on a free loopback port with no persistence, and resolves
 * once it answers PING. Call `stop()` in `afterAll`.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = tempDir('parley-redis-');
  const node: Node = { port: options.port ?? (await freePort()), output: '' };
  const args = options.args ?? [];
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    await startNode(node, dir.path, args, timeoutMs);
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${node.port}`,
    port: node.port,
    kill: () => killNode(node, 'SIGKILL'),
    pause: () => node.child?.kill('SIGSTOP'),
    resume: () => node.child?.kill('SIGCONT'),
    async restart() {
      await killNode(node, 'SIGKILL');
      await startNode(node, dir.path, args, timeoutMs);
    },
    async stop() {
      await killNode(node, 'SIGTERM');
      dir.remove();
    },
  };
}

/** Runs a command to completion, collecting its output (killed after `timeoutMs`). */
function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Starts a Redis Cluster of three masters (no replicas) on free loopback ports, creates it
 * with `redis-cli --cluster create` and resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(
  options: { timeoutMs?: number } = {},
): Promise<RedisClusterServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dir = tempDir('parley-redis-cluster-');
  const nodes: Node[] = [];
  const nodeArgs = (node: Node, i: number): string[] =>
    flags({
      'cluster-enabled': 'yes',
      'cluster-config-file': join(dir.path, `nodes-${node.port}.conf`),
      'cluster-port': String(bus[i]),
      'cluster-node-timeout': '5000',
    });
  const clusterOk = async (): Promise<void> => {
    for (const node of nodes) {
      await waitFor(`node ${node.port} did not report cluster_state:ok`, timeoutMs, async () =>
        (await redisCommand(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
  };
  const bus: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => killNode(n, 'SIGTERM')));
    dir.remove();
  };
  try {
    const ports = new Set<number>();
    while (ports.size < 6) ports.add(await freePort());
    const [p1, p2, p3, b1, b2, b3] = [...ports] as [number, number, number, number, number, number];
    bus.push(b1, b2, b3);
    for (const [i, port] of [p1, p2, p3].entries()) {
      const node: Node = { port, output: '' };
      nodes.push(node);
      await startNode(node, dir.path, nodeArgs(node, i), timeoutMs);
    }
    const create = await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      timeoutMs,
    );
    if (create.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.output}`);
    await clusterOk();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    ports: nodes.map((n) => n.port),
    async restartNode(index) {
      const node = nodes[index];
      if (!node) throw new RangeError(`no node ${index}`);
      await killNode(node, 'SIGKILL');
      await startNode(node, dir.path, nodeArgs(node, index), timeoutMs);
      await clusterOk();
    },
    stop,
  };
}
