/**
 * Hand-made JWTs for the attack suite: any header (`alg: nOnE`, `jku`, a 4 000-character `kid`),
 * any payload, signed with whatever key the attacker has — including the relay's RSA public key
 * used as an HMAC secret. jsonwebtoken refuses to make most of these, so they are built here
 * with node:crypto.
 */
import { constants, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** A key the attacker signs with: an HMAC secret or a private key. */
export type SigningKey = string | Buffer | KeyObject;

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function signature(alg: string, data: string, key: SigningKey): string {
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  if (!hash) throw new Error(`forge: no hash for ${alg}`);
  if (family === 'HS') {
    return createHmac(hash, key as string | Buffer | KeyObject)
      .update(data)
      .digest('base64url');
  }
  const keyObject = key as KeyObject;
  if (family === 'RS') return sign(hash, Buffer.from(data), keyObject).toString('base64url');
  if (family === 'PS') {
    return sign(hash, Buffer.from(data), {
      key: keyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(alg.slice(2)) / 8,
    }).toString('base64url');
  }
  if (family === 'ES') {
    return sign(hash, Buffer.from(data), { key: keyObject, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    );
  }
  throw new Error(`forge: cannot sign ${alg}`);
}

/**
 * `header.payload.signature`. `signWith` is the algorithm actually used to sign (default: the
 * header's `alg`); `key: undefined` leaves the signature part as `sig` (default empty).
 */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: unknown,
  key?: SigningKey,
  options: { signWith?: string; sig?: string; parts?: 2 | 3 } = {},
): string {
  const data = `${b64url(header)}.${b64url(payload)}`;
  if (options.parts === 2) return data;
  if (key === undefined) return `${data}.${options.sig ?? ''}`;
  const alg = options.signWith ?? String(header.alg);
  return `${data}.${signature(alg, data, key)}`;
}

/** Random base64url bytes: a signature nobody can check without the key. */
export function junkSignature(bytes = 256): string {
  return randomBytes(bytes).toString('base64url');
}

export interface RsaKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as SPKI PEM, as an operator puts it in PARLEY_JWT_PUBLIC_KEY. */
  pem: string;
}

export function rsaKeys(): RsaKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function ecKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** The public half of `key` as a JWK with `kid`, `alg` and `use`, as a JWKS serves it. */
export function publicJwk(key: KeyObject, kid: string, alg = 'RS256'): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

/** Seconds since 1970, plus `offset` seconds. */
export function epoch(offset = 0): number {
  return Math.floor(Date.now() / 1000) + offset;
}
