import type * as UWS from 'uWebSockets.js';
import type { AddressSet } from '../net/ip.js';
import type { RequestInfo } from './http.js';
import { clientKey, originAllowed, queryHasToken, requestInfo, writeError } from './http.js';
import type { ClientInfo, Refusal, SessionRegistry } from './registry.js';
import type { BadRequestKind, SockJsService, SockJsSettings } from './types.js';

/** One SockJS endpoint (a base URL and the service behind it), as its handlers see it. */
export interface EndpointContext {
  /** Base URL path, e.g. `/sockjs`. */
  prefix: string;
  service: SockJsService;
  /** Whether the `websocket` transports are served (`/info` says so). */
  websocket: boolean;
  /** Whether `JSESSIONID` is set for sticky load balancers (`/info`'s `cookie_needed`). */
  cookieNeeded: boolean;
  settings: SockJsSettings;
  registry: SessionRegistry;
  /** Proxies whose forwarding headers name the client. */
  trustedProxies: AddressSet;
  /** Counts a refused request. */
  bad(kind: BadRequestKind): void;
  /** Counts a new session refused because the relay is draining (as `/ws` upgrades are). */
  refused(reason: 'draining'): void;
}

/** Server and session ids: what sockjs-client generates, with room for custom ids. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The checks every SockJS request passes first: an allowed origin (403) and no token in the URL
 * (400). Returns the request's details, or undefined when it has been answered.
 */
export function guard(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  req: UWS.HttpRequest,
): RequestInfo | undefined {
  const info = requestInfo(res, req);
  if (!originAllowed(info.origin, ctx.settings.allowedOrigins)) {
    ctx.bad('origin');
    writeError(res, undefined, '403 Forbidden', `origin ${info.origin} is not allowed`);
    return undefined;
  }
  if (queryHasToken(info.query)) {
    ctx.bad('token-in-url');
    writeError(
      res,
      info,
      '400 Bad Request',
      'a token in a SockJS URL is refused: send it in the STOMP CONNECT frame',
    );
    return undefined;
  }
  return info;
}

/** The session's registry key from `/<prefix>/<server>/<session>/…`, or undefined (404 sent). */
export function sessionKey(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  req: UWS.HttpRequest,
  info: RequestInfo,
): string | undefined {
  const server = req.getParameter(0) ?? '';
  const session = req.getParameter(1) ?? '';
  if (!ID.test(server) || !ID.test(session)) {
    ctx.bad('bad-path');
    writeError(res, info, '404 Not Found', 'Not Found');
    return undefined;
  }
  return `${ctx.prefix}/${session}`;
}

/** The client of a request, for the registry. */
export function client(ctx: EndpointContext, info: RequestInfo): ClientInfo {
  return { key: clientKey(info, ctx.trustedProxies), peer: info.peer, forwarding: info.forwarding };
}

/** Answers a refused admission (429 / 503 with `Retry-After`). */
export function refuse(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  info: RequestInfo,
  r: Refusal,
): void {
  if (r.kind === 'draining') ctx.refused(r.kind);
  else ctx.bad(r.kind);
  const extra: Array<[string, string]> =
    r.retryAfter > 0 ? [['retry-after', String(r.retryAfter)]] : [];
  writeError(res, info, r.status, r.message, [['parley-reason', r.kind], ...extra]);
}

/** Whether `x` is a refusal rather than what was asked for. */
export function isRefusal(x: object): x is Refusal {
  return 'kind' in x && 'status' in x;
}
