import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient, createCluster } from 'redis';
import type { RedisArgument } from 'redis';
import { closeClient, clusterDefaults } from '../broker/redis-util.js';

/** How a command connection reaches Redis. */
export interface RedisConnectionOptions {
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`. With `cluster: true`, one or more URLs of
   * cluster nodes to discover the topology from (credentials and TLS of the first URL apply to
   * every node).
   */
  url: string | string[];
  /** Connect to a Redis Cluster (commands routed by their first key). */
  cluster?: boolean;
  /** Connection name shown by `CLIENT LIST`. */
  name: string;
  /** How long connecting waits for Redis (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a command waits for a reply before it rejects (default 5 s). */
  commandTimeoutMs?: number;
  /** Connection errors (node-redis reconnects by itself meanwhile). */
  onError?: (err: unknown) => void;
}

/** A Lua script and its SHA1, for EVALSHA. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

/** Loads `lua/<name>.lua` next to the calling module's URL `base`. */
export function loadScript(base: string | URL, name: string): Script {
  const source = readFileSync(new URL(`./lua/${name}.lua`, base), 'utf8');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Commands to one Redis or a cluster, each bounded in time. @internal */
export interface RedisConnection {
  /** Sends one command, routed by `firstKey` in a cluster. */
  send(firstKey: string, args: RedisArgument[]): Promise<unknown>;
  /** Runs a script by SHA, sending its source once to a node that does not know it yet. */
  eval(script: Script, keys: string[], args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** node-redis reconnect delays: exponential to 2 s, with jitter. @internal */
export const reconnectStrategy = (retries: number): number =>
  Math.min(50 * 2 ** Math.min(retries, 10), 2000) + Math.floor(Math.random() * 100);

/** Whether Redis answered NOSCRIPT (the script must be sent with EVAL). @internal */
export const isNoScript = (err: unknown): boolean =>
  err instanceof Error && err.message.startsWith('NOSCRIPT');

/** `promise`, or a rejection `<what> within <ms> ms` once `ms` have passed. @internal */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Send = (firstKey: string, args: RedisArgument[]) => Promise<unknown>;

async function connectSend(
  options: RedisConnectionOptions,
): Promise<{ send: Send; close(): Promise<void> }> {
  const urls = Array.isArray(options.url) ? options.url : [options.url];
  if (urls.length === 0) throw new TypeError('a Redis connection needs at least one URL');
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const socket = { reconnectStrategy, connectTimeout: Math.min(connectTimeoutMs, 5000) };
  const onError = options.onError ?? (() => undefined);
  if (options.cluster) {
    const defaults = clusterDefaults(urls[0]!);
    const client = createCluster({
      rootNodes: urls.map((url) => ({ url })),
      defaults: {
        ...defaults,
        name: options.name,
        disableOfflineQueue: true,
        socket: { ...defaults.socket, ...socket },
      },
    });
    client.on('error', onError).on('node-error', onError);
    const connecting = client.connect();
    connecting.catch(() => undefined);
    await within(connecting, connectTimeoutMs, 'could not connect to the Redis Cluster').catch(
      (err: unknown) => {
        client.destroy();
        throw err;
      },
    );
    return {
      send: (firstKey, args) => client.sendCommand(firstKey, false, args),
      close: () => closeClient(client),
    };
  }
  const client = createClient({
    url: urls[0]!,
    name: options.name,
    disableOfflineQueue: true,
    socket,
  });
  client.on('error', onError);
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

/** Connects to Redis (or a Redis Cluster) and resolves once it is ready. */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const raw = await connectSend(options);
  const timeoutMs = options.commandTimeoutMs ?? 5000;
  let closed = false;
  const send: Send = (firstKey, args) =>
    closed
      ? Promise.reject(new Error('Redis connection is closed'))
      : within(raw.send(firstKey, args), timeoutMs, 'Redis did not answer');
  return {
    send,
    async eval(script, keys, args) {
      const first = keys[0] ?? '';
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await send(first, ['EVALSHA', script.sha, ...tail]);
      } catch (err) {
        if (!isNoScript(err)) throw err;
        return send(first, ['EVAL', script.source, ...tail]);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await raw.close();
    },
  };
}
