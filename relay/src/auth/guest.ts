/**
 * Guest identity (DESIGN.md §10): short-lived tokens the relay signs itself for visitors of
 * sites with no backend. Off by default. This file holds the settings (read from the
 * `PARLEY_GUEST_*` variables) and the token minting; `api/guest.ts` is the HTTP endpoint.
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Destination patterns granted to every guest; `{guest}` stands for the guest's user id. */
export interface GuestGrants {
  sub: string[];
  pub: string[];
}

/** Guest mode settings. */
export interface GuestConfig {
  /** Whether `POST /api/guest` exists. */
  enabled: boolean;
  /** Why it is off although it was asked for (development mode without an HS256 secret). */
  offReason?: string;
  /** `PARLEY_GUEST_GRANTS`. */
  grants: GuestGrants;
  /** `PARLEY_GUEST_TTL_S`: lifetime of a guest token, in seconds. */
  ttlS: number;
  /** `PARLEY_GUEST_RATE_PER_IP`: tokens per minute per client address (0 = no limit). */
  ratePerIp: number;
}

/** What the guest settings are checked against. */
export interface GuestConfigContext {
  dev: boolean;
  /** The relay's HS256 secret, when it has one. */
  secret: string | undefined;
  /** `PARLEY_ALLOWED_ORIGINS` (empty = any). */
  allowedOrigins: readonly string[];
}

/** The user-id prefix of every guest. */
export const GUEST_PREFIX = 'guest-';
/** A guest id: random, URL-safe, 22 to 64 characters (16 random bytes in base64url are 22). */
export const GUEST_ID = /^[A-Za-z0-9_-]{22,64}$/;
/** The placeholder for the guest's user id in grant patterns. */
export const GUEST_PLACEHOLDER = '{guest}';

/** Lobby and the guest's own support conversation (and the support inbox announcement). */
export const DEFAULT_GUEST_GRANTS: GuestGrants = {
  sub: ['/topic/room.lobby', '/topic/room.support.{guest}'],
  pub: ['/topic/room.lobby', '/topic/room.support.{guest}', '/topic/room.support-inbox'],
};
/** Development mode (the demo page): every room. */
export const DEV_GUEST_GRANTS: GuestGrants = {
  sub: ['/topic/room.*'],
  pub: ['/topic/room.*'],
};

type Env = Record<string, string | undefined>;

/** Thrown for a bad `PARLEY_GUEST_*` setting (`config.ts` turns it into a ConfigError). */
export class GuestConfigError extends Error {
  override readonly name = 'GuestConfigError';
}

function patterns(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p.startsWith('/'))) {
    throw new GuestConfigError(
      `PARLEY_GUEST_GRANTS: "${key}" must be a list of destination patterns starting with "/"`,
    );
  }
  return value as string[];
}

/** Parses `PARLEY_GUEST_GRANTS`: JSON `{"sub": [...], "pub": [...]}`. */
export function parseGuestGrants(raw: string): GuestGrants {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new GuestConfigError(
      'PARLEY_GUEST_GRANTS must be JSON like {"sub":["/topic/room.lobby"],"pub":["/topic/room.lobby"]}',
    );
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GuestConfigError('PARLEY_GUEST_GRANTS must be a JSON object with "sub" and "pub"');
  }
  const o = json as Record<string, unknown>;
  return { sub: patterns(o.sub ?? [], 'sub'), pub: patterns(o.pub ?? [], 'pub') };
}

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    throw new GuestConfigError(
      `${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return n;
}

/**
 * Reads the guest settings. On when `PARLEY_GUEST_ENABLED=1`, or when `PARLEY_GUEST_GRANTS` is
 * set (unless `PARLEY_GUEST_ENABLED=0`), and by default in development mode.
 *
 * @throws GuestConfigError for a bad value, for guest mode on a relay without an HS256 secret
 *   (it cannot sign), and outside development mode without `PARLEY_ALLOWED_ORIGINS`
 */
export function loadGuestConfig(env: Env, ctx: GuestConfigContext): GuestConfig {
  const flag = env.PARLEY_GUEST_ENABLED?.trim();
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== '1') {
    throw new GuestConfigError(`PARLEY_GUEST_ENABLED must be 0 or 1, got "${flag}"`);
  }
  const grantsRaw = env.PARLEY_GUEST_GRANTS?.trim() || undefined;
  const explicit = flag === '1' || (flag !== '0' && grantsRaw !== undefined);
  const wanted = explicit || (ctx.dev && flag !== '0');
  const config: GuestConfig = {
    enabled: wanted,
    grants: grantsRaw
      ? parseGuestGrants(grantsRaw)
      : ctx.dev
        ? DEV_GUEST_GRANTS
        : DEFAULT_GUEST_GRANTS,
    ttlS: whole(env, 'PARLEY_GUEST_TTL_S', 900, 30, 86_400),
    ratePerIp: whole(env, 'PARLEY_GUEST_RATE_PER_IP', 20, 0, 1_000_000),
  };
  if (!wanted) return config;
  if (ctx.secret === undefined) {
    const reason =
      'guest mode needs PARLEY_JWT_SECRET: the relay signs guest tokens with HS256 and has only public keys (PARLEY_JWT_PUBLIC_KEY / PARLEY_JWKS_URL)';
    if (explicit) throw new GuestConfigError(reason);
    return { ...config, enabled: false, offReason: reason };
  }
  if (!ctx.dev && ctx.allowedOrigins.length === 0) {
    throw new GuestConfigError(
      'guest mode needs PARLEY_ALLOWED_ORIGINS: guest tokens are handed only to pages of the listed origins',
    );
  }
  return config;
}

/** A new random guest id (16 bytes, base64url: 22 characters). */
export function newGuestId(): string {
  return randomBytes(16).toString('base64url');
}

/** Grants for one guest: `{guest}` replaced by their user id. */
export function grantsFor(grants: GuestGrants, userId: string): GuestGrants {
  const fill = (p: string): string => p.split(GUEST_PLACEHOLDER).join(userId);
  return { sub: grants.sub.map(fill), pub: grants.pub.map(fill) };
}

/** What {@link signGuestToken} returns. */
export interface GuestToken {
  token: string;
  /** The id to keep and present again (a bearer secret: it is the guest's identity). */
  guestId: string;
  /** `guest-<guestId>`: the token's `sub`. */
  userId: string;
  /** Seconds since 1970. */
  expiresAt: number;
}

/** Signs an HS256 token for guest `guestId` with the configured grants and lifetime. */
export function signGuestToken(
  guestId: string,
  config: Pick<GuestConfig, 'grants' | 'ttlS'>,
  key: { secret: string; issuer?: string; audience?: string },
  now = Date.now(),
): GuestToken {
  const userId = `${GUEST_PREFIX}${guestId}`;
  const iat = Math.floor(now / 1000);
  const expiresAt = iat + config.ttlS;
  const claims = {
    sub: userId,
    name: `Guest ${guestId.slice(0, 4)}`,
    parley: grantsFor(config.grants, userId),
    iat,
    exp: expiresAt,
    ...(key.issuer !== undefined && { iss: key.issuer }),
    ...(key.audience !== undefined && { aud: key.audience }),
  };
  const token = jwt.sign(claims, key.secret, { algorithm: 'HS256' });
  return { token, guestId, userId, expiresAt };
}
