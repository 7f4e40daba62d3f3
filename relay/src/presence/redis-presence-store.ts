import { createClient, createCluster } from 'redis';
import type { RedisArgument } from 'redis';
import { checkConn } from './presence-store.js';
import type {
  Departure,
  LiveConnection,
  Member,
  PresenceStore,
  RoomEntry,
} from './presence-store.js';
import { closeClient, clusterDefaults } from '../broker/redis-util.js';
import {
  isNoScript,
  loadScript as loadLua,
  reconnectStrategy,
  within,
} from '../redis/connection.js';
import type { Script } from '../redis/connection.js';

/** How {@link RedisPresenceStore.connect} reaches Redis. */
export interface RedisPresenceStoreOptions {
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`. With `cluster: true`, one or more URLs of
   * cluster nodes to discover the topology from (credentials and TLS of the first URL apply to
   * every node).
   */
  url: string | string[];
  /** Connect to a Redis Cluster (keys grouped by hash tag, never a command across slots). */
  cluster?: boolean;
  /** Prepended to every key (default `parley:`). Must not contain `{` or `}`. */
  keyPrefix?: string;
  /** How long `connect()` waits for Redis (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a call waits for a reply before it rejects (default 5 s). */
  commandTimeoutMs?: number;
  /** Connection errors (node-redis reconnects by itself meanwhile). */
  onError?: (err: unknown) => void;
}

/**
 * Number of hash-tag buckets rooms are spread over. Part of the key layout: every relay sharing
 * a Redis must use the same value, so it is a constant, not an option.
 */
export const PRESENCE_BUCKETS = 64;

/** Most rooms or entries one script call handles (sweeps loop until done). */
const BATCH = 200;
/** Most script calls one bucket's sweep makes per `sweep()` (the rest waits for the next). */
const MAX_ROUNDS = 50;

const loadScript = (name: string): Script => loadLua(import.meta.url, name);

const SCRIPTS = {
  join: loadScript('join'),
  leave: loadScript('leave'),
  due: loadScript('due'),
  sweep: loadScript('sweep'),
  refresh: loadScript('refresh'),
  members: loadScript('members'),
  connect: loadScript('connect'),
  online: loadScript('online'),
};

/** Bucket of a room: FNV-1a (32 bit) of its UTF-8 bytes, modulo {@link PRESENCE_BUCKETS}. */
export function presenceBucket(room: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(room, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % PRESENCE_BUCKETS;
}

/** The keys of one room and of its bucket (all in one hash slot). */
interface RoomKeys {
  rooms: string;
  entries: string;
  users: string;
  names: string;
}

/** Sends one raw command, routed by its first key in a cluster. @internal */
interface Transport {
  send(firstKey: string, args: RedisArgument[]): Promise<unknown>;
  close(): Promise<void>;
}

async function connectTransport(options: RedisPresenceStoreOptions): Promise<Transport> {
  const urls = Array.isArray(options.url) ? options.url : [options.url];
  if (urls.length === 0) throw new TypeError('RedisPresenceStore needs at least one URL');
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const socket = { reconnectStrategy, connectTimeout: Math.min(connectTimeoutMs, 5000) };
  const onError = options.onError ?? (() => undefined);
  if (options.cluster) {
    const defaults = clusterDefaults(urls[0]!);
    const client = createCluster({
      rootNodes: urls.map((url) => ({ url })),
      defaults: {
        ...defaults,
        name: 'parley-presence',
        disableOfflineQueue: true,
        socket: { ...defaults.socket, ...socket },
      },
    });
    // Load the scripts on every master as it (re)connects, so EVALSHA rarely needs the EVAL
    // fallback (which would let commands sent meanwhile overtake it). Best effort.
    const preload = (host: string, port: number): void => {
      const master = client.masters.find((m) => m.host === host && m.port === port);
      if (!master) return;
      client
        .nodeClient(master)
        .then((node) => loadScripts((args) => node.sendCommand(args)))
        .catch(() => undefined);
    };
    client
      .on('error', onError)
      .on('node-error', onError)
      .on('node-ready', (node: { host: string; port: number }) => preload(node.host, node.port));
    const connecting = client.connect();
    connecting.catch(() => undefined);
    await within(connecting, connectTimeoutMs, 'could not connect to the Redis Cluster').catch(
      (err: unknown) => {
        client.destroy();
        throw err;
      },
    );
    for (const m of client.masters) preload(m.host, m.port);
    return {
      send: (firstKey, args) => client.sendCommand(firstKey, false, args),
      close: () => closeClient(client),
    };
  }
  const client = createClient({
    url: urls[0]!,
    name: 'parley-presence',
    disableOfflineQueue: true,
    socket,
  });
  // Sent first on every (re)connection: the scripts are loaded before any EVALSHA.
  client
    .on('error', onError)
    .on('ready', () => void loadScripts((args) => client.sendCommand(args)).catch(() => undefined));
  const connecting = client.connect();
  connecting.catch(() => undefined);
  await within(connecting, connectTimeoutMs, `could not connect to Redis at ${urls[0]!}`).catch(
    (err: unknown) => {
      client.destroy();
      throw err;
    },
  );
  return {
    send: (_firstKey, args) => client.sendCommand(args),
    close: () => closeClient(client),
  };
}

async function loadScripts(send: (args: RedisArgument[]) => Promise<unknown>): Promise<void> {
  await Promise.all(Object.values(SCRIPTS).map((s) => send(['SCRIPT', 'LOAD', s.source])));
}

const text = (reply: unknown): string =>
  Buffer.isBuffer(reply) ? reply.toString() : typeof reply === 'string' ? reply : String(reply);

/** Decodes a flat `userId, name|nil, …` reply. */
function membersOf(reply: unknown): Member[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from a presence script');
  const members: Member[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const userId = text(reply[i]);
    const name: unknown = reply[i + 1];
    members.push(name === null || name === undefined ? { userId } : { userId, name: text(name) });
  }
  return members;
}

/**
 * Presence shared by every relay through Redis (or Redis Cluster).
 *
 * Key layout (`P` = key prefix, `b` = {@link presenceBucket} of the room, 0…63). A room's keys
 * and its bucket's index share the hash tag `{presence:b}`, so every script touches one slot,
 * and the 64 tags spread rooms over the cluster's nodes:
 *
 * - `P{presence:b}:rooms` — ZSET room → the time it may next hold an expired entry (the
 *   earliest expiry when last computed); a room is indexed exactly while it has entries.
 * - `P{presence:b}:room:<room>:conns` — ZSET `<userId>\0<conn>` → expiry (ms, Redis time).
 * - `P{presence:b}:room:<room>:users` — HASH userId → number of entries (expired ones count
 *   until swept): the first entry is a join, the removal of the last one a leave.
 * - `P{presence:b}:room:<room>:names` — HASH userId → display name.
 * - `P{online:<userId>}` — ZSET conn → expiry; the key expires with its latest entry.
 *
 * Expiry is computed and compared with Redis' clock (`TIME` in the scripts), so relays' clock
 * skew does not matter.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private transport!: Transport;
  private closed = false;

  private constructor(options: RedisPresenceStoreOptions) {
    this.prefix = options.keyPrefix ?? 'parley:';
    if (/[{}]/.test(this.prefix)) throw new TypeError('keyPrefix must not contain "{" or "}"');
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
  }

  /** Connects to Redis (or a Redis Cluster) and resolves once it is ready. */
  static async connect(options: RedisPresenceStoreOptions): Promise<RedisPresenceStore> {
    const store = new RedisPresenceStore(options);
    store.transport = await connectTransport(options);
    return store;
  }

  async join(room: string, conn: string, member: Member, ttlMs: number): Promise<boolean> {
    checkConn(conn);
    const k = this.roomKeys(room);
    const reply = await this.eval(
      SCRIPTS.join,
      [k.rooms, k.entries, k.users, k.names],
      [
        room,
        member.userId,
        `${member.userId}\0${conn}`,
        String(Math.ceil(ttlMs)),
        member.name === undefined ? '0' : '1',
        member.name ?? '',
      ],
    );
    return Number(reply) === 1;
  }

  async leave(room: string, conn: string, userId: string): Promise<boolean> {
    const k = this.roomKeys(room);
    const reply = await this.eval(
      SCRIPTS.leave,
      [k.rooms, k.entries, k.users, k.names],
      [room, userId, `${userId}\0${conn}`],
    );
    return Number(reply) === 1;
  }

  async members(room: string): Promise<Member[]> {
    const k = this.roomKeys(room);
    return membersOf(await this.eval(SCRIPTS.members, [k.entries, k.names], []));
  }

  async connect(conn: string, userId: string, ttlMs: number): Promise<void> {
    checkConn(conn);
    await this.eval(SCRIPTS.connect, [this.onlineKey(userId)], [String(Math.ceil(ttlMs)), conn]);
  }

  async disconnect(conn: string, userId: string): Promise<void> {
    const key = this.onlineKey(userId);
    await this.send(key, ['ZREM', key, conn]);
  }

  async refresh(connections: readonly LiveConnection[], ttlMs: number): Promise<RoomEntry[]> {
    // Group by user (online keys) and by room (room keys); every command is issued before the
    // first await, so a later leave/disconnect of the same key is applied after this refresh.
    const ttl = String(Math.ceil(ttlMs));
    const byUser = new Map<string, string[]>();
    const byRoom = new Map<string, Array<{ conn: string; userId: string }>>();
    for (const { conn, userId, rooms } of connections) {
      checkConn(conn);
      let conns = byUser.get(userId);
      if (!conns) byUser.set(userId, (conns = []));
      conns.push(conn);
      for (const room of rooms) {
        let list = byRoom.get(room);
        if (!list) byRoom.set(room, (list = []));
        list.push({ conn, userId });
      }
    }
    const online = [...byUser].map(([userId, conns]) =>
      this.eval(SCRIPTS.connect, [this.onlineKey(userId)], [ttl, ...conns]),
    );
    const rooms = [...byRoom].map(async ([room, list]): Promise<RoomEntry[]> => {
      const entries = list.map(({ userId, conn }) => `${userId}\0${conn}`);
      const reply = await this.eval(
        SCRIPTS.refresh,
        [this.roomKeys(room).entries],
        [ttl, ...entries],
      );
      if (!Array.isArray(reply)) throw new Error('unexpected reply from refresh.lua');
      const gone = new Set(reply.map(text));
      return list
        .filter(({ userId, conn }) => gone.has(`${userId}\0${conn}`))
        .map((e) => ({ room, ...e }));
    });
    const [, missing] = await Promise.all([Promise.all(online), Promise.all(rooms)]);
    return missing.flat();
  }

  async sweep(): Promise<Departure[]> {
    if (this.closed) throw new Error('presence store is closed');
    const buckets = Array.from({ length: PRESENCE_BUCKETS }, (_, b) => this.sweepBucket(b));
    return (await Promise.all(buckets)).flat();
  }

  async online(userIds: readonly string[]): Promise<Record<string, boolean>> {
    const unique = [...new Set(userIds)];
    const counts = await Promise.all(
      unique.map((userId) => this.eval(SCRIPTS.online, [this.onlineKey(userId)], [])),
    );
    const result: Record<string, boolean> = {};
    unique.forEach((userId, i) => (result[userId] = Number(counts[i]) > 0));
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close();
  }

  private async sweepBucket(bucket: number): Promise<Departure[]> {
    const rooms = this.bucketIndex(bucket);
    const departures: Departure[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = await this.eval(SCRIPTS.due, [rooms], [String(BATCH)]);
      if (!Array.isArray(due) || due.length === 0) break;
      const swept = await Promise.all(
        due.map(text).map(async (room) => {
          const k = this.roomKeys(room);
          const reply = await this.eval(
            SCRIPTS.sweep,
            [k.rooms, k.entries, k.users, k.names],
            [room, String(BATCH)],
          );
          return membersOf(reply).map((member) => ({ room, member }));
        }),
      );
      departures.push(...swept.flat());
    }
    return departures;
  }

  private bucketIndex(bucket: number): string {
    return `${this.prefix}{presence:${bucket}}:rooms`;
  }

  private roomKeys(room: string): RoomKeys {
    const tag = `${this.prefix}{presence:${presenceBucket(room)}}`;
    const base = `${tag}:room:${room}`;
    return {
      rooms: `${tag}:rooms`,
      entries: `${base}:conns`,
      users: `${base}:users`,
      names: `${base}:names`,
    };
  }

  private onlineKey(userId: string): string {
    return `${this.prefix}{online:${userId}}`;
  }

  /** Runs a script by SHA, loading it on a node that does not know it yet. */
  private async eval(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const first = keys[0]!;
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.send(first, ['EVALSHA', script.sha, ...tail]);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return this.send(first, ['EVAL', script.source, ...tail]);
    }
  }

  private send(firstKey: string, args: RedisArgument[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('presence store is closed'));
    return within(this.transport.send(firstKey, args), this.timeoutMs, 'Redis did not answer');
  }
}
