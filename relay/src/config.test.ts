import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, ENV_VARS, helpText, loadConfig } from './config.js';
import { DEFAULT_GUEST_GRANTS } from './auth/guest.js';

const SECRET = 'a-test-secret-of-32-characters!!';
/** The least a production config needs. */
const BASE = { PARLEY_JWT_SECRET: SECRET };

const PUBLIC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();

/** The ConfigError `fn` throws (fails the test if it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig: defaults', () => {
  it('fills every default from an env with only a secret', () => {
    expect(loadConfig(BASE)).toEqual({
      port: 8080,
      host: '0.0.0.0',
      jwt: {
        secret: SECRET,
        publicKey: undefined,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        requireExp: true,
        jwksRefreshMinMs: 30_000,
        jwksMaxAgeMs: 600_000,
      },
      redisUrls: [],
      redisCluster: false,
      allowedOrigins: [],
      apiKey: undefined,
      dev: false,
      production: false,
      allowWsFallback: false,
      logLevel: 'info',
      drainMs: 10_000,
      limits: {
        maxFrameSize: 65536,
        maxHeaders: 64,
        maxHeaderLineLength: 8192,
        connectTimeoutMs: 10000,
        heartbeatMs: 10000,
        heartbeatMinMs: 1000,
        maxSubscriptions: 256,
        maxDestinationLength: 255,
        maxSendRate: 100,
        sendBurst: 200,
        maxUnacked: 1000,
        maxQueueBacklog: 10000,
        maxBufferedBytes: 1048576,
        maxTransactions: 16,
        maxReplay: 1000,
        maxSessionAgeMs: 0,
      },
      connections: {
        maxPreconnectBytes: 16384,
        maxPerAddress: 500,
        ratePerAddress: 50,
        burstPerAddress: 200,
        trustedProxies: [],
      },
      history: { maxCount: 1000, maxAgeMs: 86_400_000 },
      dedup: { windowMs: 300_000, maxEntries: 100_000 },
      reads: { listLimit: 100 },
      guest: { enabled: false, grants: DEFAULT_GUEST_GRANTS, ttlS: 900, ratePerIp: 20 },
      sockjs: {
        enabled: true,
        testServices: false,
        cookieNeeded: false,
        maxSessions: 10_000,
        heartbeatMs: 25_000,
        disconnectDelayMs: 5_000,
      },
      prefixMap: [
        ['/pub/', '/sub/'],
        ['/app/', '/topic/'],
      ],
    });
  });

  it('treats empty and blank values as unset', () => {
    const cfg = loadConfig({
      ...BASE,
      PARLEY_PORT: '',
      PARLEY_HOST: '  ',
      PARLEY_REDIS_URL: '',
      PARLEY_ALLOWED_ORIGINS: '',
      PARLEY_API_KEY: ' ',
      PARLEY_LOG_LEVEL: '',
      PARLEY_MAX_FRAME_SIZE: '',
    });
    expect(cfg.port).toBe(8080);
    expect(cfg.host).toBe('0.0.0.0');
    expect(cfg.redisUrls).toEqual([]);
    expect(cfg.allowedOrigins).toEqual([]);
    expect(cfg.apiKey).toBeUndefined();
    expect(cfg.logLevel).toBe('info');
    expect(cfg.limits.maxFrameSize).toBe(65536);
  });

  it('reads every variable that is set', () => {
    const cfg = loadConfig({
      PARLEY_PORT: '9000',
      PARLEY_HOST: '127.0.0.1',
      PARLEY_JWT_SECRET: SECRET,
      PARLEY_JWT_ISSUER: 'https://auth.example.com',
      PARLEY_JWT_AUDIENCE: 'parley',
      PARLEY_REDIS_URL: 'redis://localhost:6379/0',
      PARLEY_ALLOWED_ORIGINS: 'https://a.com',
      PARLEY_API_KEY: 'k3y',
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_MAX_FRAME_SIZE: '2048',
      PARLEY_MAX_HEADERS: '16',
      PARLEY_MAX_HEADER_LINE: '512',
      PARLEY_CONNECT_TIMEOUT_MS: '1500',
      PARLEY_HEARTBEAT_MS: '0',
      PARLEY_MAX_SUBSCRIPTIONS: '3',
      PARLEY_MAX_DESTINATION_LENGTH: '100',
      PARLEY_MAX_SEND_RATE: '0',
      PARLEY_SEND_BURST: '5',
      PARLEY_MAX_UNACKED: '7',
      PARLEY_MAX_QUEUE_BACKLOG: '8',
      PARLEY_MAX_BUFFERED_BYTES: '70000',
      PARLEY_MAX_TRANSACTIONS: '2',
      PARLEY_MAX_REPLAY: '9',
      PARLEY_MAX_SESSION_AGE_MS: '60000',
      PARLEY_JWT_REQUIRE_EXP: '0',
      PARLEY_JWKS_REFRESH_MIN_MS: '1000',
      PARLEY_JWKS_MAX_AGE_MS: '2000',
      PARLEY_HISTORY_SIZE: '10',
      PARLEY_HISTORY_TTL_MS: '5000',
      PARLEY_DEDUP_WINDOW_MS: '60000',
      PARLEY_READS_LIMIT: '7',
      PARLEY_PREFIX_MAP: ' /in/ = /out/ ,/a/=/topic/a/',
      PARLEY_ALLOW_WS_FALLBACK: '1',
      NODE_ENV: 'production',
    });
    expect(cfg).toEqual({
      port: 9000,
      host: '127.0.0.1',
      jwt: {
        secret: SECRET,
        publicKey: undefined,
        jwksUrl: undefined,
        issuer: 'https://auth.example.com',
        audience: 'parley',
        requireExp: false,
        jwksRefreshMinMs: 1000,
        jwksMaxAgeMs: 2000,
      },
      redisUrls: ['redis://localhost:6379/0'],
      redisCluster: false,
      allowedOrigins: ['https://a.com'],
      apiKey: 'k3y',
      dev: false,
      production: true,
      allowWsFallback: true,
      logLevel: 'debug',
      drainMs: 10_000,
      limits: {
        maxFrameSize: 2048,
        maxHeaders: 16,
        maxHeaderLineLength: 512,
        connectTimeoutMs: 1500,
        heartbeatMs: 0,
        heartbeatMinMs: 1000,
        maxSubscriptions: 3,
        maxDestinationLength: 100,
        maxSendRate: 0,
        sendBurst: 5,
        maxUnacked: 7,
        maxQueueBacklog: 8,
        maxBufferedBytes: 70000,
        maxTransactions: 2,
        maxReplay: 9,
        maxSessionAgeMs: 60000,
      },
      connections: {
        maxPreconnectBytes: 16384,
        maxPerAddress: 500,
        ratePerAddress: 50,
        burstPerAddress: 200,
        trustedProxies: [],
      },
      history: { maxCount: 10, maxAgeMs: 5000 },
      dedup: { windowMs: 60_000, maxEntries: 100_000 },
      reads: { listLimit: 7 },
      guest: { enabled: false, grants: DEFAULT_GUEST_GRANTS, ttlS: 900, ratePerIp: 20 },
      sockjs: {
        enabled: true,
        testServices: false,
        cookieNeeded: false,
        maxSessions: 10_000,
        heartbeatMs: 25_000,
        disconnectDelayMs: 5_000,
      },
      prefixMap: [
        ['/in/', '/out/'],
        ['/a/', '/topic/a/'],
      ],
    });
  });

  it('requires exp unless PARLEY_JWT_REQUIRE_EXP is 0, and refuses other values', () => {
    expect(loadConfig(BASE).jwt.requireExp).toBe(true);
    expect(loadConfig({ ...BASE, PARLEY_JWT_REQUIRE_EXP: '1' }).jwt.requireExp).toBe(true);
    expect(loadConfig({ ...BASE, PARLEY_JWT_REQUIRE_EXP: ' 0 ' }).jwt.requireExp).toBe(false);
    for (const bad of ['no', 'false', '2']) {
      expect(configError(() => loadConfig({ ...BASE, PARLEY_JWT_REQUIRE_EXP: bad })).message).toBe(
        `PARLEY_JWT_REQUIRE_EXP must be 0 or 1, got "${bad}"`,
      );
    }
  });

  it('allows the ws fallback only for exactly "1"', () => {
    expect(loadConfig({ ...BASE, PARLEY_ALLOW_WS_FALLBACK: 'true' }).allowWsFallback).toBe(false);
    expect(loadConfig({ ...BASE, PARLEY_ALLOW_WS_FALLBACK: '0' }).allowWsFallback).toBe(false);
  });

  it('accepts a redis:// or rediss:// URL', () => {
    expect(
      loadConfig({ ...BASE, PARLEY_REDIS_URL: 'rediss://r.example.com:6380' }).redisUrls,
    ).toEqual(['rediss://r.example.com:6380']);
  });

  it('accepts every pino level', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      expect(loadConfig({ ...BASE, PARLEY_LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });
});

describe('loadConfig: numeric variables', () => {
  // name, default, min, max
  const NUMERIC: Array<[string, number, number, number]> = [
    ['PARLEY_PORT', 8080, 0, 65535],
    ['PARLEY_MAX_FRAME_SIZE', 65536, 1024, 64 * 1024 * 1024],
    ['PARLEY_MAX_HEADERS', 64, 8, 10_000],
    ['PARLEY_MAX_HEADER_LINE', 8192, 256, 1024 * 1024],
    ['PARLEY_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000],
    ['PARLEY_HEARTBEAT_MS', 10_000, 0, 3_600_000],
    ['PARLEY_HEARTBEAT_MIN_MS', 1000, 100, 3_600_000],
    ['PARLEY_MAX_SUBSCRIPTIONS', 256, 1, 100_000],
    ['PARLEY_MAX_DESTINATION_LENGTH', 255, 16, 4096],
    ['PARLEY_MAX_SEND_RATE', 100, 0, 1000000],
    ['PARLEY_SEND_BURST', 200, 1, 1000000],
    ['PARLEY_MAX_UNACKED', 1000, 1, 1000000],
    ['PARLEY_MAX_QUEUE_BACKLOG', 10000, 1, 10000000],
    ['PARLEY_MAX_BUFFERED_BYTES', 1048576, 65536, 1073741824],
    ['PARLEY_MAX_TRANSACTIONS', 16, 1, 10000],
    ['PARLEY_MAX_REPLAY', 1000, 0, 1_000_000],
    ['PARLEY_HISTORY_SIZE', 1000, 0, 10_000_000],
    ['PARLEY_HISTORY_TTL_MS', 86_400_000, 1000, 365 * 86_400_000],
    ['PARLEY_DEDUP_WINDOW_MS', 300_000, 0, 86_400_000],
    ['PARLEY_READS_LIMIT', 100, 1, 10_000],
    ['PARLEY_MAX_SESSION_AGE_MS', 0, 0, 365 * 86_400_000],
    ['PARLEY_JWKS_REFRESH_MIN_MS', 30_000, 0, 86_400_000],
    ['PARLEY_JWKS_MAX_AGE_MS', 600_000, 1000, 7 * 86_400_000],
    ['PARLEY_MAX_PRECONNECT_BYTES', 16384, 1024, 1024 * 1024],
    ['PARLEY_MAX_CONNECTIONS_PER_IP', 500, 0, 10_000_000],
    ['PARLEY_CONNECT_RATE_PER_IP', 50, 0, 1_000_000],
    ['PARLEY_CONNECT_BURST_PER_IP', 200, 1, 10_000_000],
    ['PARLEY_SOCKJS_MAX_SESSIONS', 10_000, 1, 10_000_000],
    ['PARLEY_SOCKJS_HEARTBEAT_MS', 25_000, 100, 3_600_000],
    ['PARLEY_SOCKJS_DISCONNECT_DELAY_MS', 5_000, 100, 3_600_000],
    ['PARLEY_DRAIN_MS', 10_000, 0, 600_000],
  ];
  const field = (cfg: ReturnType<typeof loadConfig>, name: string): number => {
    switch (name) {
      case 'PARLEY_PORT':
        return cfg.port;
      case 'PARLEY_MAX_FRAME_SIZE':
        return cfg.limits.maxFrameSize;
      case 'PARLEY_MAX_HEADERS':
        return cfg.limits.maxHeaders;
      case 'PARLEY_MAX_HEADER_LINE':
        return cfg.limits.maxHeaderLineLength;
      case 'PARLEY_CONNECT_TIMEOUT_MS':
        return cfg.limits.connectTimeoutMs;
      case 'PARLEY_HEARTBEAT_MS':
        return cfg.limits.heartbeatMs;
      case 'PARLEY_HEARTBEAT_MIN_MS':
        return cfg.limits.heartbeatMinMs!;
      case 'PARLEY_MAX_SUBSCRIPTIONS':
        return cfg.limits.maxSubscriptions;
      case 'PARLEY_MAX_DESTINATION_LENGTH':
        return cfg.limits.maxDestinationLength;
      case 'PARLEY_MAX_SEND_RATE':
        return cfg.limits.maxSendRate;
      case 'PARLEY_SEND_BURST':
        return cfg.limits.sendBurst;
      case 'PARLEY_MAX_UNACKED':
        return cfg.limits.maxUnacked;
      case 'PARLEY_MAX_QUEUE_BACKLOG':
        return cfg.limits.maxQueueBacklog;
      case 'PARLEY_MAX_BUFFERED_BYTES':
        return cfg.limits.maxBufferedBytes;
      case 'PARLEY_MAX_TRANSACTIONS':
        return cfg.limits.maxTransactions;
      case 'PARLEY_MAX_REPLAY':
        return cfg.limits.maxReplay;
      case 'PARLEY_HISTORY_SIZE':
        return cfg.history.maxCount;
      case 'PARLEY_HISTORY_TTL_MS':
        return cfg.history.maxAgeMs;
      case 'PARLEY_DEDUP_WINDOW_MS':
        return cfg.dedup.windowMs;
      case 'PARLEY_READS_LIMIT':
        return cfg.reads.listLimit;
      case 'PARLEY_MAX_SESSION_AGE_MS':
        return cfg.limits.maxSessionAgeMs ?? -1;
      case 'PARLEY_JWKS_REFRESH_MIN_MS':
        return cfg.jwt.jwksRefreshMinMs ?? -1;
      case 'PARLEY_JWKS_MAX_AGE_MS':
        return cfg.jwt.jwksMaxAgeMs ?? -1;
      case 'PARLEY_MAX_PRECONNECT_BYTES':
        return cfg.connections.maxPreconnectBytes;
      case 'PARLEY_MAX_CONNECTIONS_PER_IP':
        return cfg.connections.maxPerAddress;
      case 'PARLEY_CONNECT_RATE_PER_IP':
        return cfg.connections.ratePerAddress;
      case 'PARLEY_CONNECT_BURST_PER_IP':
        return cfg.connections.burstPerAddress;
      case 'PARLEY_SOCKJS_MAX_SESSIONS':
        return cfg.sockjs.maxSessions;
      case 'PARLEY_SOCKJS_HEARTBEAT_MS':
        return cfg.sockjs.heartbeatMs;
      case 'PARLEY_SOCKJS_DISCONNECT_DELAY_MS':
        return cfg.sockjs.disconnectDelayMs;
      case 'PARLEY_DRAIN_MS':
        return cfg.drainMs;

      default:
        throw new Error(`no field for ${name}`);
    }
  };

  it('covers every numeric variable that has a default in ENV_VARS', () => {
    const numericInEnvVars = ENV_VARS.filter(
      (v) => v.default !== undefined && /^\d+$/.test(v.default),
    )
      .map((v) => v.name)
      .sort();
    expect(numericInEnvVars).toEqual(NUMERIC.map(([n]) => n).sort());
    for (const [name, def] of NUMERIC) {
      expect(ENV_VARS.find((v) => v.name === name)?.default).toBe(String(def));
    }
  });

  describe.each(NUMERIC)('%s', (name, def, min, max) => {
    it(`defaults to ${def}`, () => {
      expect(field(loadConfig(BASE), name)).toBe(def);
    });

    it('accepts both ends of its range, and surrounding spaces', () => {
      expect(field(loadConfig({ ...BASE, [name]: String(min) }), name)).toBe(min);
      expect(field(loadConfig({ ...BASE, [name]: String(max) }), name)).toBe(max);
      expect(field(loadConfig({ ...BASE, [name]: ` ${min} ` }), name)).toBe(min);
    });

    it.each(['abc', '12abc', '-1', '1.5', '1e3', '0x10', '+5', '٣'])('rejects %j', (raw) => {
      const err = configError(() => loadConfig({ ...BASE, [name]: raw }));
      expect(err.message).toBe(`${name} must be a whole number, got "${raw}"`);
    });

    it('rejects values out of range', () => {
      if (min > 0) {
        expect(configError(() => loadConfig({ ...BASE, [name]: String(min - 1) })).message).toBe(
          `${name} must be between ${min} and ${max}, got ${min - 1}`,
        );
      }
      expect(configError(() => loadConfig({ ...BASE, [name]: String(max + 1) })).message).toBe(
        `${name} must be between ${min} and ${max}, got ${max + 1}`,
      );
      expect(
        configError(() => loadConfig({ ...BASE, [name]: '99999999999999999999' })).message,
      ).toMatch(new RegExp(`^${name} must be between ${min} and ${max}, got `));
    });
  });
});

describe('loadConfig: JWT keys and modes', () => {
  it('refuses to start without any JWT key outside development mode', () => {
    const err = configError(() => loadConfig({}));
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe(
      'no JWT key: set PARLEY_JWT_SECRET (HS256), PARLEY_JWT_PUBLIC_KEY or PARLEY_JWKS_URL, ' +
        'or start in development mode with --dev (pnpm start)',
    );
    expect(configError(() => loadConfig({ PARLEY_JWT_SECRET: '   ' })).message).toMatch(
      /^no JWT key/,
    );
    expect(configError(() => loadConfig({}, { dev: false })).message).toMatch(/^no JWT key/);
  });

  it('uses the well-known dev secret in development mode', () => {
    const cfg = loadConfig({}, { dev: true });
    expect(cfg.dev).toBe(true);
    expect(cfg.production).toBe(false);
    expect(cfg.jwt.secret).toBe(DEV_JWT_SECRET);
    expect(DEV_JWT_SECRET).toBe('parley-dev-secret-do-not-use-in-production');
  });

  it('lets PARLEY_JWT_SECRET replace the dev secret in development mode', () => {
    expect(loadConfig(BASE, { dev: true }).jwt.secret).toBe(SECRET);
  });

  it('does not add the dev secret when a public key is configured in development mode', () => {
    const cfg = loadConfig({ PARLEY_JWT_PUBLIC_KEY: PUBLIC_KEY }, { dev: true });
    expect(cfg.jwt.secret).toBeUndefined();
    expect(cfg.jwt.publicKey).toBe(PUBLIC_KEY);
  });

  it('refuses development mode with NODE_ENV=production', () => {
    expect(configError(() => loadConfig({ NODE_ENV: 'production' }, { dev: true })).message).toBe(
      'development mode (--dev) cannot run with NODE_ENV=production',
    );
    // Even with a real secret.
    expect(() => loadConfig({ ...BASE, NODE_ENV: 'production' }, { dev: true })).toThrow(
      ConfigError,
    );
  });

  it('refuses a secret shorter than 16 characters', () => {
    expect(configError(() => loadConfig({ PARLEY_JWT_SECRET: '123456789012345' })).message).toBe(
      'PARLEY_JWT_SECRET must be at least 16 characters',
    );
    expect(
      configError(() => loadConfig({ PARLEY_JWT_SECRET: 'short' }, { dev: true })).message,
    ).toBe('PARLEY_JWT_SECRET must be at least 16 characters');
    expect(loadConfig({ PARLEY_JWT_SECRET: '1234567890123456' }).jwt.secret).toBe(
      '1234567890123456',
    );
  });

  it('accepts a PEM public key alone', () => {
    const cfg = loadConfig({ PARLEY_JWT_PUBLIC_KEY: PUBLIC_KEY });
    expect(cfg.jwt).toEqual({
      secret: undefined,
      publicKey: PUBLIC_KEY,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      requireExp: true,
      jwksRefreshMinMs: 30_000,
      jwksMaxAgeMs: 600_000,
    });
  });

  it('accepts an RSA PUBLIC KEY (PKCS#1) PEM', () => {
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ format: 'pem', type: 'pkcs1' })
      .toString();
    expect(pkcs1).toMatch(/^-----BEGIN RSA PUBLIC KEY-----/);
    expect(loadConfig({ PARLEY_JWT_PUBLIC_KEY: pkcs1 }).jwt.publicKey).toBe(pkcs1);
  });

  it('accepts a JWKS URL alone', () => {
    const url = 'https://auth.example.com/.well-known/jwks.json';
    expect(loadConfig({ PARLEY_JWKS_URL: url }).jwt.jwksUrl).toBe(url);
    expect(loadConfig({ PARLEY_JWKS_URL: 'http://127.0.0.1:9/jwks' }).jwt.jwksUrl).toBe(
      'http://127.0.0.1:9/jwks',
    );
  });

  it('refuses PARLEY_JWT_PUBLIC_KEY and PARLEY_JWKS_URL together', () => {
    expect(
      configError(() =>
        loadConfig({ PARLEY_JWT_PUBLIC_KEY: PUBLIC_KEY, PARLEY_JWKS_URL: 'https://a.com/jwks' }),
      ).message,
    ).toBe('set only one of PARLEY_JWT_PUBLIC_KEY and PARLEY_JWKS_URL');
  });

  it.each([
    ['not a key'],
    ['-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----'],
    ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ])('refuses a public key that is not a PEM public key: %j', (value) => {
    expect(configError(() => loadConfig({ PARLEY_JWT_PUBLIC_KEY: value })).message).toBe(
      'PARLEY_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
    );
  });

  it('refuses a private key PEM as the public key', () => {
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(configError(() => loadConfig({ PARLEY_JWT_PUBLIC_KEY: priv })).message).toBe(
      'PARLEY_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
    );
  });

  it.each(['auth.example.com/jwks', 'ftp://auth.example.com/jwks', 'file:///etc/jwks.json'])(
    'refuses a JWKS URL that is not http(s): %j',
    (url) => {
      expect(configError(() => loadConfig({ PARLEY_JWKS_URL: url })).message).toBe(
        `PARLEY_JWKS_URL must be an http(s) URL, got "${url}"`,
      );
    },
  );
});

describe('loadConfig: other validation', () => {
  it.each(['localhost:6379', 'http://localhost:6379', 'redis:/localhost'])(
    'refuses a Redis URL that is not redis(s)://: %j',
    (url) => {
      expect(configError(() => loadConfig({ ...BASE, PARLEY_REDIS_URL: url })).message).toBe(
        `PARLEY_REDIS_URL must start with redis:// or rediss://, got "${url}"`,
      );
    },
  );

  it.each(['verbose', 'INFO', 'warning', '10'])('refuses log level %j', (level) => {
    expect(configError(() => loadConfig({ ...BASE, PARLEY_LOG_LEVEL: level })).message).toBe(
      'PARLEY_LOG_LEVEL must be one of trace|debug|info|warn|error|fatal|silent',
    );
  });

  it('parses the origin list, trimming spaces and stripping one trailing slash', () => {
    const cfg = loadConfig({
      ...BASE,
      PARLEY_ALLOWED_ORIGINS:
        ' https://a.com , http://localhost:3000/,,https://b.example.org:8443 ',
    });
    expect(cfg.allowedOrigins).toEqual([
      'https://a.com',
      'http://localhost:3000',
      'https://b.example.org:8443',
    ]);
  });

  it('keeps "*" in the origin list', () => {
    expect(loadConfig({ ...BASE, PARLEY_ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
  });

  it('refuses an origin without a scheme', () => {
    expect(
      configError(() => loadConfig({ ...BASE, PARLEY_ALLOWED_ORIGINS: 'example.com' })).message,
    ).toBe('PARLEY_ALLOWED_ORIGINS: "example.com" is not an origin like https://example.com');
  });

  it.each(['https://a.com/path', 'https://a.com/?q=1', 'https://user@a.com'])(
    'refuses %j, which is not a bare origin',
    (origin) => {
      expect(
        configError(() =>
          loadConfig({ ...BASE, PARLEY_ALLOWED_ORIGINS: `https://ok.com,${origin}` }),
        ).message,
      ).toBe(`PARLEY_ALLOWED_ORIGINS: "${origin}" must be a bare origin (scheme://host[:port])`);
    },
  );
});

describe('helpText', () => {
  const text = helpText();

  it('starts with the usage line and ends with a newline', () => {
    expect(text.startsWith('Usage: parley-relay [--dev] [--help]\n')).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('  --dev    ');
    expect(text).toContain('  --help   print this help');
  });

  it('lists every ENV_VARS entry with its help and default', () => {
    for (const v of ENV_VARS) {
      const line = text.split('\n').find((l) => l.startsWith(`  ${v.name} `));
      expect(line, v.name).toBeDefined();
      expect(line).toContain(v.help);
      if (v.default !== undefined) expect(line).toContain(`(default ${v.default})`);
      else expect(line).not.toContain('(default');
    }
    expect(text).toMatch(
      /^ {2}PARLEY_PORT +TCP port to listen on \(0 picks a free one\) \(default 8080\)$/m,
    );
  });

  it('lists every variable DESIGN.md fixes', () => {
    const fixed = [
      'PARLEY_PORT',
      'PARLEY_HOST',
      'PARLEY_JWT_SECRET',
      'PARLEY_JWT_PUBLIC_KEY',
      'PARLEY_JWKS_URL',
      'PARLEY_JWT_ISSUER',
      'PARLEY_JWT_AUDIENCE',
      'PARLEY_REDIS_URL',
      'PARLEY_ALLOWED_ORIGINS',
      'PARLEY_API_KEY',
    ];
    const names = ENV_VARS.map((v) => v.name);
    for (const name of fixed) {
      expect(names).toContain(name);
      expect(text).toMatch(new RegExp(`^ {2}${name} `, 'm'));
    }
  });

  it('has unique ENV_VARS names, each PARLEY_* or NODE_ENV', () => {
    const names = ENV_VARS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^(PARLEY_[A-Z_]+|NODE_ENV)$/);
  });
});

describe('loadConfig: PARLEY_PREFIX_MAP', () => {
  it('accepts an empty map', () => {
    expect(loadConfig({ ...BASE, PARLEY_PREFIX_MAP: '' }).prefixMap).toEqual([]);
  });

  it.each([
    '/pub=/sub/',
    'pub/=/sub/',
    '/pub/',
    '/pub/=/sub/=/x/',
    '/a/../=/b/',
    '/pub/=/',
    '/pub/=/user/x/',
    '/pub/=/parley/',
    '/parley/=/topic/',
  ])('refuses %j with a message naming the variable', (raw) => {
    expect(() => loadConfig({ ...BASE, PARLEY_PREFIX_MAP: raw })).toThrow(/^PARLEY_PREFIX_MAP: /);
  });
});

describe('loadConfig: Redis', () => {
  it('reads a cluster node list with PARLEY_REDIS_CLUSTER=1', () => {
    const cfg = loadConfig({
      ...BASE,
      PARLEY_REDIS_URL: 'redis://a:7000, redis://b:7001',
      PARLEY_REDIS_CLUSTER: '1',
    });
    expect(cfg.redisUrls).toEqual(['redis://a:7000', 'redis://b:7001']);
    expect(cfg.redisCluster).toBe(true);
  });

  it.each([
    [{ PARLEY_REDIS_URL: 'redis://a:1,redis://b:2' }, /set PARLEY_REDIS_CLUSTER=1/],
    [{ PARLEY_REDIS_CLUSTER: '1' }, /needs PARLEY_REDIS_URL/],
    [{ PARLEY_REDIS_URL: 'http://a:1' }, /must start with redis:\/\/ or rediss:\/\//],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(message);
  });
});

describe('loadConfig: connections before login', () => {
  it('reads PARLEY_TRUSTED_PROXIES as a list of IPv4/IPv6 addresses and CIDRs', () => {
    expect(
      loadConfig({
        ...BASE,
        PARLEY_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.5 ,fd00::/8,::1,::ffff:172.16.0.0/108,',
      }).connections.trustedProxies,
    ).toEqual(['10.0.0.0/8', '192.168.1.5', 'fd00::/8', '::1', '::ffff:172.16.0.0/108']);
  });

  it.each(['10.0.0.0/33', 'proxy.example.com', '10.0.0.0/8/2', 'fd00::/200'])(
    'refuses %j in PARLEY_TRUSTED_PROXIES, naming the variable and the entry',
    (entry) => {
      expect(
        configError(() => loadConfig({ ...BASE, PARLEY_TRUSTED_PROXIES: `10.0.0.1,${entry}` }))
          .message,
      ).toMatch(
        new RegExp(`^PARLEY_TRUSTED_PROXIES: "${entry.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`),
      );
    },
  );

  it('listens on loopback by default in development mode only, unless PARLEY_HOST is set', () => {
    expect(loadConfig({}, { dev: true }).host).toBe('127.0.0.1');
    expect(loadConfig(BASE).host).toBe('0.0.0.0');
    expect(loadConfig({ PARLEY_HOST: '0.0.0.0' }, { dev: true }).host).toBe('0.0.0.0');
  });
});
