/**
 * Relay configuration, read from environment variables (names fixed in DESIGN.md §5).
 *
 * TO ADD A VARIABLE: add its row to SETTINGS in settings.ts (name, section, help, and its default
 * and range), read it here with `int(env, NAME)` / `flag(env, NAME)` / `str(env, NAME)` — never
 * repeat a default or range in this file — then run `pnpm docs:config`. The table drives
 * `loadConfig`'s defaults and ranges, `parley-relay --help` and docs/configuration.md.
 */

import { DEFAULT_DEDUP } from './broker/dedup.js';
import type { DedupOptions } from './broker/dedup.js';
import { AddressSet } from './net/ip.js';
import { GuestConfigError, loadGuestConfig } from './auth/guest.js';
import type { GuestConfig } from './auth/guest.js';
import { SockJsConfigError, loadSockJsConfig } from './sockjs/config.js';
import type { SockJsConfig } from './sockjs/config.js';
import { SETTINGS, setting } from './settings.js';
import type { Setting } from './settings.js';

/** The well-known development secret. Printed as a warning whenever it is used. */
export const DEV_JWT_SECRET = 'parley-dev-secret-do-not-use-in-production';

export interface Limits {
  /** Largest STOMP frame accepted, in bytes (headers and body). */
  maxFrameSize: number;
  /** Most header lines in one frame. */
  maxHeaders: number;
  /** Longest command or header line, in bytes. */
  maxHeaderLineLength: number;
  /** Time a client has after the WebSocket opens to send CONNECT, in ms. */
  connectTimeoutMs: number;
  /** 0 turns heart-beats off for every client; otherwise periods are negotiated per client. */
  heartbeatMs: number;
  /** Shortest heart-beat period the relay agrees to, in ms (default 1000). */
  heartbeatMinMs?: number;
  /** Most subscriptions one connection may hold. */
  maxSubscriptions: number;
  /** Longest destination, in characters. */
  maxDestinationLength: number;
  /** SEND frames per second per connection (token bucket rate; 0 = unlimited). */
  maxSendRate: number;
  /** SEND frames a connection may send in a burst above the rate. */
  sendBurst: number;
  /** Unacknowledged messages per client-ack subscription (also the `/queue/` prefetch). */
  maxUnacked: number;
  /** Messages a `/queue/` destination holds while no consumer can take them. */
  maxQueueBacklog: number;
  /** Bytes queued to a slow client before it is dropped. */
  maxBufferedBytes: number;
  /** Open transactions per connection. */
  maxTransactions: number;
  /** Most messages replayed to one recovering subscription (`parley-since`). */
  maxReplay: number;
  /** Age at which a connection is ended (`token-expired`), in ms; 0 or absent = no limit. */
  maxSessionAgeMs?: number;
}

/** Limits on connections before login: per client address and per unauthenticated socket. */
export interface ConnectionLimits {
  /** Bytes a socket may send before its CONNECT has been answered with CONNECTED. */
  maxPreconnectBytes: number;
  /** Open WebSockets per client address (IPv6: per /64); 0 = unlimited. */
  maxPerAddress: number;
  /** New WebSockets per second per client address; 0 = unlimited. */
  ratePerAddress: number;
  /** New WebSockets a client address may open in a burst above the rate. */
  burstPerAddress: number;
  /** Proxies (IPs or CIDRs) whose `X-Forwarded-For` / `X-Real-IP` are believed. */
  trustedProxies: string[];
}

/** History kept per destination. */
export interface HistoryConfig {
  /** Most messages kept per destination. */
  maxCount: number;
  /** Oldest message kept, in ms. */
  maxAgeMs: number;
}

/** Read positions kept per destination. */
export interface ReadsConfig {
  /** `PARLEY_READS_LIMIT`: most positions one reads reply lists (the requester's own is extra). */
  listLimit: number;
}

export interface JwtConfig {
  /** HS256 shared secret. */
  secret?: string;
  /** PEM public key for RS256/ES256. */
  publicKey?: string;
  /** JWKS endpoint for RS256/ES256 keys selected by `kid`. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** `PARLEY_JWT_REQUIRE_EXP`: refuse tokens without `exp` (default true). */
  requireExp?: boolean;
  /** `PARLEY_JWKS_REFRESH_MIN_MS`: least time between two JWKS fetches (default 30 s). */
  jwksRefreshMinMs?: number;
  /** `PARLEY_JWKS_MAX_AGE_MS`: age after which the JWKS is fetched again (default 10 min). */
  jwksMaxAgeMs?: number;
}

