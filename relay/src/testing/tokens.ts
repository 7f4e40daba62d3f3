import jwt from 'jsonwebtoken';

/** Claims Parley reads from a token. */
export interface TestClaims {
  sub: string;
  name?: string;
  parley?: { sub?: string[]; pub?: string[] };
  [claim: string]: unknown;
}

/** Signs an HS256 token for tests and examples. */
export function signToken(
  secret: string,
  claims: TestClaims,
  options: { expiresInSeconds?: number; algorithm?: 'HS256' | 'HS384' } = {},
): string {
  const algorithm = options.algorithm ?? 'HS256';
  // An explicit `exp` claim (e.g. in the past, for expiry tests) wins over expiresInSeconds.
  if (claims.exp !== undefined) return jwt.sign(claims, secret, { algorithm });
  return jwt.sign(claims, secret, { algorithm, expiresIn: options.expiresInSeconds ?? 3600 });
}
