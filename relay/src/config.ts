/**
 * Relay configuration, read from environment variables (names fixed in DESIGN.md §5).
 * Every variable is listed in {@link ENV_VARS}, which also drives `parley-relay --help`.
 */

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
  /** Heart-beat interval the relay offers and asks for, in ms (0 disables). */
  heartbeatMs: number;
  /** Most subscriptions one connection may hold. */
  maxSubscriptions: number;
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
}

export interface Config {
  port: number;
  host: string;
  jwt: JwtConfig;
  redisUrl?: string;
  /** Browser origins allowed to open a WebSocket; empty means any. */
  allowedOrigins: string[];
  apiKey?: string;
  /** Development mode: dev secret allowed, tokens without a `parley` claim may use everything. */
  dev: boolean;
  production: boolean;
  allowWsFallback: boolean;
  logLevel: string;
  limits: Limits;
}

/** Thrown for any invalid configuration; `main` prints it and exits with status 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface EnvVar {
  name: string;
  help: string;
  default?: string;
}

/** Every environment variable the relay reads, for `--help` and docs. */
export const ENV_VARS: readonly EnvVar[] = [
  { name: 'PARLEY_PORT', default: '8080', help: 'TCP port to listen on (0 picks a free one)' },
  { name: 'PARLEY_HOST', default: '0.0.0.0', help: 'Address to bind' },
  { name: 'PARLEY_JWT_SECRET', help: 'HS256 secret for client JWTs' },
  { name: 'PARLEY_JWT_PUBLIC_KEY', help: 'PEM public key for RS256/ES256 JWTs' },
  { name: 'PARLEY_JWKS_URL', help: 'JWKS URL for RS256/ES256 JWTs (keys chosen by kid)' },
  { name: 'PARLEY_JWT_ISSUER', help: 'Required `iss` claim' },
  { name: 'PARLEY_JWT_AUDIENCE', help: 'Required `aud` claim' },
  { name: 'PARLEY_REDIS_URL', help: 'Redis URL; unset = embedded in-memory broker' },
  { name: 'PARLEY_ALLOWED_ORIGINS', help: 'Comma list of browser origins allowed to connect' },
  { name: 'PARLEY_API_KEY', help: 'Key for server-side HTTP publish' },
  { name: 'PARLEY_LOG_LEVEL', default: 'info', help: 'pino level: trace|debug|info|warn|error' },
  { name: 'PARLEY_MAX_FRAME_SIZE', default: '65536', help: 'Largest STOMP frame in bytes' },
  { name: 'PARLEY_MAX_HEADERS', default: '64', help: 'Most headers in one frame' },
  { name: 'PARLEY_MAX_HEADER_LINE', default: '8192', help: 'Longest header line in bytes' },
  { name: 'PARLEY_CONNECT_TIMEOUT_MS', default: '10000', help: 'Time allowed to send CONNECT' },
  { name: 'PARLEY_HEARTBEAT_MS', default: '10000', help: 'Heart-beat interval offered (0 = off)' },
  { name: 'PARLEY_MAX_SUBSCRIPTIONS', default: '256', help: 'Most subscriptions per connection' },
  {
    name: 'PARLEY_ALLOW_WS_FALLBACK',
    help: 'Set to 1 to allow the slow ws fallback in production',
  },
  { name: 'NODE_ENV', help: '`production` refuses the ws fallback and the dev mode' },
];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
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
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(
      `PARLEY_REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`,
    );
  }
  const logLevel = str(env, 'PARLEY_LOG_LEVEL') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `PARLEY_LOG_LEVEL must be one of trace|debug|info|warn|error|fatal|silent`,
    );
  }
  return {
    port: int(env, 'PARLEY_PORT', 8080, 0, 65535),
    host: str(env, 'PARLEY_HOST') ?? '0.0.0.0',
    jwt,
    redisUrl,
    allowedOrigins: origins(str(env, 'PARLEY_ALLOWED_ORIGINS')),
    apiKey: str(env, 'PARLEY_API_KEY'),
    dev,
    production,
    allowWsFallback: env.PARLEY_ALLOW_WS_FALLBACK === '1',
    logLevel,
    limits: {
      maxFrameSize: int(env, 'PARLEY_MAX_FRAME_SIZE', 64 * 1024, 1024, 64 * 1024 * 1024),
      maxHeaders: int(env, 'PARLEY_MAX_HEADERS', 64, 8, 10_000),
      maxHeaderLineLength: int(env, 'PARLEY_MAX_HEADER_LINE', 8 * 1024, 256, 1024 * 1024),
      connectTimeoutMs: int(env, 'PARLEY_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
      heartbeatMs: int(env, 'PARLEY_HEARTBEAT_MS', 10_000, 0, 3_600_000),
      maxSubscriptions: int(env, 'PARLEY_MAX_SUBSCRIPTIONS', 256, 1, 100_000),
    },
  };
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
