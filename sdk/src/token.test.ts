import { describe, expect, it } from 'vitest';
import { ParleyError } from './errors.js';
import { fetchToken } from './token.js';

describe('fetchToken', () => {
  it('returns a string token as is', async () => {
    await expect(fetchToken('jwt')).resolves.toBe('jwt');
  });

  it('calls a sync or async function', async () => {
    await expect(fetchToken(() => 'a')).resolves.toBe('a');
    await expect(fetchToken(async () => 'b')).resolves.toBe('b');
  });

  it('turns a throwing function into token-unavailable, keeping the cause', async () => {
    const cause = new Error('401 from /token');
    const error = await fetchToken(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'token-unavailable', cause });
    expect((error as Error).message).toContain('401 from /token');
  });

  it('passes a ParleyError from the function through', async () => {
    const own = new ParleyError('token-expired', 'log in again');
    await expect(fetchToken(() => Promise.reject(own))).rejects.toBe(own);
  });

  it('refuses an empty token', async () => {
    await expect(fetchToken('')).rejects.toMatchObject({ reason: 'token-unavailable' });
    await expect(fetchToken(() => undefined as unknown as string)).rejects.toMatchObject({
      reason: 'token-unavailable',
    });
  });
});
