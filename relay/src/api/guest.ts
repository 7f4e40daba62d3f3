/**
 * `POST /api/guest`: hands a short-lived guest token to a page of an allowed origin
 * (DESIGN.md §10, docs/widget.md#guest-mode). Registered only when guest mode is on; otherwise
 * the path is an ordinary 404.
 *
 * Request body (JSON, optional): `{"guestId": "<id from an earlier answer>"}` to stay the same
 * guest; without it a new guest id is made. Answer: `{token, guestId, userId, expiresAt}`.
 */
import type * as UWS from 'uWebSockets.js';
import type { GuestConfig } from '../auth/guest.js';
import { GUEST_ID, newGuestId, signGuestToken } from '../auth/guest.js';
import { clientAddress } from '../net/client-address.js';
import type { ForwardingHeaders } from '../net/client-address.js';
import { addressKey } from '../net/ip.js';
import type { AddressSet } from '../net/ip.js';

export interface GuestApiOptions {
  guest: GuestConfig;
  /** The HS256 secret guest tokens are signed with (the one the relay verifies with). */
  secret: string;
  issuer?: string;
  audience?: string;
  /** `PARLEY_ALLOWED_ORIGINS`; empty means any origin (development mode only). */
  allowedOrigins: readonly string[];
  /** Proxies whose `X-Forwarded-For` names the client. */
  trustedProxies: AddressSet;
  now?: () => number;
}

const MAX_BODY = 1024;
const WINDOW_MS = 60_000;

/** Counts requests per client address in fixed one-minute windows. @internal */
export class PerMinuteLimiter {
  readonly #counts = new Map<string, { start: number; n: number }>();
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Counts one request; returns the seconds to wait when over the limit. */
  take(key: string): number | undefined {
    if (this.limit <= 0) return undefined;
    const t = this.now();
    if (this.#counts.size > 10_000) {
      for (const [k, v] of this.#counts) if (t - v.start >= WINDOW_MS) this.#counts.delete(k);
    }
    const entry = this.#counts.get(key);
    if (!entry || t - entry.start >= WINDOW_MS) {
      this.#counts.set(key, { start: t, n: 1 });
      return undefined;
    }
    entry.n++;
    return entry.n > this.limit ? Math.ceil((entry.start + WINDOW_MS - t) / 1000) : undefined;
  }
}

/** Whether `origin` may ask for guest tokens. @internal */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (origin === '' || origin === 'null') return false;
  return allowed.length === 0 || allowed.includes('*') || allowed.includes(origin);
}

/** The guest id a request body asks for: `undefined` for a new one, `null` when malformed. */
export function requestedGuestId(body: string): string | undefined | null {
  if (body.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  if (!json || typeof json !== 'object') return null;
  const id = (json as { guestId?: unknown }).guestId;
  if (id === undefined || id === null) return undefined;
  return typeof id === 'string' && GUEST_ID.test(id) ? id : null;
}

function forwarding(req: UWS.HttpRequest): ForwardingHeaders {
  const forwarded: string[] = [];
  req.forEach((name, value) => {
    if (name === 'x-forwarded-for') forwarded.push(value);
  });
  return { forwardedFor: forwarded.join(','), realIp: req.getHeader('x-real-ip') };
}

/** Registers `OPTIONS` and `POST /api/guest`. */
export function registerGuestApi(app: UWS.TemplatedApp, opts: GuestApiOptions): void {
  const now = opts.now ?? Date.now;
  const limiter = new PerMinuteLimiter(opts.guest.ratePerIp, now);

  const answer = (
    res: UWS.HttpResponse,
    status: string,
    origin: string | undefined,
    body: unknown,
    extra: Array<[string, string]> = [],
  ): void => {
    res.cork(() => {
      res.writeStatus(status);
      res.writeHeader('content-type', 'application/json');
      res.writeHeader('cache-control', 'no-store');
      res.writeHeader('vary', 'Origin');
      if (origin !== undefined) res.writeHeader('access-control-allow-origin', origin);
      for (const [k, v] of extra) res.writeHeader(k, v);
      res.end(JSON.stringify(body));
    });
  };

  app.options('/api/guest', (res, req) => {
    const origin = req.getHeader('origin');
    const ok = originAllowed(origin, opts.allowedOrigins);
    res.cork(() => {
      res.writeStatus(ok ? '204 No Content' : '403 Forbidden');
      res.writeHeader('vary', 'Origin');
      if (ok) {
        res.writeHeader('access-control-allow-origin', origin);
        res.writeHeader('access-control-allow-methods', 'POST');
        res.writeHeader('access-control-allow-headers', 'content-type');
        res.writeHeader('access-control-max-age', '600');
      }
      res.end();
    });
  });

  app.post('/api/guest', (res, req) => {
    const origin = req.getHeader('origin');
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    const ip = clientAddress(peer, () => forwarding(req), opts.trustedProxies);
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    if (!originAllowed(origin, opts.allowedOrigins)) {
      answer(res, '403 Forbidden', undefined, {
        error: 'forbidden',
        message: 'guest tokens are handed to pages of the allowed origins only (Origin header)',
      });
      return;
    }
    const wait = limiter.take(ip ? addressKey(ip) : peer);
    if (wait !== undefined) {
      answer(
        res,
        '429 Too Many Requests',
        origin,
        { error: 'limit-exceeded', message: 'too many guest tokens from this address' },
        [['retry-after', String(wait)]],
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (aborted || size < 0) return;
      size += chunk.byteLength;
      if (size > MAX_BODY) {
        size = -1;
        answer(res, '413 Payload Too Large', origin, {
          error: 'payload-too-large',
          message: `request body is over ${MAX_BODY} bytes`,
        });
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const requested = requestedGuestId(Buffer.concat(chunks).toString('utf8'));
      if (requested === null) {
        answer(res, '400 Bad Request', origin, {
          error: 'bad-request',
          message: 'send {} or {"guestId": "<22-64 characters of A-Z a-z 0-9 _ ->"}',
        });
        return;
      }
      const minted = signGuestToken(
        requested ?? newGuestId(),
        opts.guest,
        {
          secret: opts.secret,
          ...(opts.issuer !== undefined && { issuer: opts.issuer }),
          ...(opts.audience !== undefined && { audience: opts.audience }),
        },
        now(),
      );
      answer(res, '200 OK', origin, minted);
    });
  });
}
