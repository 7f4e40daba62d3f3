/**
 * Every environment variable the relay reads, in one declarative table. It is the single source
 * of the defaults and ranges `loadConfig` applies (config.ts), of `parley-relay --help`, and of
 * the settings table in docs/configuration.md (`pnpm docs:config` writes it; a test fails when
 * the doc and this table differ).
 *
 * HOW TO ADD A VARIABLE
 *   1. Add a row to SETTINGS below: `name`, `section`, one-line `help` (for --help) and, when the
 *      docs need more, a markdown `doc`. Whole numbers get `int: { default, min, max }` and are
 *      read in config.ts with `int(env, 'PARLEY_X')`: never repeat the default or range there.
 *      0/1 switches get `flag: { default }` (read with `flag(env, 'PARLEY_X')`). Anything else
 *      gets `values` (what is accepted, in words) and an optional display `default`.
 *   2. Read it in config.ts (or in your module, given the env) and test it in config.test.ts.
 *   3. Run `pnpm docs:config` at the root and commit docs/configuration.md with your change.
 *   A module that keeps its own list (e.g. `SOCKJS_ENV_VARS`) adds it here with
 *   `...SOCKJS_ENV_VARS.map((v) => ({ ...v, section: 'sockjs' as const }))`.
 */

import { DEFAULT_DEDUP } from './broker/dedup.js';

/** Where a variable is listed in the docs, in this order. */
export const SECTIONS = {
  network: 'Network',
  jwt: 'Tokens (JWT)',
  redis: 'Redis: several relays',
  http: 'Browsers and the HTTP API',
  limits: 'Limits per connection',
  connections: 'Before login',
  history: 'History, read positions and idempotent SEND',
  destinations: 'Destinations',
  guest: 'Guest tokens',
  sockjs: 'SockJS',
  runtime: 'Runtime',
} as const;

export type Section = keyof typeof SECTIONS;

/** A whole number in a range. */
export interface IntRange {
  default: number;
  min: number;
  max: number;
}

/** One environment variable. */
export interface Setting {
  readonly name: string;
  readonly section: Section;
  /** One line, for `--help`. */
  readonly help: string;
  /** The meaning in docs/configuration.md (markdown); `help` when absent. */
  readonly doc?: string;
  /** The default as written in the environment, shown by `--help` (ints: set from `int`). */
  readonly default?: string;
  /** A whole number from `min` to `max`. */
  readonly int?: IntRange;
  /** A strict `0`/`1` switch (anything else is a configuration error). */
  readonly flag?: { default: boolean };
  /** What is accepted, in words (markdown), for variables that are neither `int` nor `flag`. */
  readonly values?: string;
}

