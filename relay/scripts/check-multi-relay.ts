// Exercises examples/multi-relay on this machine (not CI: it needs haproxy and redis-server):
//
//   cd relay && node --import tsx scripts/check-multi-relay.ts
//
// Starts every line of examples/multi-relay/Procfile (Redis on a port in 6440–6449, relays A and
// B from source, HAProxy with haproxy.cfg) on free loopback ports, then checks through the proxy
// that (1) two users chat, (2) a SIGTERM to the relay holding a set of clients moves every one of
// them to the other relay (its drain: /readyz 503, ERROR server-shutdown with
// parley-reconnect-after, reconnect through the proxy) with no message lost, and (3) relay A
// exits 0. Exit status 0 when all hold; each process is stopped by its pid at the end.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';
import { freePort, freePortIn } from '../src/testing/redis.js';
import { signToken } from '../src/testing/tokens.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'multi-relay-check-secret-0123456789';
const CLIENTS = 40;
const DRAIN_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

/** `name: command` lines of the Procfile. */
function procfile(): Array<[string, string]> {
  return readFileSync(resolve(root, 'examples/multi-relay/Procfile'), 'utf8')
    .split('\n')
    .filter((l) => /^\w+:/.test(l))
    .map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()];
    });
}

function start(name: string, command: string, env: Record<string, string>): Proc {
  const child = spawn('sh', ['-c', `exec ${command}`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = {
    name,
    child,
    output: '',
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
  };
  const keep = (c: Buffer): void => {
    proc.output = (proc.output + c.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return proc;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

async function httpStatus(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

/** A chat client through the proxy that reconnects (hinted) after server-shutdown. */
class ProxyClient {
  readonly got = new Set<string>();
  /** Sent without a RECEIPT yet; resent (same client id) after a reconnect. */
  readonly outbox = new Set<string>();
  session = '';
  connected = false;
  private hint = 0;
  private client: Client | undefined;
  private lastOffset = 0;
  private epoch = '';
  private stopped = false;

  constructor(
    readonly user: string,
    private readonly url: string,
    private readonly room: string,
  ) {}

  connect(): Promise<void> {
    return new Promise((ready) => {
      const token = signToken(SECRET, {
        sub: this.user,
        parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] },
      });
      const c = new Client({
        webSocketFactory: () => new WebSocket(this.url, ['v12.stomp']),
        connectHeaders: { Authorization: `Bearer ${token}` },
        reconnectDelay: 0,
        heartbeatIncoming: 0,
        heartbeatOutgoing: 0,
        debug: () => undefined,
      });
      this.client = c;
      c.onConnect = (frame) => {
        this.session = frame.headers.session ?? '';
        const receipt = `sub-${this.user}-${Date.now()}`;
        c.watchForReceipt(receipt, () => {
          this.connected = true;
          for (const id of this.outbox) this.transmit(id);
          ready();
        });
        c.subscribe(
          this.room,
          (m) => {
            this.got.add(m.headers['parley-client-id'] ?? m.body);
            this.epoch = m.headers['parley-epoch'] ?? '';
            this.lastOffset = Math.max(this.lastOffset, Number(m.headers['parley-offset']));
          },
          {
            id: 'sub-0',
            receipt,
            ...(this.lastOffset > 0 && {
              'parley-since': String(this.lastOffset),
              'parley-epoch': this.epoch,
            }),
          },
        );
      };
      c.onStompError = (f) => {
        this.hint = Number(f.headers['parley-reconnect-after'] ?? '0');
      };
      c.onWebSocketClose = () => {
        this.connected = false;
        void c.deactivate();
        if (this.stopped || this.client !== c) return;
        setTimeout(() => void this.connect(), Math.random() * (this.hint || 200));
      };
      c.activate();
    });
  }

  /** Sends now if connected; the message stays in the outbox until its RECEIPT. */
  send(id: string): void {
    this.outbox.add(id);
    if (this.connected) this.transmit(id);
  }

  private transmit(id: string): void {
    const c = this.client;
    if (!c?.connected) return;
    const receipt = `p-${id}-${Math.random().toString(36).slice(2, 8)}`;
    c.watchForReceipt(receipt, () => this.outbox.delete(id));
    c.publish({ destination: this.room, body: id, headers: { 'parley-client-id': id, receipt } });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.deactivate();
  }
}

async function main(): Promise<void> {
  const ports = {
    REDIS_PORT: String(await freePortIn(6440, 6449)),
    RELAY_A_PORT: String(await freePort()),
    RELAY_B_PORT: String(await freePort()),
    PROXY_PORT: String(await freePort()),
  };
  const env: Record<string, string> = {
    ...ports,
    // From source (no build needed); tsx resolves from relay/. The pid stays the relay's (exec).
    RELAY_CMD: 'cd relay && exec node --import tsx src/main.ts',
    NODE_ENV: 'production',
    PARLEY_JWT_SECRET: SECRET,
    PARLEY_DRAIN_MS: String(DRAIN_MS),
    PARLEY_TRUSTED_PROXIES: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'info',
  };
  const procs = new Map<string, Proc>();
  const clients: ProxyClient[] = [];
  const relayUrl = (port: string): string => `http://127.0.0.1:${port}`;
  try {
    // The proxy last, once both relays answer (a runner starts all at once; HAProxy's checks
    // then bring each relay into the pool when it is ready).
    const lines = procfile();
    for (const [name, command] of lines) {
      if (name === 'haproxy') continue;
      procs.set(name, start(name, command, env));
      if (name === 'redis') await sleep(300);
    }
    await until(
      'relays ready',
      async () => {
        for (const p of procs.values())
          if (p.child.exitCode !== null)
            throw new Error(`${p.name} exited:\n${p.output.slice(-2000)}`);
        const [a, b] = await Promise.all([
          httpStatus(`${relayUrl(ports.RELAY_A_PORT)}/readyz`),
          httpStatus(`${relayUrl(ports.RELAY_B_PORT)}/readyz`),
        ]);
        return a === 200 && b === 200;
      },
      60_000,
    );
    for (const [name, command] of lines)
      if (name === 'haproxy') procs.set(name, start(name, command, env));
    await until(
      'proxy ready',
      async () => (await httpStatus(`${relayUrl(ports.PROXY_PORT)}/readyz`)) === 200,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}\n${(procs.get('haproxy')?.output ?? '')
          .split('\n')
          .filter((l) => !l.includes('GET /readyz'))
          .join('\n')
          .slice(0, 3000)}\n${JSON.stringify(ports)}`,
      );
    });
    const wsUrl = `ws://127.0.0.1:${ports.PROXY_PORT}/ws`;

    // 1. Two users chat through the proxy.
    const alice = new ProxyClient('alice', wsUrl, '/topic/room.proxy');
    const bob = new ProxyClient('bob', wsUrl, '/topic/room.proxy');
    clients.push(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    alice.send('hello-bob');
    await until('bob gets alice’s message', () => bob.got.has('hello-bob'), 5000);
    console.log(`chat through the proxy: ok (alice on ${alice.session}, bob on ${bob.session})`);

    // 2. Clients spread by leastconn; drain relay A (SIGTERM) and watch them all move to B.
    for (let i = 0; i < CLIENTS; i++)
      clients.push(new ProxyClient(`user${i}`, wsUrl, '/topic/room.proxy'));
    await Promise.all(clients.slice(2).map((c) => c.connect()));
    const metric = async (port: string): Promise<number> => {
      const text = await (await fetch(`${relayUrl(port)}/metrics`)).text();
      return Number(/^parley_sessions (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const onA = await metric(ports.RELAY_A_PORT);
    const onB = await metric(ports.RELAY_B_PORT);
    console.log(`before the drain: ${onA} sessions on relay A, ${onB} on relay B`);
    if (onA === 0) throw new Error('leastconn put nobody on relay A');
    let sent = 0;
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        bob.send(`m-${sent++}`);
        await sleep(50);
      }
    })();
    const relayA = procs.get('relay_a')!;
    relayA.child.kill('SIGTERM');
    await until(
      'relay A /readyz 503',
      async () => (await httpStatus(`${relayUrl(ports.RELAY_A_PORT)}/readyz`)) === 503,
      2000,
    );
    const code = await Promise.race([relayA.exited, sleep(20_000).then(() => 'still running')]);
    await until('every client connected again', () => clients.every((c) => c.connected));
    sending = false;
    await traffic;
    await until('every message receipted', () => bob.outbox.size === 0, 10_000);
    const afterB = await metric(ports.RELAY_B_PORT);
    const ids = Array.from({ length: sent }, (_, i) => `m-${i}`);
    await until(
      'every message everywhere',
      () => clients.every((c) => ids.every((id) => c.got.has(id))),
      10_000,
    );
    console.log(
      `drain of relay A: exit ${code}; relay B now holds ${afterB} sessions (all ${clients.length}); ${sent} messages during the drain, none lost`,
    );
    if (code !== 0) throw new Error(`relay A exited with ${code}`);
    if (afterB !== clients.length)
      throw new Error(`relay B holds ${afterB}, not ${clients.length}`);
    console.log('multi-relay check: OK');
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    for (const p of [...procs.values()].reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(t);
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`multi-relay check FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
