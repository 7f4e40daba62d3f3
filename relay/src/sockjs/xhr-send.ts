import type * as UWS from 'uWebSockets.js';
import type { EndpointContext } from './context.js';
import { client, guard, sessionKey } from './context.js';
import { parsePayload } from './frames.js';
import { writeCors, writeError, writeNoCache, writePreflight, writeSessionCookie } from './http.js';
import type { RequestInfo } from './http.js';
import { methodNotAllowed } from './info.js';
import type { SockJsSession } from './session.js';

/**
 * `POST <prefix>/<server>/<session>/xhr_send`: messages from the client, a JSON array of strings.
 * 204 on success; 404 for a session that does not exist (or belongs to another address); 413
 * past the size limit (read as it arrives, so an oversized body is never held); 500
 * `Payload expected.` for an empty body and `Broken JSON encoding.` for anything unreadable.
 */
export function xhrSendRoute(
  ctx: EndpointContext,
): (res: UWS.HttpResponse, req: UWS.HttpRequest) => void {
  return (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    if (info.method === 'OPTIONS') {
      writePreflight(res, info, 'OPTIONS, POST');
      return;
    }
    if (info.method !== 'POST') {
      methodNotAllowed(ctx, res, 'OPTIONS, POST');
      return;
    }
    const key = sessionKey(ctx, res, req, info);
    if (key === undefined) return;
    const session = ctx.registry.find(key, client(ctx, info).key);
    if (!session) {
      ctx.bad('unknown-session');
      writeError(res, info, '404 Not Found', 'Not Found');
      return;
    }
    const max = ctx.settings.maxSendBytes;
    const declared = info.contentLength === '' ? 0 : Number(info.contentLength);
    if (!(declared <= max)) {
      tooLarge(ctx, res, info, max);
      return;
    }
    readBody(ctx, res, info, max, (text) => answer(ctx, res, info, session, text));
  };
}

function readBody(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  info: RequestInfo,
  max: number,
  done: (text: string) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onAborted(() => {
    over = true;
  });
  res.onData((chunk, last) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > max) {
      over = true;
      res.cork(() => tooLarge(ctx, res, info, max));
      return;
    }
    // uWS reuses the chunk's memory after this call: copy it.
    chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (last) done(Buffer.concat(chunks, size).toString('utf8'));
  });
}

function answer(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  info: RequestInfo,
  session: SockJsSession,
  text: string,
): void {
  const parsed = parsePayload(text);
  res.cork(() => {
    if (!parsed.ok) {
      ctx.bad(parsed.error === 'empty' ? 'empty-payload' : 'broken-json');
      writeError(
        res,
        info,
        '500 Internal Server Error',
        parsed.error === 'empty' ? 'Payload expected.' : 'Broken JSON encoding.',
      );
      return;
    }
    res.writeStatus('204 No Content').writeHeader('content-type', 'text/plain; charset=UTF-8');
    writeNoCache(res);
    writeCors(res, info);
    if (ctx.cookieNeeded) writeSessionCookie(res, info);
    res.end();
  });
  if (parsed.ok) session.receive(parsed.messages);
}

function tooLarge(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  info: RequestInfo,
  max: number,
): void {
  ctx.bad('too-large');
  res.writeStatus('413 Payload Too Large').writeHeader('content-type', 'text/plain; charset=UTF-8');
  writeCors(res, info);
  // The rest of the body is not read: close the connection after the answer.
  res.end(`xhr_send body larger than ${max} bytes`, true);
}
