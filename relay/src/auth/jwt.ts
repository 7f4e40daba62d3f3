import { createPublicKey, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtPayload } from 'jsonwebtoken';
import type { JwtConfig } from '../config.js';
import { hasControl } from '../controls.js';
import { REASONS, StompError } from '../reasons.js';
import { JwksKeyNotFoundError, JwksKeyStore, JwksUnavailableError } from './jwks.js';
import type { JwksFetchOutcome } from './jwks.js';
import type { Grants, Principal } from './principal.js';

/** Verifies a JWT and turns its claims into a {@link Principal}; rejects with a StompError. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** Where the verifier writes what it does not tell clients (a pino logger fits). */
export interface AuthLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What {@link createVerifier} needs besides the settings. */
export interface VerifierDeps {
  /** Details of refused tokens and of JWKS fetches; nothing is logged without it. */
  log?: AuthLog;
  /** For tests: the fetch used for the JWKS, and the clock. */
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}

/** Defaults of the optional {@link JwtConfig} settings. */
export const JWT_DEFAULTS = {
  requireExp: true,
  jwksRefreshMinMs: 30_000,
  jwksMaxAgeMs: 600_000,
} as const;

const ASYMMETRIC = new Set(['RS256', 'ES256']);

/** Message for every client whose token cannot be checked for want of keys. */
const UNAVAILABLE_MESSAGE = 'the relay cannot check tokens right now; try again later';

/** The key for a token's header, or a StompError saying why there is none. */
type KeyFor = (header: { alg?: unknown; kid?: unknown }) => KeyObject | Promise<KeyObject>;

function keyResolver(cfg: JwtConfig, deps: VerifierDeps): KeyFor {
  const hs256 = cfg.secret !== undefined;
  const asymmetric = cfg.publicKey !== undefined || cfg.jwksUrl !== undefined;
  // KeyObjects made once: given strings, jsonwebtoken re-parses the key on every verify
  // (trying it as a public key first, and failing), which dominated the cost of a CONNECT.
  const secretKey = cfg.secret !== undefined ? createSecretKey(Buffer.from(cfg.secret)) : undefined;
  const publicKey = cfg.publicKey !== undefined ? createPublicKey(cfg.publicKey) : undefined;
  const jwks = cfg.jwksUrl !== undefined ? jwksStore(cfg.jwksUrl, cfg, deps) : undefined;
  return (header) => {
    const alg = header.alg;
    const accepted =
      typeof alg === 'string' &&
      ((alg === 'HS256' && hs256) || (ASYMMETRIC.has(alg) && asymmetric));
    if (!accepted) {
      throw new StompError(
        REASONS.tokenInvalid,
        `invalid token: algorithm ${String(alg)} is not accepted`,
      );
    }
    if (alg === 'HS256') return secretKey!;
    if (publicKey) return publicKey;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    return jwks!.key(kid, alg).catch((err: unknown) => {
      if (err instanceof JwksKeyNotFoundError) {
        throw new StompError(REASONS.tokenInvalid, `invalid token: ${err.message}`);
      }
      if (err instanceof JwksUnavailableError) {
        throw new StompError(REASONS.authUnavailable, UNAVAILABLE_MESSAGE);
      }
      throw err;
    });
  };
}

function jwksStore(url: string, cfg: JwtConfig, deps: VerifierDeps): JwksKeyStore {
  const { log } = deps;
  return new JwksKeyStore({
    url,
    refreshMinMs: cfg.jwksRefreshMinMs ?? JWT_DEFAULTS.jwksRefreshMinMs,
    maxAgeMs: cfg.jwksMaxAgeMs ?? JWT_DEFAULTS.jwksMaxAgeMs,
    ...(deps.fetch && { fetch: deps.fetch }),
    ...(deps.now && { now: deps.now }),
    onFetch: (o: JwksFetchOutcome) => {
      if (o.ok) log?.info({ jwksUrl: o.url, kids: o.kids, skipped: o.skipped }, 'JWKS fetched');
      else log?.warn({ jwksUrl: o.url, err: o.error }, 'JWKS fetch failed: keeping cached keys');
    },
  });
}

/** The token's header, or undefined when the token is not three base64url parts with a JSON header. */
function decodeHeader(token: string): { alg?: unknown; kid?: unknown } | undefined {
  let decoded: jwt.Jwt | null;
  try {
    // jws parses the payload too (when the header says JSON) and throws on a bad one.
    decoded = jwt.decode(token, { complete: true });
  } catch {
    return undefined;
  }
  return decoded === null ? undefined : (decoded.header as { alg?: unknown; kid?: unknown });
}

