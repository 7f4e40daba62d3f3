/**
 * The SockJS part of the relay's configuration (`PARLEY_SOCKJS_*`), read by `loadConfig` and
 * listed in `--help` through {@link SOCKJS_ENV_VARS}.
 */

/** SockJS settings that come from the environment; the rest derive from the STOMP limits. */
export interface SockJsConfig {
  /** `PARLEY_SOCKJS`: serve `/sockjs` (default on). */
  enabled: boolean;
  /** `PARLEY_SOCKJS_TEST_SERVICES`: also serve the conformance services under `/sockjs-test/`. */
  testServices: boolean;
  /** `PARLEY_SOCKJS_COOKIE_NEEDED`: set `JSESSIONID` for load balancers that stick on it. */
  cookieNeeded: boolean;
  /** `PARLEY_SOCKJS_MAX_SESSIONS`: SockJS sessions open at once on this relay. */
  maxSessions: number;
  /** `PARLEY_SOCKJS_HEARTBEAT_MS`: SockJS heart-beat frame period. */
  heartbeatMs: number;
  /** `PARLEY_SOCKJS_DISCONNECT_DELAY_MS`: a session with no receiving request ends after this. */
  disconnectDelayMs: number;
}

/** Thrown for an invalid `PARLEY_SOCKJS_*` value; `loadConfig` turns it into a ConfigError. */
export class SockJsConfigError extends Error {
  override readonly name = 'SockJsConfigError';
}

/** The variables, for `--help` (same shape as `ENV_VARS`). */
export const SOCKJS_ENV_VARS: ReadonlyArray<{ name: string; help: string; default?: string }> = [
  { name: 'PARLEY_SOCKJS', default: '1', help: 'Serve SockJS at /sockjs (0 turns it off)' },
  {
    name: 'PARLEY_SOCKJS_MAX_SESSIONS',
    default: '10000',
    help: 'SockJS sessions open at once (each also counts against the per-IP limits)',
  },
  {
    name: 'PARLEY_SOCKJS_HEARTBEAT_MS',
    default: '25000',
    help: 'SockJS heart-beat frame period in ms',
  },
  {
    name: 'PARLEY_SOCKJS_DISCONNECT_DELAY_MS',
    default: '5000',
    help: 'A SockJS session with no receiving request open ends after this many ms',
  },
  {
    name: 'PARLEY_SOCKJS_COOKIE_NEEDED',
    default: '0',
    help: 'Set to 1 to set JSESSIONID on SockJS answers (sticky load balancing on that cookie)',
  },
  {
    name: 'PARLEY_SOCKJS_TEST_SERVICES',
    default: '0',
    help: 'Set to 1 to serve the SockJS conformance services (echo, close…) under /sockjs-test/',
  },
];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw))
    throw new SockJsConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) {
    throw new SockJsConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  }
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1')
    throw new SockJsConfigError(`${name} must be 0 or 1, got "${raw}"`);
  return raw === '1';
}

/** Reads `PARLEY_SOCKJS_*`. */
export function loadSockJsConfig(env: Env): SockJsConfig {
  return {
    enabled: flag(env, 'PARLEY_SOCKJS', true),
    testServices: flag(env, 'PARLEY_SOCKJS_TEST_SERVICES', false),
    cookieNeeded: flag(env, 'PARLEY_SOCKJS_COOKIE_NEEDED', false),
    maxSessions: int(env, 'PARLEY_SOCKJS_MAX_SESSIONS', 10_000, 1, 10_000_000),
    heartbeatMs: int(env, 'PARLEY_SOCKJS_HEARTBEAT_MS', 25_000, 100, 3_600_000),
    disconnectDelayMs: int(env, 'PARLEY_SOCKJS_DISCONNECT_DELAY_MS', 5_000, 100, 3_600_000),
  };
}
