import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient, createCluster, RESP_TYPES } from 'redis';
import type { RedisArgument } from 'redis';
import { closeClient, clusterDefaults } from './redis-util.js';

/** The two ways the Redis broker reaches Redis (one server, or a cluster) behind one interface. @internal */

/** Redis is unreachable (down, restarting, or not answering in time); the call may be retried. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface Script {
  readonly source: string;
  readonly sha: string;
}

export function loadScript(name: string): Script {
  const source = readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

export type PayloadListener = (payload: Buffer) => void;

/** The keys of a script call: at least one, all in one slot (they share a hash tag). */
export type ScriptKeys = readonly [string, ...string[]];

/**
 * What the broker needs from node-redis, for a single server or a cluster.
 * @internal
 */
export interface Transport {
  /** `PUBLISH`, or `SPUBLISH` in a cluster. */
  readonly publishCommand: string;
  /** Every connection the broker needs is up (and has resubscribed). */
  ready(): boolean;
  /** Round trip to Redis (a frozen server connects but never answers). */
  ping(): Promise<unknown>;
  /** A new channel can be subscribed now (else subscribing would wait for a reconnect). */
  canSubscribe(): boolean;
  /** Runs a script; every key must hash to the slot of the first (cluster routing). */
  eval(script: Script, keys: ScriptKeys, args: RedisArgument[]): Promise<unknown>;
  subscribe(channel: string, listener: PayloadListener): Promise<void>;
  unsubscribe(channel: string, listener: PayloadListener): Promise<void>;
  close(): Promise<void>;
}

/** Connection state changes the transports report to the broker. @internal */
export interface TransportEvents {
  change(): void;
  error(err: unknown, role: string): void;
}

const reconnectStrategy = (retries: number): number =>
  Math.min(50 * 2 ** Math.min(retries, 10), 2000) + Math.floor(Math.random() * 100);

export const isNoScript = (err: unknown): boolean =>
  err instanceof Error && err.message.startsWith('NOSCRIPT');

export async function evalScript(
  send: (args: RedisArgument[]) => Promise<unknown>,
  script: Script,
  keys: ScriptKeys,
  args: RedisArgument[],
): Promise<unknown> {
  const count = String(keys.length);
  try {
    return await send(['EVALSHA', script.sha, count, ...keys, ...args]);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return send(['EVAL', script.source, count, ...keys, ...args]);
  }
}

/** Waits for `promise`, destroying what it built if it takes longer than `ms`. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new BrokerUnavailableError(`${what} within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One server: a command connection and a dedicated subscriber connection. @internal */
export async function standalone(
  url: string,
  events: TransportEvents,
  connectTimeoutMs: number,
): Promise<Transport> {
  const pub = createClient({
    url,
    name: 'parley-relay',
    disableOfflineQueue: true,
    socket: { reconnectStrategy, connectTimeout: Math.min(connectTimeoutMs, 5000) },
  });
  const sub = pub.duplicate({ name: 'parley-relay-sub' });
  for (const [role, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    client
      .on('error', (err: unknown) => events.error(err, role))
      .on('ready', () => events.change())
      .on('reconnecting', () => events.change())
      .on('end', () => events.change());
  }
  const connecting = Promise.all([pub.connect(), sub.connect()]);
  connecting.catch(() => undefined);
  await within(connecting, connectTimeoutMs, `could not connect to Redis at ${url}`, () => {
    pub.destroy();
    sub.destroy();
  });
  return {
    publishCommand: 'PUBLISH',
    ready: () => pub.isReady && sub.isReady,
    ping: () => pub.ping(),
    canSubscribe: () => sub.isReady,
    eval: (script, keys, args) =>
      evalScript((a) => pub.sendCommand(a, { typeMapping: BUFFERS }), script, keys, args),
    subscribe: (channel, listener) => sub.subscribe(channel, listener, true),
    unsubscribe: (channel, listener) => sub.unsubscribe(channel, listener, true),
    close: async () => {
      await Promise.all([closeClient(pub), closeClient(sub)]);
    },
  };
}

/**
 * A Redis Cluster: node-redis keeps one command connection and one sharded-pub/sub connection
 * per master and resubscribes each by itself. @internal
 */
export async function cluster(
  urls: string[],
  events: TransportEvents,
  connectTimeoutMs: number,
): Promise<Transport> {
  const defaults = clusterDefaults(urls[0] ?? '');
  const client = createCluster({
    rootNodes: urls.map((url) => ({ url })),
    defaults: {
      ...defaults,
      name: 'parley-relay',
      disableOfflineQueue: true,
      socket: {
        ...defaults.socket,
        reconnectStrategy,
        connectTimeout: Math.min(connectTimeoutMs, 5000),
      },
    },
  });
  /** Node connections (commands and pub/sub) that lost their server and have not come back. */
  const down = new Set<object>();
  client
    .on('error', (err: unknown) => events.error(err, 'cluster'))
    .on('node-error', (err: unknown, node: object) => {
      down.add(node);
      events.error(err, 'cluster node');
      events.change();
    })
    .on('node-reconnecting', (node: object) => {
      down.add(node);
      events.change();
    })
    .on('node-ready', (node: object) => {
      down.delete(node);
      events.change();
    })
    .on('node-disconnect', (node: object) => {
      down.delete(node);
      events.change();
    })
    .on('disconnect', () => events.change());
  const connecting = client.connect();
  connecting.catch(() => undefined);
  await within(
    connecting,
    connectTimeoutMs,
    `could not connect to the Redis Cluster at ${urls.join(', ')}`,
    () => client.destroy(),
  );
  return {
    publishCommand: 'SPUBLISH',
    ready: () => client.isReady && down.size === 0,
    ping: () => Promise.all(client.masters.map((m) => client.nodeClient(m).then((c) => c.ping()))),
    canSubscribe: () => client.isReady && down.size === 0,
    eval: (script, keys, args) =>
      evalScript(
        (a) => client.sendCommand(keys[0], false, a, { typeMapping: BUFFERS }),
        script,
        keys,
        args,
      ),
    subscribe: (channel, listener) => client.sSubscribe(channel, listener, true),
    unsubscribe: (channel, listener) => client.sUnsubscribe(channel, listener, true),
    close: () => closeClient(client),
  };
}
