import { resolve } from 'node:path';
import type { ClientAuth, ClientProtocol } from '../loadgen/protocol.js';
import { spawnServer } from './child.js';
import type { ChildServer } from './child.js';
import { BENCH_SECRET, RELAY_ROOT, startParley } from './parley.js';
import type { ParleyServer } from './parley.js';
import type { RabbitServer } from './rabbitmq.js';

/** The systems under test. */
export type SystemId =
  'parley' | 'uws' | 'socketio' | 'rabbitmq' | 'parley-redis' | 'socketio-redis';

export const LABELS: Record<SystemId, string> = {
  parley: 'Parley relay',
  uws: 'raw uWS topics',
  socketio: 'Socket.IO 4',
  rabbitmq: 'RabbitMQ Web-STOMP',
  'parley-redis': 'Parley ×2 + Redis',
  'socketio-redis': 'Socket.IO ×2 + redis-adapter',
};

/** A running system: where clients connect and how they name things. */
export interface RunningSystem {
  id: SystemId;
  label: string;
  protocol: ClientProtocol;
  /** Client endpoints; clients are spread over them round-robin. */
  urls: string[];
  /** Every server-side process (for CPU and RSS), Redis included. */
  pids: number[];
  auth(user: number): ClientAuth;
  /** Destination / topic / room name of room `r`. */
  room(r: number): string;
  /** A second, per-user subscription (idle-memory scenario). */
  userSub(u: number): string;
  stop(): Promise<void>;
}

export interface SystemContext {
  /** Run the relay from src through tsx rather than dist. */
  fromSource: boolean;
  rabbit?: RabbitServer;
  redisUrl?: string;
  redisPid?: number;
  nodeArgs?: string[];
}

const TSX = ['--import', 'tsx'];

function startChild(file: string, env: Record<string, string | undefined>): Promise<ChildServer> {
  return spawnServer(process.execPath, [...TSX, resolve(RELAY_ROOT, 'bench/servers', file)], {
    cwd: RELAY_ROOT,
    env,
    ready: /\{"port":(\d+)/,
    timeoutMs: 30_000,
  });
}

function stompRoom(r: number): string {
  return `/topic/room.${r}`;
}

async function stopAll(servers: ChildServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop()));
}

/** Starts one system under test (several processes for the Redis variants). */
export async function startSystem(id: SystemId, ctx: SystemContext): Promise<RunningSystem> {
  const label = LABELS[id];
  switch (id) {
    case 'parley':
    case 'parley-redis': {
      const n = id === 'parley' ? 1 : 2;
      if (id === 'parley-redis' && !ctx.redisUrl) throw new Error('no Redis for parley-redis');
      const relays: ParleyServer[] = [];
      for (let i = 0; i < n; i++) {
        relays.push(
          await startParley({
            fromSource: ctx.fromSource,
            ...(id === 'parley-redis' && { redisUrl: ctx.redisUrl }),
            ...(ctx.nodeArgs && { nodeArgs: ctx.nodeArgs }),
          }),
        );
      }
      return {
        id,
        label,
        protocol: 'stomp',
        urls: relays.map((r) => r.url),
        pids: [
          ...relays.map((r) => r.pid),
          ...(id === 'parley-redis' && ctx.redisPid ? [ctx.redisPid] : []),
        ],
        auth: (u) => ({ kind: 'jwt', user: `u${u}` }),
        room: stompRoom,
        userSub: () => '/user/queue/inbox',
        stop: () => stopAll(relays),
      };
    }
    case 'uws': {
      const s = await startChild('uws-server.ts', {});
      return {
        id,
        label,
        protocol: 'uws',
        urls: [`ws://127.0.0.1:${s.match[1]}/`],
        pids: [s.pid],
        auth: () => ({ kind: 'none' }),
        room: (r) => `room.${r}`,
        userSub: (u) => `user.${u}`,
        stop: () => s.stop(),
      };
    }
    case 'socketio':
    case 'socketio-redis': {
      const n = id === 'socketio' ? 1 : 2;
      if (id === 'socketio-redis' && !ctx.redisUrl) throw new Error('no Redis for socketio-redis');
      const nodes: ChildServer[] = [];
      for (let i = 0; i < n; i++) {
        nodes.push(
          await startChild('socketio-server.ts', {
            JWT_SECRET: BENCH_SECRET,
            REDIS_URL: id === 'socketio-redis' ? ctx.redisUrl : undefined,
          }),
        );
      }
      return {
        id,
        label,
        protocol: 'socketio',
        urls: nodes.map((s) => `http://127.0.0.1:${s.match[1]}`),
        pids: [
          ...nodes.map((s) => s.pid),
          ...(id === 'socketio-redis' && ctx.redisPid ? [ctx.redisPid] : []),
        ],
        auth: (u) => ({ kind: 'jwt', user: `u${u}` }),
        room: (r) => `room.${r}`,
        userSub: (u) => `user.${u}`,
        stop: () => stopAll(nodes),
      };
    }
    case 'rabbitmq': {
      const rabbit = ctx.rabbit;
      if (!rabbit) throw new Error('RabbitMQ is not available');
      return {
        id,
        label,
        protocol: 'stomp',
        urls: [rabbit.url],
        pids: rabbit.pid ? [rabbit.pid] : [],
        auth: () => ({ kind: 'login', login: 'guest', passcode: 'guest' }),
        room: stompRoom,
        userSub: (u) => `/topic/user.${u}`,
        stop: async () => {},
      };
    }
  }
}
