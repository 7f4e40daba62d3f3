/**
 * Two relays sharing a private Redis; `kill -9` of the relay one client is on while both clients
 * keep sending. Clients list both relays and fail over. Every message reaches every client
 * exactly once, in each sender's order, and history holds no duplicate.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { redisAvailable, redisCommand, signToken, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess } from '@parley/relay/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from './client.js';
import { GRANTS, roomView, sleep, testClient, until } from './test/real-relay.js';

const clients: ParleyClient[] = [];
const relays: RelayProcess[] = [];
let redis: ChildProcess | undefined;

/** A port in 6410–6419 that nothing listens on. */
async function redisPort(): Promise<number> {
  for (let port = 6410; port <= 6419; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 6410-6419 for redis-server');
}

async function startRedis(): Promise<string> {
  const port = await redisPort();
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await until(() => redis?.exitCode === null, 'redis-server running', 2000);
  for (let i = 0; i < 200; i++) {
    try {
      if ((await redisCommand(port, 'PING')) === 'PONG') return `redis://127.0.0.1:${port}`;
    } catch {
      // not up yet
    }
    await sleep(25);
  }
  throw new Error(`redis-server on ${port} did not answer PING`);
}

afterAll(async () => {
  for (const c of clients) c.dispose();
  await Promise.all(relays.map((r) => r.stop()));
  redis?.kill('SIGKILL');
});

describe.runIf(redisAvailable())('failover between two relays on Redis', () => {
  it('kill -9 of a relay: every message to every client exactly once, in order; no duplicate in history', async () => {
    const url = await startRedis();
    const env = { PARLEY_REDIS_URL: url };
    const [a, b] = await Promise.all([spawnRelay({ env }), spawnRelay({ env })]);
    if (!a || !b) throw new Error('relays did not start');
    relays.push(a, b);
    const token = (sub: string) => () => signToken(a.secret, { sub, parley: GRANTS });
    const alice = testClient(
      { url: [a.wsUrl, b.wsUrl], token: token('alice'), heartbeatMs: 2000 },
      clients,
    );
    const bob = testClient(
      { url: [b.wsUrl, a.wsUrl], token: token('bob'), heartbeatMs: 2000 },
      clients,
    );
    const views = { alice: roomView(alice.room('failover')), bob: roomView(bob.room('failover')) };
    const connectedTo: string[] = [];
    alice.on('connected', (e) => connectedTo.push(e.url));
    await Promise.all([alice.connect(), bob.connect()]);
    await until(() => alice.caughtUp && bob.caughtUp, 'both subscribed');

    const sent = { alice: [] as string[], bob: [] as string[] };
    const pending: Promise<unknown>[] = [];
    const sender = async (name: 'alice' | 'bob', client: ParleyClient) => {
      for (let i = 0; i < 40; i++) {
        const text = `${name}-${i}`;
        sent[name].push(text);
        pending.push(client.room('failover').send(text));
        await sleep(50);
      }
    };
    const sending = Promise.all([sender('alice', alice), sender('bob', bob)]);
    await sleep(700);
    await a.kill(); // SIGKILL: alice's relay dies mid-stream
    await sending;
    await Promise.all(pending);

    const everything = [...sent.alice, ...sent.bob];
    for (const [name, view] of Object.entries(views)) {
      await until(
        () => everything.every((t) => view.deliveries.has(t)),
        `${name} has every message`,
        20_000,
      );
      for (const t of everything) expect(view.deliveries.get(t), `${name}: ${t}`).toBe(1);
      for (const who of ['alice', 'bob'] as const) {
        const order = view.bodies().filter((x) => x.startsWith(`${who}-`));
        expect(order, `${name} sees ${who} in order`).toEqual(sent[who]);
      }
    }
    expect(connectedTo).toEqual([a.wsUrl, b.wsUrl]);

    const res = await fetch(`${b.httpUrl}/api/history?destination=/topic/room.failover&limit=500`, {
      headers: { Authorization: `Bearer ${token('bob')()}` },
    });
    const page = (await res.json()) as { messages: Array<{ body: string }> };
    const bodies = page.messages.map((m) => m.body);
    expect(bodies.length).toBe(new Set(bodies).size);
    expect(new Set(bodies)).toEqual(new Set(everything));
  });
});
