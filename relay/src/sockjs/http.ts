import type * as UWS from 'uWebSockets.js';
import type { ForwardingHeaders } from '../net/client-address.js';
import { clientAddress } from '../net/client-address.js';
import type { AddressSet } from '../net/ip.js';
import { addressKey } from '../net/ip.js';

/** What a SockJS handler needs from a request, copied out while uWS's request object is valid. */
export interface RequestInfo {
  method: string;
  origin: string;
  /** `Access-Control-Request-Headers`, echoed on preflights. */
  requestHeaders: string;
  cookie: string;
  query: string;
  /** `Content-Length` as sent ('' with chunked bodies). */
  contentLength: string;
  /** The TCP peer as uWS writes it. */
  peer: string;
  forwarding: ForwardingHeaders;
}

/** Copies what SockJS handlers use out of the request (uWS's `req` dies with the callback). */
export function requestInfo(res: UWS.HttpResponse, req: UWS.HttpRequest): RequestInfo {
  const forwarded: string[] = [];
  req.forEach((name, value) => {
    if (name === 'x-forwarded-for') forwarded.push(value);
  });
  return {
    method: req.getCaseSensitiveMethod().toUpperCase(),
    origin: req.getHeader('origin'),
    requestHeaders: req.getHeader('access-control-request-headers'),
    cookie: req.getHeader('cookie'),
    query: req.getQuery() ?? '',
    contentLength: req.getHeader('content-length'),
    peer: Buffer.from(res.getRemoteAddressAsText()).toString(),
    forwarding: { forwardedFor: forwarded.join(','), realIp: req.getHeader('x-real-ip') },
  };
}

/** The browser-origin rule of `/ws`: requests without an `Origin` are not browsers' and pass. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || origin === '' || allowed.includes('*') || allowed.includes(origin);
}

/** The client address key the per-address limits use (trusting only configured proxies). */
export function clientKey(info: RequestInfo, trusted: AddressSet): string {
  const ip = clientAddress(info.peer, () => info.forwarding, trusted);
  return ip ? addressKey(ip) : `unknown:${info.peer}`;
}

/**
 * A JWT in a URL ends up in proxy and server logs: SockJS URLs never carry one (the token goes in
 * the STOMP CONNECT frame), so a query that holds something shaped like one is refused.
 */
export function queryHasToken(query: string): boolean {
  return /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\./.test(query);
}

/** CORS for SockJS: echo an origin (with credentials), `*` for a missing or `null` one. */
export function writeCors(res: UWS.HttpResponse, info: RequestInfo): void {
  if (info.origin === '' || info.origin === 'null') {
    res.writeHeader('access-control-allow-origin', '*');
  } else {
    res.writeHeader('access-control-allow-origin', info.origin);
    res.writeHeader('access-control-allow-credentials', 'true');
    res.writeHeader('vary', 'Origin');
  }
  if (info.requestHeaders !== '') {
    res.writeHeader('access-control-allow-headers', info.requestHeaders);
  }
}

/** SockJS's no-cache header for every dynamic answer. */
export function writeNoCache(res: UWS.HttpResponse): void {
  res.writeHeader('cache-control', 'no-store, no-cache, no-transform, must-revalidate, max-age=0');
}

const YEAR_S = 365 * 24 * 3600;

/** Preflight answer: 204, cached for a year (as SockJS servers do). */
export function writePreflight(res: UWS.HttpResponse, info: RequestInfo, methods: string): void {
  res.writeStatus('204 No Content');
  res.writeHeader('cache-control', `public, max-age=${YEAR_S}`);
  res.writeHeader('expires', new Date(Date.now() + YEAR_S * 1000).toUTCString());
  res.writeHeader('access-control-max-age', String(YEAR_S));
  res.writeHeader('access-control-allow-methods', methods);
  writeCors(res, info);
  res.end();
}

/** `JSESSIONID` for load balancers that stick on it: echoes the client's, else `dummy`. */
export function writeSessionCookie(res: UWS.HttpResponse, info: RequestInfo): void {
  const m = /(?:^|;\s*)JSESSIONID=([^;]*)/.exec(info.cookie);
  const value = m?.[1] !== undefined && /^[A-Za-z0-9._~-]{1,128}$/.test(m[1]) ? m[1] : 'dummy';
  res.writeHeader('set-cookie', `JSESSIONID=${value}; path=/`);
}

/** A plain-text error answer (with CORS, so a browser's script can read it). */
export function writeError(
  res: UWS.HttpResponse,
  info: RequestInfo | undefined,
  status: string,
  body: string,
  extra: ReadonlyArray<[string, string]> = [],
): void {
  res.writeStatus(status);
  res.writeHeader('content-type', 'text/plain; charset=UTF-8');
  if (info) writeCors(res, info);
  for (const [k, v] of extra) res.writeHeader(k, v);
  res.end(body);
}
