import { randomUUID } from 'node:crypto';
import type * as UWS from 'uWebSockets.js';
import type { Logger } from 'pino';

/** An incoming `X-Request-Id` the relay keeps: 1–128 characters of `[A-Za-z0-9_.:-]`. */
const KEEPABLE = /^[\w.:-]{1,128}$/;

/** The route methods whose handlers get a request id. */
const ROUTES = new Set(['get', 'post', 'put', 'del', 'patch', 'options', 'head', 'any']);

type Handler = (res: UWS.HttpResponse, req: UWS.HttpRequest) => void | Promise<void>;

/**
 * The request id for a request: the client's (or proxy's) `X-Request-Id` when it is a safe
 * token, else a fresh UUID.
 */
export function requestId(incoming: string): string {
  return KEEPABLE.test(incoming) ? incoming : randomUUID();
}

/**
 * `app`, with every route registered through it answering with an `X-Request-Id` header (echoed
 * or generated, see {@link requestId}) and logging one `info` line per request when it is
 * answered: request id, method, path (never the query string), status and duration. Nothing of
 * the request's headers or body is logged. The uWS callbacks stay as they are: the wrapper only
 * adds the header as the status is written (or before `end` when no status is) and notes the end.
 */
export function withRequestIds(app: UWS.TemplatedApp, log: Logger): UWS.TemplatedApp {
  const proxy: UWS.TemplatedApp = new Proxy(app, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop !== 'string' || !ROUTES.has(prop)) return method.bind(target);
      return (pattern: string, handler: Handler) => {
        method.call(target, pattern, (res: UWS.HttpResponse, req: UWS.HttpRequest) =>
          handler(tagged(res, req, log), req),
        );
        return proxy;
      };
    },
  });
  return proxy;
}

/** Wraps `res` in place for one request (uWS response objects take own properties). */
function tagged(res: UWS.HttpResponse, req: UWS.HttpRequest, log: Logger): UWS.HttpResponse {
  const id = requestId(req.getHeader('x-request-id'));
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl();
  const started = performance.now();
  const { writeStatus, writeHeader, end, tryEnd, onAborted } = res;
  let status = 200;
  let headerWritten = false;
  let finished = false;
  const header = (): void => {
    if (headerWritten) return;
    headerWritten = true;
    writeHeader.call(res, 'x-request-id', id);
  };
  const done = (outcome: number | 'aborted'): void => {
    if (finished) return;
    finished = true;
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    log.info(
      { requestId: id, method, path, status: outcome === 'aborted' ? 0 : outcome, durationMs },
      outcome === 'aborted' ? 'http request aborted' : 'http request',
    );
  };
  res.writeStatus = (line: UWS.RecognizedString) => {
    status = Number(String(line).slice(0, 3)) || 0;
    writeStatus.call(res, line);
    header();
    return res;
  };
  res.end = (body?: UWS.RecognizedString, closeConnection?: boolean) => {
    header();
    end.call(res, body, closeConnection);
    done(status);
    return res;
  };
  res.tryEnd = (body: UWS.RecognizedString, totalSize: number) => {
    header();
    const result = tryEnd.call(res, body, totalSize);
    if (result[1]) done(status);
    return result;
  };
  res.onAborted = (handler: () => void) => {
    onAborted.call(res, () => {
      handler();
      done('aborted');
    });
    return res;
  };
  return res;
}
