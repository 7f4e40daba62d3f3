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

/**
 * {@link fetchToken} with a deadline: rejects with `timeout` when the source has not answered
 * within `timeoutMs` (`0` waits forever).
 *
 * @internal
 */
export function fetchTokenWithin(source: TokenSource, timeoutMs: number): Promise<string> {
  if (timeoutMs <= 0) return fetchToken(source);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ParleyError('timeout', `no token within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([fetchToken(source), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Any failure of a token source as a {@link ParleyError} (`token-unavailable` unless it already is
 * one, such as `UnauthorizedError`).
 *
 * @internal
 */
export function tokenFailure(error: unknown): ParleyError {
  return isParleyError(error)
    ? error
    : new ParleyError('token-unavailable', String(error), { cause: error });
}
