import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';

/** Settings of a {@link JwksKeyStore}. */
export interface JwksOptions {
  /** The JWKS document's URL (`PARLEY_JWKS_URL`). */
  url: string;
  /**
   * Least time between two fetches of the key set, in ms (`PARLEY_JWKS_REFRESH_MIN_MS`). An
   * unknown `kid` triggers a fetch only when the last one started at least this long ago.
   */
  refreshMinMs: number;
  /**
   * Age of the key set after which it is fetched again, in ms (`PARLEY_JWKS_MAX_AGE_MS`): keys
   * removed from the document stop being accepted within about this time.
   */
  maxAgeMs: number;
  /** Time allowed for one fetch, in ms. Default 5000. */
  timeoutMs?: number;
  /** Largest JWKS document accepted, in bytes. Default 1 MiB. */
  maxBytes?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Defaults to `Date.now`. */
  now?: () => number;
  /** Told about every fetch: its outcome, with details that must not reach clients. */
  onFetch?: (outcome: JwksFetchOutcome) => void;
}

/** What one fetch of the key set did, for logs. */
export type JwksFetchOutcome =
  | { ok: true; url: string; kids: string[]; skipped: number }
  | { ok: false; url: string; error: unknown };

/** The key set could not be fetched and no cached key fits the token: try again later. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

/** No key in a freshly fetched key set fits the token (unknown `kid`, or wrong key type). */
export class JwksKeyNotFoundError extends Error {
  override readonly name = 'JwksKeyNotFoundError';
}

/** A usable signing key of the set. */
interface KeyEntry {
  key: KeyObject;
  /** `alg` of the JWK, when it names one. */
  alg?: string;
}

/** The most keys kept from one document; an identity provider publishes a handful. */
const MAX_KEYS = 100;

/**
 * `kid`s worth a fetch: short and made of the characters key ids are made of. Anything else
 * cannot be in a key set we would accept and is refused without looking.
 */
const PLAUSIBLE_KID = /^[A-Za-z0-9._~+/=:-]{1,128}$/;

/**
 * The whole signing key set of a JWKS endpoint, kept in memory.
 *
 * Fetches are rare and shared: the set is fetched when first needed, when a token names a `kid`
 * that is not in it, and once it is older than `maxAgeMs` — but never twice within
 * `refreshMinMs`, and every caller waiting for a fetch waits for the same one. So tokens with
 * made-up `kid`s cost at most one fetch per `refreshMinMs` in total, and cannot use up anything
 * a real token needs: a real token whose `kid` was published before that fetch finds its key.
 */
export class JwksKeyStore {
  private keys = new Map<string, KeyEntry>();
  /** When the last successful fetch started; -Infinity before the first. */
  private loadedAt = -Infinity;
  /** When the last fetch started, successful or not. */
  private attemptedAt = -Infinity;
  private lastFailed = false;
  private inflight?: Promise<void>;
  private fetchCount = 0;
  private readonly now: () => number;
  private readonly doFetch: typeof globalThis.fetch;

  constructor(private readonly opts: JwksOptions) {
    this.now = opts.now ?? Date.now;
    this.doFetch = opts.fetch ?? globalThis.fetch;
  }

  /** Number of fetches started so far. */
  get fetches(): number {
    return this.fetchCount;
  }

  /**
   * The public key for a token's `kid` (a token without `kid` gets the set's only key, when it
   * has exactly one) and `alg`.
   * @throws JwksKeyNotFoundError when no key fits after an up-to-date look at the set.
   * @throws JwksUnavailableError when the set could not be fetched and no cached key fits.
   */
  async key(kid: string | undefined, alg: string): Promise<KeyObject> {
    if (kid !== undefined && !PLAUSIBLE_KID.test(kid)) {
      throw new JwksKeyNotFoundError('no signing key matches the token');
    }
    const cached = this.lookup(kid);
    if (cached) {
      // Still usable; a stale set is refreshed behind the scenes (a removed key stops working then).
      if (this.now() - this.loadedAt >= this.opts.maxAgeMs) void this.refresh();
      return this.keyForAlg(cached, alg);
    }
    await this.refresh();
    const found = this.lookup(kid);
    if (found) return this.keyForAlg(found, alg);
    if (this.lastFailed) {
      throw new JwksUnavailableError('the signing key set could not be fetched');
    }
    throw new JwksKeyNotFoundError('no signing key matches the token');
  }

  /**
   * Fetches the set unless a fetch started less than `refreshMinMs` ago; joins a fetch that is
   * under way. Never rejects: failures are reported to `onFetch` and keep the cached keys.
   */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const now = this.now();
    if (now - this.attemptedAt < this.opts.refreshMinMs) return Promise.resolve();
    this.attemptedAt = now;
    this.inflight = this.load(now).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private lookup(kid: string | undefined): KeyEntry | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    if (this.keys.size !== 1) return undefined;
    return this.keys.values().next().value;
  }

  private keyForAlg(entry: KeyEntry, alg: string): KeyObject {
    const { key } = entry;
    const fits =
      (entry.alg === undefined || entry.alg === alg) &&
      (alg === 'RS256'
        ? key.asymmetricKeyType === 'rsa'
        : alg === 'ES256' &&
          key.asymmetricKeyType === 'ec' &&
          key.asymmetricKeyDetails?.namedCurve === 'prime256v1');
    if (!fits) throw new JwksKeyNotFoundError(`the token's key is not a ${alg} key`);
    return key;
  }

  private async load(startedAt: number): Promise<void> {
    this.fetchCount++;
    const { url } = this.opts;
    try {
      const res = await this.doFetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await readCapped(res, this.opts.maxBytes ?? 1024 * 1024);
      const { keys, skipped } = parseKeySet(JSON.parse(text));
      if (keys.size === 0) throw new Error(`no usable signing key (${skipped} skipped)`);
      this.keys = keys;
      this.loadedAt = startedAt;
      this.lastFailed = false;
      this.opts.onFetch?.({ ok: true, url, kids: [...keys.keys()], skipped });
    } catch (error) {
      this.lastFailed = true;
      this.opts.onFetch?.({ ok: false, url, error });
    }
  }
}

/** The usable signing keys of a JWKS document (RSA and P-256 EC keys with a `kid`). */
function parseKeySet(doc: unknown): { keys: Map<string, KeyEntry>; skipped: number } {
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS document (no "keys" list)');
  const keys = new Map<string, KeyEntry>();
  let skipped = 0;
  for (const item of list) {
    const jwk = item as Partial<Record<string, unknown>>;
    const usable =
      typeof jwk.kid === 'string' &&
      PLAUSIBLE_KID.test(jwk.kid) &&
      (jwk.kty === 'RSA' || jwk.kty === 'EC') &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (jwk.alg === undefined || jwk.alg === 'RS256' || jwk.alg === 'ES256') &&
      keys.size < MAX_KEYS;
    if (!usable) {
      skipped++;
      continue;
    }
    try {
      const key = createPublicKey({ key: item as JsonWebKey, format: 'jwk' });
      keys.set(jwk.kid as string, {
        key,
        ...(typeof jwk.alg === 'string' && { alg: jwk.alg }),
      });
    } catch {
      skipped++;
    }
  }
  return { keys, skipped };
}

/** The response body as text, refusing more than `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel();
      throw new Error(`JWKS document is over ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
