import type * as UWS from 'uWebSockets.js';
import type { AddressSet } from '../net/ip.js';
import type { EndpointContext } from './context.js';
import { guard } from './context.js';
import { writeError } from './http.js';
import { greeting, infoRoute, methodNotAllowed } from './info.js';
import { receivingRoute } from './receiving.js';
import type { SessionRegistry } from './registry.js';
import type { BadRequestKind, SockJsService, SockJsSettings } from './types.js';
import { framedWebSocket, rawWebSocket } from './websocket.js';
import { xhrSendRoute } from './xhr-send.js';

/** One SockJS endpoint to serve. */
export interface SockJsEndpoint {
  /** Base URL path without a trailing slash, e.g. `/sockjs`. */
  prefix: string;
  /** What each session carries. */
  service: SockJsService;
  /** Serve the `websocket` transports (default true). */
  websocket?: boolean;
  /** Set `JSESSIONID` for sticky load balancers (default false). */
  cookieNeeded?: boolean;
}

/** What every endpoint of a relay shares. */
export interface SockJsServer {
  uws: typeof UWS;
  settings: SockJsSettings;
  registry: SessionRegistry;
  trustedProxies: AddressSet;
  /** Counts refused requests by kind (metrics). */
  onBadRequest?: (kind: BadRequestKind) => void;
  /** Counts new sessions refused while the relay drains (`parley_connections_refused_total`). */
  onRefused?: (reason: 'draining') => void;
}

/**
 * Registers a SockJS endpoint's routes on a uWS app:
 *
 * - `GET <prefix>` and `<prefix>/`: greeting; `GET|OPTIONS <prefix>/info`
 * - `<prefix>/<server>/<session>/` + `websocket` (WS), `xhr`, `xhr_streaming`, `xhr_send` (POST),
 *   `eventsource` (GET)
 * - `<prefix>/websocket`: raw WebSocket, no SockJS framing
 * - everything else under the prefix (`htmlfile`, `jsonp`, `iframe*.html`…): 404
 */
export function registerSockJs(
  app: UWS.TemplatedApp,
  server: SockJsServer,
  endpoint: SockJsEndpoint,
): void {
  const p = endpoint.prefix;
  const ctx: EndpointContext = {
    prefix: p,
    service: endpoint.service,
    websocket: endpoint.websocket ?? true,
    cookieNeeded: endpoint.cookieNeeded ?? false,
    settings: server.settings,
    registry: server.registry,
    trustedProxies: server.trustedProxies,
    bad: (kind) => server.onBadRequest?.(kind),
    refused: (reason) => server.onRefused?.(reason),
  };
  const session = `${p}/:server/:session`;
  app.any(p, greeting(ctx));
  app.any(`${p}/`, greeting(ctx));
  app.any(`${p}/info`, infoRoute(ctx));
  app.any(`${session}/xhr`, receivingRoute(ctx, 'xhr-polling'));
  app.any(`${session}/xhr_streaming`, receivingRoute(ctx, 'xhr-streaming'));
  app.any(`${session}/eventsource`, receivingRoute(ctx, 'eventsource'));
  app.any(`${session}/xhr_send`, xhrSendRoute(ctx));
  if (ctx.websocket) {
    app.ws(`${session}/websocket`, framedWebSocket(ctx, server.uws));
    app.ws(`${p}/websocket`, rawWebSocket(ctx, server.uws));
    // A WebSocket route yields plain requests to these.
    app.any(`${session}/websocket`, notUpgrade(ctx));
    app.any(`${p}/websocket`, notUpgrade(ctx));
  }
  app.any(`${p}/*`, (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    ctx.bad('bad-path');
    writeError(res, info, '404 Not Found', 'Not Found');
  });
}

function notUpgrade(ctx: EndpointContext): (res: UWS.HttpResponse, req: UWS.HttpRequest) => void {
  return (res, req) => {
    const info = guard(ctx, res, req);
    if (!info) return;
    if (info.method !== 'GET') {
      methodNotAllowed(ctx, res, 'GET');
      return;
    }
    ctx.bad('not-upgrade');
    writeError(res, info, '400 Bad Request', 'Can "Upgrade" only to "WebSocket".');
  };
}