export interface Config {
  port: number;
  host: string;
  jwt: JwtConfig;
  /** Redis node URLs from `PARLEY_REDIS_URL` (several only in cluster mode); empty = embedded broker. */
  redisUrls: string[];
  /** `PARLEY_REDIS_CLUSTER=1`: the URLs are Redis Cluster root nodes (sharded pub/sub). */
  redisCluster: boolean;
  /** Browser origins allowed to open a WebSocket; empty means any. */
  allowedOrigins: string[];
  apiKey?: string;
  history: HistoryConfig;
  /** Read positions (docs/protocol.md#read-positions). */
  reads: ReadsConfig;
  /** Idempotent SEND: how long (`PARLEY_DEDUP_WINDOW_MS`) and how many client ids are remembered. */
  dedup: DedupOptions;
  /** Spring-style destination rewrites, applied in order: `[from, to]` prefix pairs. */
  prefixMap: Array<[string, string]>;
  /** Development mode: dev secret allowed, tokens without a `parley` claim may use everything. */
  dev: boolean;
  production: boolean;
  allowWsFallback: boolean;
  logLevel: string;
  /** `PARLEY_DRAIN_MS`: SIGTERM ends the sessions evenly over this many ms (lifecycle/drain.ts). */
  drainMs: number;
  limits: Limits;
  connections: ConnectionLimits;
  /** Guest identity (`POST /api/guest`), off by default: see auth/guest.ts. */
  guest: GuestConfig;
  /** SockJS at `/sockjs` (`PARLEY_SOCKJS_*`): see sockjs/config.ts. */
  sockjs: SockJsConfig;
}

/** Thrown for any invalid configuration; `main` prints it and exits with status 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One environment variable: a row of SETTINGS (settings.ts). */
export type EnvVar = Setting;

/** Every environment variable the relay reads, for `--help` and docs: SETTINGS in settings.ts. */
export const ENV_VARS: readonly EnvVar[] = SETTINGS;

type Env = Record<string, string | undefined>;

