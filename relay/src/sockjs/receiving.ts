import type * as UWS from 'uWebSockets.js';
import type { EndpointContext } from './context.js';
import { client, guard, isRefusal, refuse, sessionKey } from './context.js';
import { writeCors, writeNoCache, writePreflight, writeSessionCookie } from './http.js';
import type { RequestInfo } from './http.js';
import { methodNotAllowed } from './info.js';
import type { HttpReceiverKind } from './receiver.js';
import { HttpReceiver } from './receiver.js';
import type { SockJsSession } from './session.js';

const CONTENT_TYPES: Record<HttpReceiverKind, string> = {
  'xhr-polling': 'application/javascript; charset=UTF-8',
  'xhr-streaming': 'application/javascript; charset=UTF-8',
  eventsource: 'text/event-stream; charset=UTF-8',
};

/** The HTTP method each receiving transport uses. */
const METHODS: Record<HttpReceiverKind, string> = {
  'xhr-polling': 'POST',
  'xhr-streaming': 'POST',
  eventsource: 'GET',
};

/**
 * A receiving request (`xhr`, `xhr_streaming`, `eventsource`): opens the session if it is new
 * (admission: total and per-address limits), then holds the response as the session's receiver.
 */
export function receivingRoute(
  ctx: EndpointContext,
  kind: HttpReceiverKind,
): (res: UWS.HttpResponse, req: UWS.HttpRequest) => void {
  const method = METHODS[kind];
  return (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    if (info.method === 'OPTIONS' && method === 'POST') {
      writePreflight(res, info, 'OPTIONS, POST');
      return;
    }
    if (info.method !== method) {
      methodNotAllowed(ctx, res, method === 'POST' ? 'OPTIONS, POST' : 'GET');
      return;
    }
    const key = sessionKey(ctx, res, req, info);
    if (key === undefined) return;
    const session = findOrOpen(ctx, res, info, key, kind);
    if (!session) return;
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', CONTENT_TYPES[kind]);
      writeNoCache(res);
      writeCors(res, info);
      if (ctx.cookieNeeded) writeSessionCookie(res, info);
      const receiver = new HttpReceiver(
        res,
        kind,
        ctx.settings.streamingLimitBytes,
        (r) => session.detach(r),
        () => session.writable(),
      );
      receiver.start();
      if (!session.attach(receiver)) ctx.bad('second-receiver');
    });
  };
}

function findOrOpen(
  ctx: EndpointContext,
  res: UWS.HttpResponse,
  info: RequestInfo,
  key: string,
  kind: HttpReceiverKind,
): SockJsSession | undefined {
  const who = client(ctx, info);
  const found = ctx.registry.find(key, who.key);
  if (found) return found;
  const opened = ctx.registry.open(key, kind, who);
  if (isRefusal(opened)) {
    refuse(ctx, res, info, opened);
    return undefined;
  }
  opened.bind(
    ctx.service(opened.transport, {
      transport: kind,
      origin: info.origin,
      sessionId: key.slice(ctx.prefix.length + 1),
    }),
  );
  return opened;
}