function patterns(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new StompError(REASONS.tokenInvalid, `claim parley.${name} must be a list of strings`);
  }
  return value as string[];
}

function grantsOf(claim: unknown): Grants | null {
  if (claim === undefined) return null;
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) {
    throw new StompError(REASONS.tokenInvalid, 'claim parley must be an object {sub, pub}');
  }
  const c = claim as Record<string, unknown>;
  return { sub: patterns(c.sub, 'sub'), pub: patterns(c.pub, 'pub') };
}

/** Turns verified claims into a principal; exported for tests. */
export function principalFrom(payload: JwtPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
    throw new StompError(REASONS.tokenInvalid, 'token has no usable sub claim (user id)');
  }
  if (/[/\s]/.test(payload.sub) || hasControl(payload.sub)) {
    throw new StompError(
      REASONS.tokenInvalid,
      'sub claim may not contain "/", spaces or control characters',
    );
  }
  const name = typeof payload.name === 'string' ? payload.name : undefined;
  return {
    userId: payload.sub,
    ...(name !== undefined && { name }),
    grants: grantsOf(payload.parley),
    ...(typeof payload.exp === 'number' && { expiresAt: payload.exp * 1000 }),
  };
}

/** Whether the token names the configured issuer and audience (when configured). */
function issuerAndAudienceOk(payload: JwtPayload, cfg: JwtConfig): boolean {
  if (cfg.issuer !== undefined && payload.iss !== cfg.issuer) return false;
  if (cfg.audience === undefined) return true;
  const aud: unknown = payload.aud;
  return Array.isArray(aud) ? aud.includes(cfg.audience) : aud === cfg.audience;
}

/** jsonwebtoken's refusal as a StompError; its messages name nothing of our configuration. */
function verifyError(err: unknown): StompError {
  if (err instanceof jwt.TokenExpiredError)
    return new StompError(REASONS.tokenExpired, 'token expired');
  if (err instanceof jwt.JsonWebTokenError) {
    return new StompError(REASONS.tokenInvalid, `invalid token: ${err.message}`);
  }
  return new StompError(REASONS.tokenInvalid, 'invalid token');
}

/**
 * Build a verifier for the configured keys. Algorithms are pinned: `none` is never accepted,
 * and each key only verifies its own algorithm. Refusals name nothing of the configuration
 * (expected issuer or audience, JWKS address): details go to `deps.log`.
 */
export function createVerifier(cfg: JwtConfig, deps: VerifierDeps = {}): TokenVerifier {
  const keyFor = keyResolver(cfg, deps);
  const requireExp = cfg.requireExp ?? JWT_DEFAULTS.requireExp;
  const { log } = deps;
  return async (token) => {
    const header = decodeHeader(token);
    if (!header) throw new StompError(REASONS.tokenInvalid, 'invalid token: jwt malformed');
    const key = await keyFor(header);
    let payload: string | JwtPayload;
    try {
      payload = jwt.verify(token, key, { algorithms: [header.alg as jwt.Algorithm] });
    } catch (err) {
      throw verifyError(err);
    }
    if (typeof payload !== 'object' || payload === null) {
      throw new StompError(REASONS.tokenInvalid, 'invalid token: payload is not an object');
    }
    if (!issuerAndAudienceOk(payload, cfg)) {
      log?.debug(
        { iss: payload.iss, aud: payload.aud, expectedIss: cfg.issuer, expectedAud: cfg.audience },
        'token refused: issuer or audience',
      );
      throw new StompError(REASONS.tokenInvalid, 'token issuer/audience not accepted');
    }
    if (requireExp && typeof payload.exp !== 'number') {
      throw new StompError(REASONS.tokenInvalid, 'token has no exp claim: tokens must expire');
    }
    return principalFrom(payload);
  };
}

/**
 * The token of a CONNECT frame: `Authorization: Bearer <jwt>` (either case of the header name)
 * or, for login/passcode-only clients, `passcode`.
 */
export function tokenFromConnect(get: (name: string) => string | undefined): string | undefined {
  const auth = get('Authorization') ?? get('authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1];
  }
  const passcode = get('passcode');
  return passcode === undefined || passcode === '' ? undefined : passcode;
}
