import jwt from 'jsonwebtoken';

/**
 * Development mode only: signs one-hour tokens without a `parley` claim (so, in dev mode,
 * allowed everywhere) for the demo page. Never registered outside `--dev`.
 */
export function devTokenSigner(secret: string): (userId: string) => string {
  return (userId) =>
    jwt.sign({ sub: userId, name: userId }, secret, { algorithm: 'HS256', expiresIn: 3600 });
}
