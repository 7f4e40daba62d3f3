import { createPublicKey, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Algorithm, GetPublicKeyOrSecret, JwtPayload } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import type { JwtConfig } from '../config.js';
import { REASONS, StompError } from '../reasons.js';
import type { Grants, Principal } from './principal.js';

const ASYMMETRIC: Algorithm[] = ['RS256', 'ES256'];

/** Verifies a JWT and turns its claims into a {@link Principal}; rejects with a StompError. */
export type TokenVerifier = (token: string) => Promise<Principal>;

function keyResolver(cfg: JwtConfig): { algorithms: Algorithm[]; getKey: GetPublicKeyOrSecret } {
  const algorithms: Algorithm[] = [];
  if (cfg.secret) algorithms.push('HS256');
  if (cfg.publicKey || cfg.jwksUrl) algorithms.push(...ASYMMETRIC);
  const jwks = cfg.jwksUrl
    ? new JwksClient({ jwksUri: cfg.jwksUrl, cache: true, rateLimit: true, timeout: 5000 })
    : undefined;
  // KeyObjects made once: given strings, jsonwebtoken re-parses the key on every verify
  // (trying it as a public key first, and failing), which dominated the cost of a CONNECT.
  const secretKey = cfg.secret !== undefined ? createSecretKey(Buffer.from(cfg.secret)) : undefined;
  const publicKey = cfg.publicKey !== undefined ? createPublicKey(cfg.publicKey) : undefined;
  const getKey: GetPublicKeyOrSecret = (header, done) => {
    if (!algorithms.includes(header.alg as Algorithm)) {
      return done(new Error(`algorithm ${String(header.alg)} is not accepted`));
    }
    if (header.alg === 'HS256') return done(null, secretKey);
    if (publicKey) return done(null, publicKey);
    if (!jwks) return done(new Error(`algorithm ${header.alg} is not accepted`));
    jwks.getSigningKey(header.kid).then(
      (key) => done(null, key.getPublicKey()),
      (err: unknown) => done(jwksError(err)),
    );
  };
  return { algorithms, getKey };
}

/** jwks-rsa rejects with Errors for unknown kids and with plain objects for HTTP failures. */
function jwksError(err: unknown): Error {
  if (err instanceof Error && err.name === 'SigningKeyNotFoundError') return err;
  const detail = err instanceof Error ? err.message : JSON.stringify(err);
  return new Error(`JWKS endpoint unavailable: ${detail}`);
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
  // eslint-disable-next-line no-control-regex
  if (/[/\s\0-\x1f]/.test(payload.sub)) {
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

/** Build a verifier for the configured keys. Algorithms are pinned: `none` is never accepted. */
export function createVerifier(cfg: JwtConfig): TokenVerifier {
  const { algorithms, getKey } = keyResolver(cfg);
  return (token) =>
    new Promise<Principal>((resolve, reject) => {
      jwt.verify(
        token,
        getKey,
        {
          algorithms,
          ...(cfg.issuer !== undefined && { issuer: cfg.issuer }),
          ...(cfg.audience !== undefined && { audience: cfg.audience }),
        },
        (err, payload) => {
          if (err && err.message.includes('JWKS endpoint unavailable')) {
            return reject(
              new StompError(REASONS.authUnavailable, err.message.replace(/^.*?JWKS/, 'JWKS')),
            );
          }
          if (err) {
            const expired = err.name === 'TokenExpiredError';
            return reject(
              new StompError(
                expired ? REASONS.tokenExpired : REASONS.tokenInvalid,
                expired
                  ? 'token expired'
                  : `invalid token: ${err.message.replace(/^error in secret or public key callback: /, '')}`,
              ),
            );
          }
          if (typeof payload !== 'object' || payload === null) {
            return reject(
              new StompError(REASONS.tokenInvalid, 'invalid token: payload is not an object'),
            );
          }
          try {
            resolve(principalFrom(payload));
          } catch (e) {
            reject(e);
          }
        },
      );
    });
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
