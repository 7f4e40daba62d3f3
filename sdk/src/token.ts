import { ParleyError, isParleyError } from './errors.js';
import type { TokenSource } from './types.js';

/**
 * Gets the token for one connection attempt: the string itself, or the function's result.
 * A `ParleyError` thrown by the function is passed on as it is; any other failure, or an empty
 * result, becomes reason `token-unavailable`.
 *
 * @internal
 */
export async function fetchToken(source: TokenSource): Promise<string> {
  let token: unknown;
  try {
    token = typeof source === 'function' ? await source() : source;
  } catch (error) {
    if (isParleyError(error)) throw error;
    const detail = error instanceof Error ? `: ${error.message}` : '';
    throw new ParleyError('token-unavailable', `the token function failed${detail}`, {
      cause: error,
    });
  }
  if (typeof token !== 'string' || token === '') {
    throw new ParleyError('token-unavailable', 'the token function returned no token');
  }
  return token;
}
