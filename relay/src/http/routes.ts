import type * as UWS from 'uWebSockets.js';
import { isLoopback, parseIp } from '../net/ip.js';
import type { StaticFile } from './static.js';

/** Development mode's `/dev/token`: who it mints for, or why it is off. */
export type DevTokenRoute =
  | {
      /** `loopback-peers`: only requests from loopback that came through no proxy. */
      access: 'any-peer' | 'loopback-peers';
      /** Signs a token for `?sub=<user>` (demo page). */
      sign: (userId: string) => string;
    }
  | { access: 'off'; /** Body of the 404. */ reason: string };

export interface HttpRoutesOptions {
  /** Whether the relay can serve traffic (broker ready, not shutting down). */
  ready: () => boolean;
  /** Files served by exact path, e.g. `/` and `/sdk/parley-sdk.js`. */
  files: Map<string, StaticFile>;
  /** Development mode only; absent outside it (then `/dev/token` is a plain 404). */
  devToken?: DevTokenRoute;
}

/** A request from a loopback peer that no proxy forwarded. */
function fromLoopback(res: UWS.HttpResponse, req: UWS.HttpRequest): boolean {
  const peer = parseIp(Buffer.from(res.getRemoteAddressAsText()).toString());
  if (!peer || !isLoopback(peer)) return false;
  return (
    req.getHeader('x-forwarded-for') === '' &&
    req.getHeader('x-real-ip') === '' &&
    req.getHeader('forwarded') === ''
  );
}

function json(res: UWS.HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'application/json')
      .writeHeader('cache-control', 'no-store')
      .end(JSON.stringify(body));
  });
}

/** Plain HTTP endpoints: health, readiness and static files. */
export function registerHttpRoutes(app: UWS.TemplatedApp, opts: HttpRoutesOptions): void {
  app.get('/healthz', (res) => json(res, '200 OK', { status: 'ok' }));
  app.get('/readyz', (res) => {
    const ok = opts.ready();
    json(res, ok ? '200 OK' : '503 Service Unavailable', { status: ok ? 'ready' : 'not-ready' });
  });
  const devToken = opts.devToken;
  if (devToken?.access === 'off') {
    const body = { error: devToken.reason };
    app.any('/dev/token', (res) => json(res, '404 Not Found', body));
  } else if (devToken) {
    app.get('/dev/token', (res, req) => {
      if (devToken.access === 'loopback-peers' && !fromLoopback(res, req)) {
        json(res, '403 Forbidden', {
          error:
            '/dev/token answers loopback only: this development relay uses a real PARLEY_JWT_SECRET',
        });
        return;
      }
      const sub = new URLSearchParams(req.getQuery() ?? '').get('sub') ?? '';
      if (!/^[\w.@-]{1,64}$/.test(sub)) {
        json(res, '400 Bad Request', { error: 'sub must be 1-64 characters of [A-Za-z0-9_.@-]' });
        return;
      }
      json(res, '200 OK', { token: devToken.sign(sub) });
    });
  }
  app.any('/*', (res, req) => {
    const method = req.getMethod();
    const url = req.getUrl();
    const file =
      opts.files.get(url) ??
      opts.files.get(url.endsWith('/') ? `${url}index.html` : `${url}/index.html`);
    res.cork(() => {
      if (!file) {
        res.writeStatus('404 Not Found').writeHeader('content-type', 'text/plain').end('not found');
      } else if (method !== 'get' && method !== 'head') {
        res.writeStatus('405 Method Not Allowed').writeHeader('allow', 'GET, HEAD').end();
      } else {
        res
          .writeStatus('200 OK')
          .writeHeader('content-type', file.type)
          .writeHeader('cache-control', file.cacheControl ?? 'no-cache');
        if (file.cors) res.writeHeader('access-control-allow-origin', '*');
        // uWS 20.30 sends a body on HEAD and aborts the process on endWithoutBody(): answer
        // HEAD with headers only (its Content-Length is then 0, not the file's).
        res.end(method === 'head' ? undefined : file.body);
      }
    });
  });
}