/** A whole-number setting: its `default` (for --help) comes from the range. */
function num(row: Omit<Setting, 'int' | 'default'>, int: IntRange): Setting {
  return { ...row, int, default: String(int.default) };
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Every variable, in `--help` order. */
export const SETTINGS: readonly Setting[] = [
  num(
    {
      name: 'PARLEY_PORT',
      section: 'network',
      help: 'TCP port to listen on (0 picks a free one)',
      doc: 'TCP port (`0` picks a free one; the chosen port is logged)',
    },
    { default: 8080, min: 0, max: 65535 },
  ),
  {
    name: 'PARLEY_HOST',
    section: 'network',
    default: '0.0.0.0',
    values: 'an IPv4 or IPv6 address',
    help: 'Address to bind (127.0.0.1 by default in development mode)',
    doc: 'address to bind; `127.0.0.1` by default in development mode',
  },
  {
    name: 'PARLEY_JWT_SECRET',
    section: 'jwt',
    values: 'at least 16 characters',
    help: 'HS256 secret for client JWTs',
    doc: 'HS256 secret. One key source is required (this, `PARLEY_JWT_PUBLIC_KEY` or `PARLEY_JWKS_URL`) except with `--dev`',
  },
  {
    name: 'PARLEY_JWT_PUBLIC_KEY',
    section: 'jwt',
    values: 'a PEM public key',
    help: 'PEM public key for RS256/ES256 JWTs',
    doc: 'PEM public key for RS256 / ES256 (not together with `PARLEY_JWKS_URL`)',
  },
  {
    name: 'PARLEY_JWKS_URL',
    section: 'jwt',
    values: 'an `http(s)://` URL',
    help: 'JWKS URL for RS256/ES256 JWTs (keys chosen by kid)',
    doc: "JWKS endpoint for RS256 / ES256, key chosen by the token's `kid`; the whole key set is cached (see [JWKS](#jwks))",
  },
  {
    name: 'PARLEY_JWT_ISSUER',
    section: 'jwt',
    values: 'text',
    help: 'Required `iss` claim',
    doc: 'required `iss`',
  },
  {
    name: 'PARLEY_JWT_AUDIENCE',
    section: 'jwt',
    values: 'text',
    help: 'Required `aud` claim',
    doc: 'required `aud`',
  },
  {
    name: 'PARLEY_JWT_REQUIRE_EXP',
    section: 'jwt',
    flag: { default: true },
    help: '`exp` is required unless this is 0 (tokens without it never expire)',
    doc: '`1`: tokens without `exp` are refused (`token-invalid`); `0` accepts them (they then never expire, unless `PARLEY_MAX_SESSION_AGE_MS` is set)',
  },
  num(
    {
      name: 'PARLEY_JWKS_REFRESH_MIN_MS',
      section: 'jwt',
      help: 'Least time between two JWKS fetches (an unknown kid waits for the next one)',
      doc: 'least time between two fetches of the JWKS; a token with an unknown `kid` waits for (or shares) the next fetch, at most one per this interval',
    },
    { default: 30_000, min: 0, max: DAY },
  ),
  num(
    {
      name: 'PARLEY_JWKS_MAX_AGE_MS',
      section: 'jwt',
      help: 'Age after which the JWKS is fetched again (removed keys stop working)',
      doc: 'age after which the cached JWKS is fetched again, so keys removed from it stop working',
    },
    { default: 10 * MINUTE, min: 1000, max: 7 * DAY },
  ),
  num(
    {
      name: 'PARLEY_MAX_SESSION_AGE_MS',
      section: 'jwt',
      help: 'End connections older than this with token-expired (0 = no limit)',
      doc: 'connections older than this are ended with `ERROR token-expired` (reconnect with a fresh token); `0` = no limit',
    },
    { default: 0, min: 0, max: 365 * DAY },
  ),
  {
    name: 'PARLEY_REDIS_URL',
    section: 'redis',
    values: '`redis://` or `rediss://` URL; a comma list with `PARLEY_REDIS_CLUSTER=1`',
    help: 'Redis URL; unset = embedded in-memory broker',
    doc: 'Redis for several relays: `redis://[user:pass@]host:port[/db]` (`rediss://` for TLS); with `PARLEY_REDIS_CLUSTER=1`, a comma list of cluster root nodes. Unset: the embedded in-memory broker (one relay). See [operations.md](operations.md)',
  },
  {
    name: 'PARLEY_REDIS_CLUSTER',
    section: 'redis',
    values: '`1` = on, anything else off',
    help: 'Set to 1 when PARLEY_REDIS_URL lists Redis Cluster nodes',
    doc: '`1`: `PARLEY_REDIS_URL` lists Redis Cluster nodes (sharded pub/sub)',
  },
  {
    name: 'PARLEY_ALLOWED_ORIGINS',
    section: 'http',
    values: 'comma list of origins (`scheme://host[:port]`) or `*`',
    help: 'Comma list of browser origins allowed to connect',
    doc: 'browser origins allowed to open `/ws` (unset or `*` = any); also the pages guest tokens are handed to',
  },
  {
    name: 'PARLEY_API_KEY',
    section: 'http',
    values: 'text',
    help: 'Key for server-side HTTP publish',
    doc: 'key for the server-side HTTP API (`POST /api/publish`, `GET /api/history`, …) as `Authorization: Bearer <key>`; unset = those calls need a user token. See [protocol.md](protocol.md#http-api)',
  },
  {
    name: 'PARLEY_LOG_LEVEL',
    section: 'runtime',
    default: 'info',
    values: '`trace`, `debug`, `info`, `warn`, `error`, `fatal`, `silent`',
    help: 'pino level: trace|debug|info|warn|error',
    doc: 'log level (JSON lines on stdout)',
  },
  num(
    { name: 'PARLEY_MAX_FRAME_SIZE', section: 'limits', help: 'Largest STOMP frame in bytes' },
    { default: 64 * 1024, min: 1024, max: 64 * 1024 * 1024 },
  ),
  num(
    { name: 'PARLEY_MAX_HEADERS', section: 'limits', help: 'Most headers in one frame' },
    { default: 64, min: 8, max: 10_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_HEADER_LINE',
      section: 'limits',
      help: 'Longest header line in bytes',
      doc: 'longest command or header line in bytes',
    },
    { default: 8 * 1024, min: 256, max: 1024 * 1024 },
  ),
  num(
    {
      name: 'PARLEY_CONNECT_TIMEOUT_MS',
      section: 'limits',
      help: 'Time allowed to send CONNECT',
      doc: 'time a new socket has to complete `CONNECT`',
    },
    { default: 10_000, min: 100, max: 10 * MINUTE },
  ),
  num(
    {
      name: 'PARLEY_HEARTBEAT_MS',
      section: 'limits',
      help: 'Heart-beats on (any period) or off (0)',
      doc: 'heart-beats on, with periods as each client asks (`0` = off for every client)',
    },
    { default: 10_000, min: 0, max: 60 * MINUTE },
  ),
  num(
    {
      name: 'PARLEY_HEARTBEAT_MIN_MS',
      section: 'limits',
      help: 'Shortest heart-beat period a client gets',
      doc: 'shortest heart-beat period a client gets: one asking for less gets this',
    },
    { default: 1000, min: 100, max: 60 * MINUTE },
  ),
  num(
    {
      name: 'PARLEY_MAX_SUBSCRIPTIONS',
      section: 'limits',
      help: 'Most subscriptions per connection',
    },
    { default: 256, min: 1, max: 100_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_DESTINATION_LENGTH',
      section: 'limits',
      help: 'Longest destination',
      doc: 'longest destination, in characters',
    },
    { default: 255, min: 16, max: 4096 },
  ),
  num(
    {
      name: 'PARLEY_MAX_SEND_RATE',
      section: 'limits',
      help: 'SENDs per second per connection (0 = off)',
      doc: '`SEND`s per second per connection, a token bucket (`0` = off); past it `rate-limited`',
    },
    { default: 100, min: 0, max: 1_000_000 },
  ),
  num(
    {
      name: 'PARLEY_SEND_BURST',
      section: 'limits',
      help: 'SENDs allowed in a burst above the rate',
    },
    { default: 200, min: 1, max: 1_000_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_UNACKED',
      section: 'limits',
      help: 'Unacked messages per client-ack subscription',
      doc: 'unacknowledged messages per client-ack subscription (also the `/queue/` prefetch)',
    },
    { default: 1000, min: 1, max: 1_000_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_QUEUE_BACKLOG',
      section: 'limits',
      help: 'Messages a /queue/ holds without consumers',
      doc: 'messages a `/queue/` destination holds while no consumer can take them (per relay)',
    },
    { default: 10_000, min: 1, max: 10_000_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_BUFFERED_BYTES',
      section: 'limits',
      help: 'Bytes queued to a slow client before it is dropped',
      doc: 'bytes queued to a slow client before it is dropped (`slow-consumer`)',
    },
    { default: 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024 },
  ),
  num(
    {
      name: 'PARLEY_MAX_TRANSACTIONS',
      section: 'limits',
      help: 'Open transactions per connection',
    },
    { default: 16, min: 1, max: 10_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_REPLAY',
      section: 'limits',
      help: 'Most messages replayed on recovery',
      doc: 'most messages replayed to one recovering subscription (`parley-since`)',
    },
    { default: 1000, min: 0, max: 1_000_000 },
  ),
  num(
    {
      name: 'PARLEY_MAX_PRECONNECT_BYTES',
      section: 'connections',
      help: 'Bytes a socket may send before CONNECTED',
      doc: 'bytes a socket may send before its `CONNECTED`; past it `ERROR frame-too-large` and close',
    },
    { default: 16 * 1024, min: 1024, max: 1024 * 1024 },
  ),
  num(
    {
      name: 'PARLEY_MAX_CONNECTIONS_PER_IP',
      section: 'connections',
      help: 'Open WebSockets per client address, IPv6 per /64 (0 = off)',
      doc: 'open WebSockets per client address (IPv6: per /64); `0` = no limit',
    },
    { default: 500, min: 0, max: 10_000_000 },
  ),
  num(
    {
      name: 'PARLEY_CONNECT_RATE_PER_IP',
      section: 'connections',
      help: 'New WebSockets per second per client address (0 = off)',
      doc: 'new WebSockets per second per client address; `0` = no limit',
    },
    { default: 50, min: 0, max: 1_000_000 },
  ),
  num(
    {
      name: 'PARLEY_CONNECT_BURST_PER_IP',
      section: 'connections',
      help: 'New WebSockets per client address in a burst above the rate',
      doc: 'new WebSockets a client address may open at once above that rate',
    },
    { default: 200, min: 1, max: 10_000_000 },
  ),
  {
    name: 'PARLEY_TRUSTED_PROXIES',
    section: 'connections',
    values: 'comma list of IPv4/IPv6 addresses and CIDRs',
    help: 'Comma list of proxy IPs/CIDRs whose X-Forwarded-For / X-Real-IP are trusted',
    doc: 'proxies whose `X-Forwarded-For` / `X-Real-IP` name the client: see [operations.md](operations.md#behind-a-proxy-or-load-balancer-client-addresses)',
  },
  num(
    { name: 'PARLEY_HISTORY_SIZE', section: 'history', help: 'Messages kept per destination' },
    { default: 1000, min: 0, max: 10_000_000 },
  ),
  num(
    {
      name: 'PARLEY_HISTORY_TTL_MS',
      section: 'history',
      help: 'Age after which messages leave history',
      doc: 'age after which messages leave history (and read positions expire after the last mark in their destination)',
    },
    { default: DAY, min: 1000, max: 365 * DAY },
  ),
  num(
    {
      name: 'PARLEY_READS_LIMIT',
      section: 'history',
      help: "Most read positions one /parley/reads or /api/reads reply lists (the asker's own is extra)",
      doc: "most read positions one `/parley/reads` or `GET /api/reads` reply lists (the asker's own is added when it is not among them)",
    },
    { default: 100, min: 1, max: 10_000 },
  ),
  num(
    {
      name: 'PARLEY_DEDUP_WINDOW_MS',
      section: 'history',
      help: 'How long a SEND parley-client-id is remembered, so a resend is not published twice (0 = off)',
      doc: "how long the relay remembers a `SEND`'s `parley-client-id` (per sender and destination), so a resend is not published twice; `0` turns it off",
    },
    { default: DEFAULT_DEDUP.windowMs, min: 0, max: DAY },
  ),
  {
    name: 'PARLEY_PREFIX_MAP',
    section: 'destinations',
    default: '/pub/=/sub/,/app/=/topic/',
    values: 'comma list of `from=to` prefixes, each starting and ending in `/`; empty = none',
    help: 'Destination rewrites from=to, comma separated (empty string = none)',
    doc: 'Spring-style destination rewrites, applied in order; neither side may be `/parley/`, and none may rewrite into `/` or `/user/`',
  },
  num(
    {
      name: 'PARLEY_DRAIN_MS',
      section: 'runtime',
      help: 'On SIGTERM, end the sessions evenly over this many ms (0 = all at once)',
      doc: 'on `SIGTERM`, sessions end evenly over this many ms (`0` = at once); see [operations.md](operations.md#stopping-a-relay-the-drain)',
    },
    { default: 10_000, min: 0, max: 10 * MINUTE },
  ),
  {
    name: 'PARLEY_ALLOW_WS_FALLBACK',
    section: 'runtime',
    values: '`1` = on, anything else off',
    help: 'Set to 1 to allow the slow ws fallback in production',
    doc: '`1` lets a production relay start on the slow `ws` fallback (see [below](#the-uwebsocketsjs-binary))',
  },
  {
    name: 'PARLEY_GUEST_ENABLED',
    section: 'guest',
    values: '`0` or `1`',
    help: 'Set to 1 for guest tokens at POST /api/guest (on by default with --dev; 0 turns it off)',
    doc: '`1`: guest tokens at `POST /api/guest` (needs `PARLEY_JWT_SECRET` and, outside `--dev`, `PARLEY_ALLOWED_ORIGINS`); on by default with `--dev`; `0` turns it off',
  },
  {
    name: 'PARLEY_GUEST_GRANTS',
    section: 'guest',
    values: 'JSON `{"sub":[…],"pub":[…]}`',
    help: 'Guest grants as JSON {"sub":[...],"pub":[...]}; {guest} is the guest id; setting it turns guest mode on',
    doc: "destination patterns granted to every guest, `{guest}` standing for the guest's user id; setting it turns guest mode on (unless `PARLEY_GUEST_ENABLED=0`). Default: the lobby and the guest's own support room (`--dev`: every room)",
  },
  // Guest defaults and ranges live in auth/guest.ts (its own checks), hence in the text here.
  {
    name: 'PARLEY_GUEST_TTL_S',
    section: 'guest',
    values: '30–86400',
    help: 'Lifetime of a guest token in seconds; 900 when unset',
  },
  {
    name: 'PARLEY_GUEST_RATE_PER_IP',
    section: 'guest',
    values: '0–1000000',
    help: 'Guest tokens per minute per client address, 0 = off; 20 when unset',
  },
  // SockJS (read by sockjs/config.ts; settings.test.ts checks its SOCKJS_ENV_VARS against these).
  {
    name: 'PARLEY_SOCKJS',
    section: 'sockjs',
    flag: { default: true },
    help: 'Serve SockJS at /sockjs (0 turns it off)',
  },
  num(
    {
      name: 'PARLEY_SOCKJS_MAX_SESSIONS',
      section: 'sockjs',
      help: 'SockJS sessions open at once (each also counts against the per-IP limits)',
    },
    { default: 10_000, min: 1, max: 10_000_000 },
  ),
  num(
    {
      name: 'PARLEY_SOCKJS_HEARTBEAT_MS',
      section: 'sockjs',
      help: 'SockJS heart-beat frame period in ms',
    },
    { default: 25_000, min: 100, max: 60 * MINUTE },
  ),
  num(
    {
      name: 'PARLEY_SOCKJS_DISCONNECT_DELAY_MS',
      section: 'sockjs',
      help: 'A SockJS session with no receiving request open ends after this many ms',
    },
    { default: 5_000, min: 100, max: 60 * MINUTE },
  ),
  {
    name: 'PARLEY_SOCKJS_COOKIE_NEEDED',
    section: 'sockjs',
    flag: { default: false },
    help: 'Set to 1 to set JSESSIONID on SockJS answers (sticky load balancing on that cookie)',
  },
  {
    name: 'PARLEY_SOCKJS_TEST_SERVICES',
    section: 'sockjs',
    flag: { default: false },
    help: 'Set to 1 to serve the SockJS conformance services (echo, close…) under /sockjs-test/',
  },
  {
    name: 'NODE_ENV',
    section: 'runtime',
    values: '`production` or anything else',
    help: '`production` refuses the ws fallback and the dev mode',
    doc: '`production` refuses the `ws` fallback (exit status 3) and `--dev`',
  },
];

/** The row for `name`; throws for a name that is not in {@link SETTINGS} (a programming error). */
export function setting(name: string, table: readonly Setting[] = SETTINGS): Setting {
  const row = table.find((s) => s.name === name);
  if (!row) throw new Error(`${name} is not in SETTINGS (relay/src/settings.ts)`);
  return row;
}
