/**
 * Test harness: a uWS app serving SockJS endpoints with short, configurable timings, and small
 * raw-HTTP helpers (node:http for HTTP/1.1, a socket for HTTP/1.0 and for reading bytes as sent).
 */
import http from 'node:http';
import net from 'node:net';
import type * as UWS from 'uWebSockets.js';
import { AddressSet } from '../net/ip.js';
import { loadUws } from '../uws.js';
import type { Admission } from './registry.js';
import { SessionRegistry } from './registry.js';
import { registerSockJs } from './router.js';
import type { SockJsEndpoint } from './router.js';
import type { BadRequestKind, SockJsSettings } from './types.js';

export interface TestServer {
  port: number;
  base: string;
  registry: SessionRegistry;
  bad: Map<BadRequestKind, number>;
  close(): void;
}

export const TEST_SETTINGS: SockJsSettings = {
  allowedOrigins: [],
  heartbeatMs: 25_000,
  disconnectDelayMs: 5_000,
  maxSessions: 1000,
  maxQueuedBytes: 1024 * 1024,
  maxSendBytes: 64 * 1024,
  streamingLimitBytes: 128 * 1024,
};

export async function startTestServer(
  endpoints: SockJsEndpoint[],
  settings: Partial<SockJsSettings> = {},
  opts: { gate?: Admission; trustedProxies?: string[] } = {},
): Promise<TestServer> {
  const gate = opts.gate;
  const { uws } = loadUws();
  const app = uws.App();
  const full = { ...TEST_SETTINGS, ...settings };
  const registry = new SessionRegistry(full, gate);
  const bad = new Map<BadRequestKind, number>();
  const server = {
    uws,
    settings: full,
    registry,
    trustedProxies: new AddressSet(opts.trustedProxies ?? []),
    onBadRequest: (k: BadRequestKind) => void bad.set(k, (bad.get(k) ?? 0) + 1),
  };
  for (const e of endpoints) registerSockJs(app, server, e);
  const socket = await new Promise<UWS.us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed')))),
  );
  const port = uws.us_socket_local_port(socket);
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    registry,
    bad,
    close: () => {
      registry.closeAll(1001, 'test over');
      uws.us_listen_socket_close(socket);
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request with node:http (a fresh connection each time). */
export function request(
  port: number,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined && !opts.chunked) {
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A streaming response read as it arrives. */
export interface Stream {
  status: Promise<number>;
  headers: Promise<http.IncomingHttpHeaders>;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the received text satisfies `check`. */
  until(check: (text: string) => boolean, ms?: number): Promise<string>;
  ended: Promise<string>;
  abort(): void;
}

export function stream(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Stream {
  let text = '';
  let resolveStatus!: (n: number) => void;
  let resolveHeaders!: (h: http.IncomingHttpHeaders) => void;
  let resolveEnd!: (t: string) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const hdrs = new Promise<http.IncomingHttpHeaders>((r) => (resolveHeaders = r));
  const ended = new Promise<string>((r) => (resolveEnd = r));
  const waiters = new Set<() => void>();
  const req = http.request(
    { host: '127.0.0.1', port, method, path, headers, agent: false },
    (res) => {
      resolveStatus(res.statusCode ?? 0);
      resolveHeaders(res.headers);
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        for (const w of [...waiters]) w();
      });
      res.on('end', () => resolveEnd(text));
      res.on('error', () => resolveEnd(text));
    },
  );
  req.on('error', () => resolveEnd(text));
  req.end();
  return {
    status,
    headers: hdrs,
    text: () => text,
    ended,
    abort: () => req.destroy(),
    until: (check, ms = 5000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`stream did not match in ${ms} ms; got ${JSON.stringify(text)}`));
        }, ms);
        const w = (): void => {
          if (!check(text)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(text);
        };
        waiters.add(w);
        w();
      }),
  };
}

/** Sends raw bytes and collects everything until the server closes or `ms` passes. */
export function rawExchange(
  port: number,
  bytes: string,
  ms: number,
): Promise<{ text: string; closedByServer: boolean; elapsedMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let text = '';
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closedByServer, elapsedMs: Date.now() - t0 });
    };
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    const timer = setTimeout(() => finish(false), ms);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh session path under an endpoint. */
let n = 0;
export function sessionPath(prefix: string, transport: string): string {
  return `${prefix}/000/s${process.pid}x${(++n).toString(36)}/${transport}`;
}
