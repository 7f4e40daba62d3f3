/**
 * SockJS 0.3 for the relay: the protocol as its own module (router, session registry, framing,
 * one small file per transport) that carries any {@link SockJsService} through the relay's
 * `Transport` interface. STOMP is served at {@link SOCKJS_PREFIX}; see docs/protocol.md#sockjs.
 */
import type * as UWS from 'uWebSockets.js';
import type { Registry } from 'prom-client';
import type { AddressSet } from '../net/ip.js';
import type { SockJsConfig } from './config.js';
import { SockJsMetrics } from './metrics.js';
import type { Admission } from './registry.js';
import { SessionRegistry } from './registry.js';
import { registerSockJs } from './router.js';
import type { StompOverSockJsOptions } from './stomp-service.js';
import { stompOverSockJs } from './stomp-service.js';
import { testEndpoints } from './test-services.js';
import type { SockJsSettings } from './types.js';

export { registerSockJs } from './router.js';
export type { SockJsEndpoint, SockJsServer } from './router.js';
export { SessionRegistry } from './registry.js';
export { stompOverSockJs } from './stomp-service.js';
export { SOCKJS_TEST_PREFIX, echoService, closeService, testEndpoints } from './test-services.js';
export type * from './types.js';
export { loadSockJsConfig, SOCKJS_ENV_VARS, SockJsConfigError } from './config.js';
export type { SockJsConfig } from './config.js';

/** The SockJS base URL of the relay (DESIGN.md §6). Change it here only. */
export const SOCKJS_PREFIX = '/sockjs';

/** Bytes one `xhr_streaming` / `eventsource` response carries before the client opens another. */
export const STREAMING_LIMIT_BYTES = 128 * 1024;

/** What {@link serveSockJs} needs from the relay. */
export interface SockJsWiring extends StompOverSockJsOptions {
  uws: typeof UWS;
  config: SockJsConfig;
  allowedOrigins: readonly string[];
  trustedProxies: AddressSet;
  /** The per-address gate `/ws` uses: SockJS sessions count against the same limits. */
  gate?: Admission;
  /** Bytes queued for one session before it is dropped as a slow consumer. */
  maxQueuedBytes: number;
  /** Largest `xhr_send` body / SockJS WebSocket message. */
  maxSendBytes: number;
  /** The relay's Prometheus registry. */
  metricsRegistry: Registry;
  /**
   * While the relay drains: the `Retry-After` seconds of the 503 (`parley-reason: draining`)
   * that refuses every new session, as on `/ws`; `undefined` when not draining.
   */
  draining?: () => number | undefined;
}

/** The served SockJS endpoints. */
export interface SockJsHandle {
  readonly registry: SessionRegistry;
  /** Ends every remaining SockJS session (after the STOMP sessions were shut down). */
  close(): void;
}

/** Serves STOMP at `/sockjs` (and the test services when configured) on the app. */
export function serveSockJs(app: UWS.TemplatedApp, w: SockJsWiring): SockJsHandle {
  const settings: SockJsSettings = {
    allowedOrigins: w.allowedOrigins,
    heartbeatMs: w.config.heartbeatMs,
    disconnectDelayMs: w.config.disconnectDelayMs,
    maxSessions: w.config.maxSessions,
    maxQueuedBytes: w.maxQueuedBytes,
    maxSendBytes: w.maxSendBytes,
    streamingLimitBytes: STREAMING_LIMIT_BYTES,
  };
  const registry = new SessionRegistry(settings, w.gate, w.draining);
  const metrics = new SockJsMetrics(w.metricsRegistry, registry);
  const server = {
    uws: w.uws,
    settings,
    registry,
    trustedProxies: w.trustedProxies,
    onBadRequest: (kind: Parameters<SockJsMetrics['badRequest']>[0]) => metrics.badRequest(kind),
    onRefused: (reason: 'draining') => w.onRefused?.(reason),
  };
  registerSockJs(app, server, {
    prefix: SOCKJS_PREFIX,
    service: stompOverSockJs(w),
    cookieNeeded: w.config.cookieNeeded,
  });
  if (w.config.testServices) {
    for (const endpoint of testEndpoints()) registerSockJs(app, server, endpoint);
  }
  return { registry, close: () => registry.closeAll(1001, 'server-shutdown') };
}
