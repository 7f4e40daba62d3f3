import { UnauthorizedError } from '@parley/sdk';
import { GUEST_ID_KEY } from '../shared/constants.js';
import type { Identity } from '../shared/options.js';

/** Where the guest id is kept (localStorage in browsers; absent when storage is blocked). */
export interface IdStore {
  get(): string | null;
  set(id: string): void;
  remove(): void;
}

/** localStorage, or nothing when the page's storage is blocked (the visitor is new each visit). */
export function localIdStore(): IdStore | undefined {
  try {
    const s = window.localStorage;
    return {
      get: () => s.getItem(GUEST_ID_KEY),
      set: (id) => s.setItem(GUEST_ID_KEY, id),
      remove: () => s.removeItem(GUEST_ID_KEY),
    };
  } catch {
    return undefined;
  }
}

async function tokenFromResponse(res: Response): Promise<string> {
  const text = (await res.text()).trim();
  if (text.startsWith('{')) {
    const token = (JSON.parse(text) as { token?: unknown }).token;
    if (typeof token === 'string') return token;
    throw new UnauthorizedError('the token endpoint answered JSON without "token"');
  }
  return text;
}

/** POSTs to the site's token endpoint with its cookies; `{token}` JSON or the token as text. */
export async function fetchSiteToken(url: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', credentials: 'include' });
  if (res.status === 401 || res.status === 403) {
    throw new UnauthorizedError(`the token endpoint answered ${res.status}`);
  }
  if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
  return tokenFromResponse(res);
}

/**
 * A guest token from the relay (`POST /api/guest`). The stored guest id is sent back so a
 * returning visitor stays the same guest; the id (never the token) is kept.
 */
export async function fetchGuestToken(relay: URL, store: IdStore | undefined): Promise<string> {
  const ask = (guestId: string | null | undefined): Promise<Response> =>
    fetch(new URL('/api/guest', relay), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(guestId ? { guestId } : {}),
    });
  const stored = store?.get();
  let res = await ask(stored);
  if (res.status === 400 && stored) {
    store?.remove();
    res = await ask(undefined);
  }
  if (res.status === 404) throw new UnauthorizedError('guest mode is off on this relay');
  if (!res.ok) throw new Error(`the relay answered ${res.status} for a guest token`);
  const body = (await res.json()) as { token: string; guestId: string };
  store?.set(body.guestId);
  return body.token;
}

/** The token function for an identity: a token, a callback, the site's endpoint or a guest token. */
export function tokenSource(
  identity: Identity,
  relay: URL,
  store: IdStore | undefined,
): () => Promise<string> {
  const { token, tokenUrl, guest } = identity;
  if (typeof token === 'string') return () => Promise.resolve(token);
  if (typeof token === 'function') return async () => token();
  if (tokenUrl) return () => fetchSiteToken(tokenUrl);
  if (guest) return () => fetchGuestToken(relay, store);
  return () =>
    Promise.reject(new UnauthorizedError('Parley: boot with token, tokenUrl or guest: true'));
}

/** The `sub` and `name` of a JWT (read, not verified: the relay verifies). */
export function tokenUser(token: string): { id: string; name?: string } | undefined {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown; name?: unknown };
    if (typeof claims.sub !== 'string') return undefined;
    return { id: claims.sub, ...(typeof claims.name === 'string' && { name: claims.name }) };
  } catch {
    return undefined;
  }
}
