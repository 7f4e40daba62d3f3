import { randomBytes } from 'node:crypto';
import type * as UWS from 'uWebSockets.js';
import type { EndpointContext } from './context.js';
import { guard } from './context.js';
import { writeCors, writeError, writeNoCache, writePreflight } from './http.js';

/** The greeting at the base URL. */
export const GREETING = 'Welcome to SockJS!\n';

/** `GET <prefix>` and `GET <prefix>/`: the greeting. */
export function greeting(
  ctx: EndpointContext,
): (res: UWS.HttpResponse, req: UWS.HttpRequest) => void {
  return (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    if (info.method !== 'GET' && info.method !== 'HEAD') {
      methodNotAllowed(ctx, res, 'GET');
      return;
    }
    res.writeStatus('200 OK').writeHeader('content-type', 'text/plain; charset=UTF-8');
    res.end(info.method === 'HEAD' ? undefined : GREETING);
  };
}

/**
 * `GET <prefix>/info`: what the client needs to choose a transport. `origins` is the protocol's
 * fixed `["*:*"]`: the relay's own origin check (`PARLEY_ALLOWED_ORIGINS`) is what decides.
 */
export function infoRoute(
  ctx: EndpointContext,
): (res: UWS.HttpResponse, req: UWS.HttpRequest) => void {
  return (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    if (info.method === 'OPTIONS') {
      writePreflight(res, info, 'OPTIONS, GET');
      return;
    }
    if (info.method !== 'GET') {
      methodNotAllowed(ctx, res, 'OPTIONS, GET');
      return;
    }
    const body = JSON.stringify({
      websocket: ctx.websocket,
      origins: ['*:*'],
      cookie_needed: ctx.cookieNeeded,
      entropy: randomBytes(4).readUInt32BE(0),
    });
    res.writeStatus('200 OK').writeHeader('content-type', 'application/json; charset=UTF-8');
    writeNoCache(res);
    writeCors(res, info);
    res.end(body);
  };
}

/** 405 with the methods the path takes. */
export function methodNotAllowed(ctx: EndpointContext, res: UWS.HttpResponse, allow: string): void {
  ctx.bad('method');
  writeError(res, undefined, '405 Method Not Allowed', 'Method Not Allowed', [['allow', allow]]);
}
