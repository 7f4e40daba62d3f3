import { randomBytes } from 'node:crypto';
import { ErrorReply } from 'redis';
import type { RedisArgument } from 'redis';
import type {
  Broker,
  BrokerListener,
  BrokerMessage,
  HistoryPage,
  HistoryQuery,
  PublishInput,
  QueueFeed,
  Retention,
} from './broker.js';
import { DEFAULT_DEDUP, InFlight, dedupId } from './dedup.js';
import type { DedupOptions } from './dedup.js';
import { DEFAULT_RETENTION } from './memory-broker.js';
import { QUEUE_SCRIPT, RedisQueueFeed } from './redis-queue.js';
import {
  BrokerUnavailableError,
  cluster,
  loadScript,
  standalone,
  within,
} from './redis-transport.js';
import type {
  PayloadListener,
  Script,
  ScriptKeys,
  Transport,
  TransportEvents,
} from './redis-transport.js';

export { BrokerUnavailableError } from './redis-transport.js';

/** Where the broker's log lines go; the relay passes an adapter to its pino logger. */
export type RedisBrokerLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  extra?: Record<string, unknown>,
) => void;

/** How {@link RedisBroker.connect} reaches Redis. */
export interface RedisBrokerOptions {
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`. With `cluster: true`, one or more URLs of
   * cluster nodes to discover the topology from (credentials and TLS of the first URL apply to
   * every node).
   */
  url: string | string[];
  /** Connect to a Redis Cluster: sharded pub/sub (`SSUBSCRIBE`/`SPUBLISH`), keys by hash tag. */
  cluster?: boolean;
  /**
   * Prepended to every key and channel (default `parley:`), so several deployments or tests can
   * share one Redis. Must not contain `{` or `}`.
   */
  keyPrefix?: string;
  /** History kept per destination (default {@link DEFAULT_RETENTION}). */
  retention?: Retention;
  /**
   * Idempotent SEND (default {@link DEFAULT_DEDUP}): how long a client id is remembered, in a key
   * of the destination's slot that expires. `maxEntries` does not apply (Redis keys expire).
   */
  dedup?: DedupOptions;
  log?: RedisBrokerLog;
  /** How long `connect()` waits for Redis before it rejects (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * How long `publish()` and `history()` wait for a reply before they reject (default 5 s).
   * While Redis is known to be down they reject at once.
   */
  commandTimeoutMs?: number;
  /** Liveness probe: a PING every this many ms; no answer within it means not ready. Default 1000. */
  probeMs?: number;
  /** Called with the round-trip time (s) of every liveness PING that was answered (`/metrics`). */
  onPing?: (seconds: number) => void;
  /**
   * `/queue/` destinations: how long a message a relay holds unacknowledged may go without a
   * sign of life from that relay before another relay takes it over (default 30 s). Live relays
   * renew theirs every quarter to half of it. Use the same value on every relay.
   */
  queueVisibilityMs?: number;
  /**
   * `/queue/` destinations: how often a relay with free consumers polls for messages (safety
   * net; published messages arrive at once through pub/sub) and for messages to take over
   * (default 1 s).
   */
  queuePollMs?: number;
}

const PUBLISH = loadScript('publish.lua');
const HISTORY = loadScript('history.lua');

const NL = 0x0a;
const NL_BUFFER = Buffer.from([NL]);

/** Header of a message as stored and published: everything but the stamp and the body. */
interface WireHeader {
  /** sender */
  s: string;
  /** sender name */
  n?: string;
  /** headers */
  h: Array<[string, string]>;
  /** binary */
  b?: 1;
  /** id of an ephemeral message (stored ones are `<epoch>-<offset>`) */
  i?: string;
  /** timestamp given by the publisher (a DM mirror's), instead of Redis' clock */
  t?: number;
}

interface Stamp {
  offset: number;
  epoch: string;
  timestamp: number;
}

/** @internal `<header JSON>\n<body>`: JSON never holds a raw newline, the body is raw bytes. */
export function encodeContent(input: PublishInput, ephemeralId?: string): Buffer {
  const header: WireHeader = { s: input.sender, h: input.headers };
  if (input.senderName !== undefined) header.n = input.senderName;
  if (input.binary) header.b = 1;
  if (ephemeralId !== undefined) header.i = ephemeralId;
  if (input.timestamp !== undefined) header.t = input.timestamp;
  const body = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
  return Buffer.concat([Buffer.from(JSON.stringify(header)), NL_BUFFER, body]);
}

/** @internal Inverse of {@link encodeContent} plus the stamp; copies the body out of `content`. */
export function decodeContent(destination: string, stamp: Stamp, content: Buffer): BrokerMessage {
  const eol = content.indexOf(NL);
  if (eol < 0) throw new Error('malformed message: no header');
  const header = JSON.parse(content.toString('utf8', 0, eol)) as WireHeader;
  if (typeof header.s !== 'string' || !Array.isArray(header.h)) {
    throw new Error('malformed message header');
  }
  const message: BrokerMessage = {
    destination,
    body: new Uint8Array(content.subarray(eol + 1)),
    headers: header.h,
    sender: header.s,
    id: stamp.offset > 0 ? `${stamp.epoch}-${stamp.offset}` : (header.i ?? ''),
    offset: stamp.offset,
    epoch: stamp.epoch,
    timestamp: header.t ?? stamp.timestamp,
  };
  if (header.n !== undefined) message.senderName = header.n;
  if (header.b) message.binary = true;
  if (stamp.offset === 0) message.ephemeral = true;
  return message;
}

/** @internal Splits a pub/sub payload `<offset>,<epoch>,<timestamp>\n<content>`. */
export function decodePayload(destination: string, payload: Buffer): BrokerMessage {
  const eol = payload.indexOf(NL);
  if (eol < 0) throw new Error('malformed message: no stamp');
  const [offset, epoch, timestamp] = payload.toString('latin1', 0, eol).split(',');
  return decodeContent(
    destination,
    { offset: Number(offset), epoch: epoch ?? '', timestamp: Number(timestamp) },
    payload.subarray(eol + 1),
  );
}

const text = (reply: unknown): string =>
  Buffer.isBuffer(reply)
    ? reply.toString()
    : typeof reply === 'string'
      ? reply
      : String(reply ?? '');
const num = (reply: unknown): number => (typeof reply === 'number' ? reply : Number(text(reply)));

/** Keeps `{`, `}` and `%` out of the hash tag, injectively. */
const tag = (destination: string): string =>
  destination.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** One destination's subscription: local listeners, one Redis channel. */
interface Channel {
  readonly destination: string;
  readonly name: string;
  readonly listeners: Set<BrokerListener>;
  /** Queue feeds to nudge when a stored message is published (no decoding). */
  readonly watchers: Set<() => void>;
  readonly onPayload: PayloadListener;
  /** Whether node-redis holds (or is resubscribing) the channel. */
  subscribed: boolean;
  /** Serializes SUBSCRIBE/UNSUBSCRIBE of this channel. */
  chain: Promise<void>;
}

const closedError = (): Error => new Error('broker is closed');

/** Error replies that mean "not now" rather than "wrong": a cluster healing, a server loading. */
const TRANSIENT = /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|BUSY|READONLY)\b/;

/**
 * Broker for several relays sharing destinations through Redis (or Redis Cluster).
 *
 * - Each destination has a stream `<prefix>{<destination>}:log` (its history, entry id
 *   `<offset>-0`), a hash `<prefix>{<destination>}:meta` (`epoch`, `last` offset) and a channel
 *   `<prefix>{<destination>}`. One Lua script (`lua/publish.lua`) assigns the offset, appends to
 *   the stream, trims it and publishes, so pub/sub order equals offset order on every relay.
 * - A SEND with a client id also sets `<prefix>{<destination>}:cid:<sender length>:<sender>:<id>`
 *   (same slot, expires after the de-dup window) inside the same script: a repeat from any relay
 *   gets the first stamp back and publishes nothing (idempotent SEND).
 * - History idles out: after `retention.maxAgeMs` without a publish the destination's keys
 *   expire, and its next message starts a new epoch at offset 1.
 * - On a lost connection node-redis reconnects and resubscribes by itself; {@link ready} is
 *   false meanwhile, and {@link onReconnect} listeners run once it is back. Messages published
 *   while the subscriber was away are not delivered: read them with {@link history}.
 */
export class RedisBroker implements Broker {
  private readonly channels = new Map<string, Channel>();
  private readonly reconnectListeners = new Set<() => void>();
  /** Open queue feeds: how many per destination (the first uses the instance id as consumer). */
  private readonly feeds = new Map<string, Set<RedisQueueFeed>>();
  private readonly prefix: string;
  private readonly retention: Retention;
  private readonly dedupWindowMs: number;
  /** Publications with a client id under way on this relay (a repeat waits for the first). */
  private readonly inFlight = new InFlight();
  private readonly timeoutMs: number;
  private readonly queueVisibilityMs: number;
  private readonly queuePollMs: number;
  private readonly log: RedisBrokerLog;
  private readonly instance = randomBytes(8).toString('hex');
  private transport!: Transport;
  private seq = 0;
  private closed = false;
  private up = false;
  /** Connected but not answering (e.g. a frozen server): not ready until a PING comes back. */
  private stalled = false;
  private probe?: NodeJS.Timeout;
  private errorsWhileDown = 0;

  private constructor(options: RedisBrokerOptions) {
    this.prefix = options.keyPrefix ?? 'parley:';
    if (/[{}]/.test(this.prefix)) throw new TypeError('keyPrefix must not contain "{" or "}"');
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.dedupWindowMs = Math.max(0, Math.floor((options.dedup ?? DEFAULT_DEDUP).windowMs));
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
    this.queueVisibilityMs = options.queueVisibilityMs ?? 30_000;
    this.queuePollMs = options.queuePollMs ?? 1000;
    this.log = options.log ?? (() => undefined);
  }

  /** Connects to Redis (or a Redis Cluster) and resolves once every connection is ready. */
  static async connect(options: RedisBrokerOptions): Promise<RedisBroker> {
    const broker = new RedisBroker(options);
    const urls = Array.isArray(options.url) ? options.url : [options.url];
    if (urls.length === 0) throw new TypeError('RedisBroker needs at least one URL');
    const events: TransportEvents = {
      change: () => broker.onTransportChange(),
      error: (err, role) => broker.onTransportError(err, role),
    };
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    broker.transport = options.cluster
      ? await cluster(urls, events, connectTimeoutMs)
      : await standalone(urls[0]!, events, connectTimeoutMs);
    broker.up = broker.transport.ready();
    broker.startProbe(options.probeMs ?? 1000, options.onPing);
    return broker;
  }

  /**
   * Calls `listener` each time Redis is reachable again after an outage, once every subscribed
   * destination is subscribed again. Messages published in between were not delivered: the
   * relay should read each destination's history after the last offset it delivered (and
   * report an epoch change as lost history). Returns a function that removes the listener.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  publish(input: PublishInput): Promise<BrokerMessage> {
    if (this.closed) return Promise.reject(closedError());
    const id = this.dedupWindowMs > 0 ? dedupId(input) : undefined;
    return this.inFlight.run(input, id, () => this.publishOnce(input, id));
  }

  /** One run of `publish.lua`; with `dedupId`, atomically de-duplicated against earlier runs. */
  private async publishOnce(input: PublishInput, dedupId?: string): Promise<BrokerMessage> {
    const ephemeralId = input.ephemeral ? `${this.instance}.${++this.seq}` : undefined;
    const { log, meta, channel } = this.keys(input.destination);
    const keys: ScriptKeys =
      dedupId === undefined ? [log, meta] : [log, meta, `${channel}:cid:${dedupId}`];
    const reply = await this.call(PUBLISH, keys, [
      channel,
      encodeContent(input, ephemeralId),
      randomBytes(12).toString('hex'),
      input.ephemeral ? '1' : '0',
      String(this.retention.maxCount),
      String(this.retention.maxAgeMs),
      this.transport.publishCommand,
      ...(dedupId === undefined ? [] : [String(this.dedupWindowMs)]),
    ]);
    if (!Array.isArray(reply) || reply.length < 3) {
      throw new Error('unexpected reply from publish.lua');
    }
    const offset = num(reply[0]);
    const epoch = text(reply[1]);
    return {
      ...input,
      id: offset > 0 ? `${epoch}-${offset}` : ephemeralId!,
      offset,
      epoch,
      timestamp: input.timestamp ?? num(reply[2]),
      ...(reply.length > 3 && num(reply[3]) === 1 && { duplicate: true as const }),
    };
  }

  async subscribe(destination: string, listener: BrokerListener): Promise<void> {
    if (this.closed) throw closedError();
    const channel = this.channel(destination);
    channel.listeners.add(listener);
    try {
      await this.sync(channel);
    } catch (err) {
      channel.listeners.delete(listener);
      this.sync(channel).catch(() => undefined);
      throw err;
    }
  }

  async unsubscribe(destination: string, listener: BrokerListener): Promise<void> {
    const channel = this.channels.get(destination);
    if (!channel?.listeners.delete(listener)) return;
    await this.sync(channel).catch(() => undefined);
  }

  /** Calls `nudge` (without decoding anything) when a stored message is published. */
  private async watch(destination: string, nudge: () => void): Promise<void> {
    if (this.closed) throw closedError();
    const channel = this.channel(destination);
    channel.watchers.add(nudge);
    try {
      await this.sync(channel);
    } catch (err) {
      channel.watchers.delete(nudge);
      this.sync(channel).catch(() => undefined);
      throw err;
    }
  }

  private async unwatch(destination: string, nudge: () => void): Promise<void> {
    const channel = this.channels.get(destination);
    if (!channel?.watchers.delete(nudge)) return;
    await this.sync(channel).catch(() => undefined);
  }

  /**
   * Competing consumers of a `/queue/` destination across relays, through a Redis Streams
   * consumer group on the destination's history stream (see `redis-queue.ts`). Nothing is
   * fetched until the feed gets credit. One feed per destination is the norm: a second one
   * opened while the first is still open gets a consumer of its own.
   */
  async consumeQueue(
    destination: string,
    deliver: (message: BrokerMessage) => void,
  ): Promise<QueueFeed> {
    if (this.closed) throw closedError();
    const { log, meta } = this.keys(destination);
    let open = this.feeds.get(destination);
    if (!open) this.feeds.set(destination, (open = new Set()));
    const feeds = open;
    const consumer = feeds.size === 0 ? this.instance : `${this.instance}.${++this.seq}`;
    const feed: RedisQueueFeed = new RedisQueueFeed(
      {
        destination,
        consumer,
        visibilityMs: this.queueVisibilityMs,
        pollMs: this.queuePollMs,
        run: (args) => this.call(QUEUE_SCRIPT, [log, meta], args),
        decode: (stamp, content) => decodeContent(destination, stamp, content),
        watch: (nudge) => this.watch(destination, nudge),
        unwatch: (nudge) => this.unwatch(destination, nudge),
        onReconnect: (listener) => this.onReconnect(listener),
        log: this.log,
        detach: () => {
          feeds.delete(feed);
          if (feeds.size === 0 && this.feeds.get(destination) === feeds) {
            this.feeds.delete(destination);
          }
        },
      },
      deliver,
    );
    feeds.add(feed);
    await feed.start();
    return feed;
  }

  async history(destination: string, query: HistoryQuery): Promise<HistoryPage> {
    if (this.closed) throw closedError();
    const { log, meta } = this.keys(destination);
    const bound = (n: number | undefined): string => (n === undefined ? '' : String(Math.floor(n)));
    const reply = await this.call(
      HISTORY,
      [log, meta],
      [
        bound(query.after),
        bound(query.before),
        String(Math.max(0, Math.floor(query.limit))),
        String(this.retention.maxCount),
        String(this.retention.maxAgeMs),
      ],
    );
    if (!Array.isArray(reply) || reply.length < 3) {
      throw new Error('unexpected reply from history.lua');
    }
    const epoch = text(reply[0]);
    if (epoch === '') return { messages: [], epoch: '', first: 0, last: 0 };
    const messages: BrokerMessage[] = [];
    for (let i = 3; i + 2 < reply.length; i += 3) {
      const stamp = { offset: num(reply[i]), epoch, timestamp: num(reply[i + 1]) };
      messages.push(decodeContent(destination, stamp, reply[i + 2] as Buffer));
    }
    return { messages, epoch, first: num(reply[1]), last: num(reply[2]) };
  }

  ready(): boolean {
    return !this.closed && !this.stalled && this.transport.ready();
  }

  /** PINGs every `everyMs`; no answer within the same time marks the broker not ready. */
  private startProbe(everyMs: number, onPing?: (seconds: number) => void): void {
    let inFlight = false;
    this.probe = setInterval(() => {
      if (inFlight || this.closed || !this.transport.ready()) return;
      inFlight = true;
      let answered = false;
      const timer = setTimeout(() => {
        if (answered || this.stalled) return;
        this.stalled = true;
        this.log('warn', 'Redis does not answer; the broker is not ready', { waitedMs: everyMs });
      }, everyMs);
      const sent = performance.now();
      this.transport
        .ping()
        .then(
          () => onPing?.((performance.now() - sent) / 1000),
          () => undefined,
        )
        .finally(() => {
          answered = true;
          inFlight = false;
          clearTimeout(timer);
          if (this.stalled) {
            this.stalled = false;
            this.log('info', 'Redis answers again; the broker is ready');
          }
        });
    }, everyMs);
    this.probe.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
    // Hand back what the queue feeds hold while the connection is still there.
    const feeds = [...this.feeds.values()].flatMap((set) => [...set]);
    await Promise.all(feeds.map((feed) => feed.close()));
    this.channels.clear();
    this.reconnectListeners.clear();
    await this.transport.close();
  }

  private keys(destination: string): { log: string; meta: string; channel: string } {
    const channel = `${this.prefix}{${tag(destination)}}`;
    return { log: `${channel}:log`, meta: `${channel}:meta`, channel };
  }

  /**
   * Runs a script. node-redis rejects at once while the connection is down (no offline queue);
   * a reply that takes longer than the command timeout is given up on (the script may still
   * have run). Redis' own error replies pass through; connection failures become
   * {@link BrokerUnavailableError}.
   */
  private async call(script: Script, keys: ScriptKeys, args: RedisArgument[]): Promise<unknown> {
    try {
      return await within(
        this.transport.eval(script, keys, args),
        this.timeoutMs,
        'Redis did not answer',
        () => {},
      );
    } catch (err) {
      if (err instanceof BrokerUnavailableError) throw err;
      if (err instanceof ErrorReply && !TRANSIENT.test(err.message)) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new BrokerUnavailableError(`Redis is unavailable: ${reason}`, { cause: err });
    }
  }

  private channel(destination: string): Channel {
    const existing = this.channels.get(destination);
    if (existing) return existing;
    const listeners = new Set<BrokerListener>();
    const watchers = new Set<() => void>();
    const channel: Channel = {
      destination,
      name: this.keys(destination).channel,
      listeners,
      watchers,
      subscribed: false,
      chain: Promise.resolve(),
      onPayload: (payload) => {
        // Ephemeral messages (`0,...`) are not stored: nothing for a queue feed to read.
        if (watchers.size > 0 && !(payload[0] === 0x30 && payload[1] === 0x2c)) {
          for (const nudge of watchers) nudge();
        }
        if (listeners.size === 0) return;
        let message: BrokerMessage;
        try {
          message = decodePayload(destination, payload);
        } catch (err) {
          this.log('warn', 'dropping a malformed message from Redis', {
            destination,
            err: String(err),
          });
          return;
        }
        for (const listener of listeners) {
          try {
            listener(message);
          } catch (err) {
            // An exception here would reach node-redis's decoder and reset the connection.
            this.log('error', 'broker listener threw', { destination, err: String(err) });
          }
        }
      },
    };
    this.channels.set(destination, channel);
    return channel;
  }

  /** Brings the Redis subscription of `channel` in line with its listeners, one step at a time. */
  private sync(channel: Channel): Promise<void> {
    const run = channel.chain.then(() => this.apply(channel));
    channel.chain = run.catch(() => undefined);
    return run;
  }

  private async apply(channel: Channel): Promise<void> {
    const wanted = (channel.listeners.size > 0 || channel.watchers.size > 0) && !this.closed;
    if (wanted && !channel.subscribed) {
      if (!this.transport.canSubscribe()) throw new BrokerUnavailableError('Redis is unavailable');
      try {
        await this.transport.subscribe(channel.name, channel.onPayload);
      } catch (err) {
        throw new BrokerUnavailableError(`could not subscribe to ${channel.destination}`, {
          cause: err,
        });
      }
      channel.subscribed = true;
    } else if (!wanted && channel.subscribed && !this.closed) {
      try {
        await this.transport.unsubscribe(channel.name, channel.onPayload);
        channel.subscribed = false;
      } catch (err) {
        // node-redis still holds the channel; retried after the next reconnect.
        this.log('debug', 'unsubscribe failed; will retry after reconnecting', {
          destination: channel.destination,
          err: String(err),
        });
      }
    }
    if (
      channel.listeners.size === 0 &&
      channel.watchers.size === 0 &&
      !channel.subscribed &&
      this.channels.get(channel.destination) === channel
    ) {
      this.channels.delete(channel.destination);
    }
  }

  private onTransportChange(): void {
    if (this.closed || !this.transport) return;
    const ready = this.transport.ready();
    if (ready === this.up) return;
    this.up = ready;
    if (!ready) {
      this.log('warn', 'Redis connection lost; the broker is not ready');
      return;
    }
    this.log('info', 'Redis connection restored; subscriptions renewed', {
      destinations: this.channels.size,
      failedAttempts: this.errorsWhileDown,
    });
    this.errorsWhileDown = 0;
    for (const channel of this.channels.values()) this.sync(channel).catch(() => undefined);
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (err) {
        this.log('error', 'onReconnect listener threw', { err: String(err) });
      }
    }
  }

  private onTransportError(err: unknown, role: string): void {
    if (this.closed) return;
    // node-redis reports every failed reconnection attempt; say it once per outage.
    const first = this.errorsWhileDown++ === 0;
    this.log(first ? 'warn' : 'debug', 'Redis connection error', {
      role,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}