/** A whole number in the range of `name`'s row in SETTINGS; its default when unset or empty. */
function int(env: Env, name: string): number {
  const range = setting(name).int;
  if (!range) throw new Error(`${name} has no int range in SETTINGS`);
  const { default: fallback, min, max } = range;
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A 0/1 switch (default from SETTINGS); anything else is a configuration error. */
function flag(env: Env, name: string): boolean {
  const fallback = setting(name).flag?.default;
  if (fallback === undefined) throw new Error(`${name} is not a flag in SETTINGS`);
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new ConfigError(`${name} must be 0 or 1, got "${raw}"`);
  return raw === '1';
}

/** The display default of a text variable in SETTINGS. */
function textDefault(name: string): string {
  const fallback = setting(name).default;
  if (fallback === undefined) throw new Error(`${name} has no default in SETTINGS`);
  return fallback;
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

function origins(raw: string | undefined): string[] {
  if (!raw) return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of list) {
    if (o === '*') continue;
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new ConfigError(
        `PARLEY_ALLOWED_ORIGINS: "${o}" is not an origin like https://example.com`,
      );
    }
    if (url.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(
        `PARLEY_ALLOWED_ORIGINS: "${o}" must be a bare origin (scheme://host[:port])`,
      );
    }
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

function trustedProxies(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    new AddressSet(list);
  } catch (err) {
    throw new ConfigError(`PARLEY_TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  return list;
}

/** Default Spring-friendly rewrites: `/pub/x` → `/sub/x`, `/app/x` → `/topic/x`. */
export const DEFAULT_PREFIX_MAP_SPEC = textDefault('PARLEY_PREFIX_MAP');

function prefixMap(raw: string | undefined): Array<[string, string]> {
  const text = raw ?? DEFAULT_PREFIX_MAP_SPEC;
  if (text.trim() === '') return [];
  return text.split(',').map((pair) => {
    const m = /^\s*(\/[^=\s]*\/)\s*=\s*(\/[^=\s]*\/)\s*$/.exec(pair);
    if (!m || m[1]!.includes('..') || m[2]!.includes('..')) {
      throw new ConfigError(
        `PARLEY_PREFIX_MAP: "${pair.trim()}" must be from=to with both prefixes starting and ending in "/", e.g. /pub/=/sub/`,
      );
    }
    const to = m[2]!;
    if (to === '/' || to.startsWith('/user/')) {
      throw new ConfigError(
        `PARLEY_PREFIX_MAP: "${pair.trim()}" may not rewrite into "/" or /user/`,
      );
    }
    // `/parley/` is the relay's own namespace (/parley/history, /parley/token).
    if (to.startsWith('/parley/') || m[1]!.startsWith('/parley/')) {
      throw new ConfigError(`PARLEY_PREFIX_MAP: "${pair.trim()}" may not map /parley/`);
    }
    return [m[1]!, to];
  });
}

/** Build a {@link Config} from environment variables; throws {@link ConfigError} on bad input. */
export function loadConfig(env: Env, opts: { dev?: boolean } = {}): Config {
  const production = env.NODE_ENV === 'production';
  const dev = opts.dev === true;
  if (dev && production) {
    throw new ConfigError('development mode (--dev) cannot run with NODE_ENV=production');
  }
  const jwt: JwtConfig = {
    secret: str(env, 'PARLEY_JWT_SECRET'),
    publicKey: str(env, 'PARLEY_JWT_PUBLIC_KEY'),
    jwksUrl: str(env, 'PARLEY_JWKS_URL'),
    issuer: str(env, 'PARLEY_JWT_ISSUER'),
    audience: str(env, 'PARLEY_JWT_AUDIENCE'),
    requireExp: flag(env, 'PARLEY_JWT_REQUIRE_EXP'),
    jwksRefreshMinMs: int(env, 'PARLEY_JWKS_REFRESH_MIN_MS'),
    jwksMaxAgeMs: int(env, 'PARLEY_JWKS_MAX_AGE_MS'),
  };
  if (jwt.publicKey && jwt.jwksUrl) {
    throw new ConfigError('set only one of PARLEY_JWT_PUBLIC_KEY and PARLEY_JWKS_URL');
  }
  if (jwt.publicKey && !/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(jwt.publicKey)) {
    throw new ConfigError(
      'PARLEY_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
    );
  }
  if (jwt.jwksUrl && !/^https?:\/\//.test(jwt.jwksUrl)) {
    throw new ConfigError(`PARLEY_JWKS_URL must be an http(s) URL, got "${jwt.jwksUrl}"`);
  }
  if (jwt.secret && jwt.secret.length < 16) {
    throw new ConfigError('PARLEY_JWT_SECRET must be at least 16 characters');
  }
  if (!jwt.secret && !jwt.publicKey && !jwt.jwksUrl) {
    if (!dev) {
      throw new ConfigError(
        'no JWT key: set PARLEY_JWT_SECRET (HS256), PARLEY_JWT_PUBLIC_KEY or PARLEY_JWKS_URL, ' +
          'or start in development mode with --dev (pnpm start)',
      );
    }
    jwt.secret = DEV_JWT_SECRET;
  }
  const redisUrl = str(env, 'PARLEY_REDIS_URL');
  const redisUrls = redisUrl
    ? redisUrl
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean)
    : [];
  const redisCluster = env.PARLEY_REDIS_CLUSTER === '1';
  if (redisUrls.length > 1 && !redisCluster) {
    throw new ConfigError(
      'PARLEY_REDIS_URL lists several nodes: set PARLEY_REDIS_CLUSTER=1 for Redis Cluster',
    );
  }
  if (redisCluster && redisUrls.length === 0)
    throw new ConfigError('PARLEY_REDIS_CLUSTER=1 needs PARLEY_REDIS_URL');
  for (const u of redisUrls) {
    if (!/^rediss?:\/\/[^\s]+$/.test(u)) {
      throw new ConfigError(`PARLEY_REDIS_URL must start with redis:// or rediss://, got "${u}"`);
    }
  }
  const allowedOrigins = origins(str(env, 'PARLEY_ALLOWED_ORIGINS'));
  const logLevel = str(env, 'PARLEY_LOG_LEVEL') ?? textDefault('PARLEY_LOG_LEVEL');
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `PARLEY_LOG_LEVEL must be one of trace|debug|info|warn|error|fatal|silent`,
    );
  }
  return {
    port: int(env, 'PARLEY_PORT'),
    // Development mode listens on loopback unless told otherwise (its /dev/token mints tokens).
    host: str(env, 'PARLEY_HOST') ?? (dev ? '127.0.0.1' : textDefault('PARLEY_HOST')),
    jwt,
    redisUrls,
    redisCluster,
    allowedOrigins,
    guest: guestConfig(env, dev, jwt.secret, allowedOrigins),
    sockjs: sockjsConfig(env),
    apiKey: str(env, 'PARLEY_API_KEY'),
    dev,
    production,
    allowWsFallback: env.PARLEY_ALLOW_WS_FALLBACK === '1',
    logLevel,
    drainMs: int(env, 'PARLEY_DRAIN_MS'),
    limits: {
      maxFrameSize: int(env, 'PARLEY_MAX_FRAME_SIZE'),
      maxHeaders: int(env, 'PARLEY_MAX_HEADERS'),
      maxHeaderLineLength: int(env, 'PARLEY_MAX_HEADER_LINE'),
      connectTimeoutMs: int(env, 'PARLEY_CONNECT_TIMEOUT_MS'),
      heartbeatMs: int(env, 'PARLEY_HEARTBEAT_MS'),
      heartbeatMinMs: int(env, 'PARLEY_HEARTBEAT_MIN_MS'),
      maxSubscriptions: int(env, 'PARLEY_MAX_SUBSCRIPTIONS'),
      maxDestinationLength: int(env, 'PARLEY_MAX_DESTINATION_LENGTH'),
      maxSendRate: int(env, 'PARLEY_MAX_SEND_RATE'),
      sendBurst: int(env, 'PARLEY_SEND_BURST'),
      maxUnacked: int(env, 'PARLEY_MAX_UNACKED'),
      maxQueueBacklog: int(env, 'PARLEY_MAX_QUEUE_BACKLOG'),
      maxBufferedBytes: int(env, 'PARLEY_MAX_BUFFERED_BYTES'),
      maxTransactions: int(env, 'PARLEY_MAX_TRANSACTIONS'),
      maxReplay: int(env, 'PARLEY_MAX_REPLAY'),
      maxSessionAgeMs: int(env, 'PARLEY_MAX_SESSION_AGE_MS'),
    },
    connections: {
      maxPreconnectBytes: int(env, 'PARLEY_MAX_PRECONNECT_BYTES'),
      maxPerAddress: int(env, 'PARLEY_MAX_CONNECTIONS_PER_IP'),
      ratePerAddress: int(env, 'PARLEY_CONNECT_RATE_PER_IP'),
      burstPerAddress: int(env, 'PARLEY_CONNECT_BURST_PER_IP'),
      trustedProxies: trustedProxies(env.PARLEY_TRUSTED_PROXIES),
    },
    history: {
      maxCount: int(env, 'PARLEY_HISTORY_SIZE'),
      maxAgeMs: int(env, 'PARLEY_HISTORY_TTL_MS'),
    },
    reads: { listLimit: int(env, 'PARLEY_READS_LIMIT') },
    dedup: {
      windowMs: int(env, 'PARLEY_DEDUP_WINDOW_MS'),
      maxEntries: DEFAULT_DEDUP.maxEntries,
    },
    prefixMap: prefixMap(env.PARLEY_PREFIX_MAP),
  };
}

function guestConfig(
  env: Env,
  dev: boolean,
  secret: string | undefined,
  allowedOrigins: string[],
): GuestConfig {
  try {
    return loadGuestConfig(env, { dev, secret, allowedOrigins });
  } catch (err) {
    if (err instanceof GuestConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

function sockjsConfig(env: Env): SockJsConfig {
  try {
    return loadSockJsConfig(env);
  } catch (err) {
    if (err instanceof SockJsConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

/** Text of `parley-relay --help`. */
export function helpText(): string {
  const rows = ENV_VARS.map(
    (v) => `  ${v.name.padEnd(28)} ${v.help}${v.default ? ` (default ${v.default})` : ''}`,
  );
  return [
    'Usage: parley-relay [--dev] [--help]',
    '',
    'Parley relay: STOMP 1.2 over WebSocket with JWT auth.',
    '',
    'Options:',
    '  --dev    development mode: well-known dev secret, permissive claims, demo page',
    '  --help   print this help',
    '',
    'Environment:',
    ...rows,
    '',
  ].join('\n');
}
