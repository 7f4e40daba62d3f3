import { FULL } from './build-flags.js';
import { DEFAULTS } from './defaults.js';
import { notInThisBuild } from './errors.js';
import { resolveEnvironment } from './environment.js';
import type { OutboxLimits } from './outbox.js';
import type { SessionOptions } from './session.js';
import { resolveFactory } from './socket.js';
import { loadSockJs, sockjsUrlFor } from './sockjs-factory.js';
import { WEBSOCKET_OPEN_TIMEOUT_MS, transportFactory } from './transport.js';
import type { TransportName } from './transport.js';
import type { ClientOptions, EnvironmentLike, TokenSource, WebSocketFactory } from './types.js';

/** Reconnect settings with every default filled in. @internal */
export interface ResolvedReconnect {
  initialDelayMs: number;
  maxDelayMs: number;
  stableAfterMs: number;
  shutdownSpreadMs: number;
}

/** {@link ClientOptions} checked, with every default filled in. @internal */
export interface ResolvedOptions {
  urls: readonly string[];
  token: TokenSource;
  session: SessionOptions;
  reconnect: ResolvedReconnect | false;
  refreshInPlace: boolean;
  outbox: OutboxLimits;
  environment: EnvironmentLike | undefined;
  random: () => number;
  debug: ((message: string) => void) | undefined;
  /** The transport of the last socket that opened (set by the socket factory). */
  transport: { current: TransportName | undefined };
}

/** The TypeError of an invalid option (docs/sdk.md#options has the details). */
function invalid(name: string, expected: string): TypeError {
  return new TypeError(`@parley/sdk: \`${name}\` must be ${expected}`);
}

function ms(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(name, 'ms >= 0');
  return v;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid(name, 'an integer >= 1');
  return v;
}

/**
 * Checks {@link ClientOptions} and fills in the defaults.
 *
 * @throws TypeError for invalid options, or when there is no global WebSocket and no
 *   `webSocketFactory`
 * @internal
 */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const urls = typeof options?.url === 'string' ? [options.url] : options?.url;
  if (
    !Array.isArray(urls) ||
    urls.length === 0 ||
    urls.some((u) => typeof u !== 'string' || u === '')
  ) {
    throw invalid('url', 'a ws(s):// URL or a non-empty list of them');
  }
  const { token } = options;
  if (typeof token !== 'string' && typeof token !== 'function') {
    throw invalid('token', 'a JWT or a function returning one');
  }
  const strategy = options.heartbeatStrategy ?? 'auto';
  if (!['auto', 'worker', 'interval'].includes(strategy)) {
    throw invalid('heartbeatStrategy', 'auto, worker or interval');
  }
  const r = options.reconnect;
  const reconnect: ResolvedReconnect | false =
    r === false
      ? false
      : {
          initialDelayMs: ms(
            'reconnect.initialDelayMs',
            r?.initialDelayMs,
            DEFAULTS.reconnectInitialDelayMs,
          ),
          maxDelayMs: ms('reconnect.maxDelayMs', r?.maxDelayMs, DEFAULTS.reconnectMaxDelayMs),
          stableAfterMs: ms(
            'reconnect.stableAfterMs',
            r?.stableAfterMs,
            DEFAULTS.reconnectStableAfterMs,
          ),
          shutdownSpreadMs: ms(
            'reconnect.shutdownSpreadMs',
            r?.shutdownSpreadMs,
            DEFAULTS.shutdownSpreadMs,
          ),
        };
  const mode = options.transport ?? 'auto';
  const transport: ResolvedOptions['transport'] = { current: undefined };
  let factory: WebSocketFactory;
  if (!FULL) {
    // A lean build (build-flags.ts) has no SockJS: WebSocket only, `auto` included.
    if (mode !== 'auto' && mode !== 'websocket') throw notInThisBuild(`transport ${String(mode)}`);
    const webSocket = resolveFactory(options.webSocketFactory);
    factory = (url, protocols) => {
      transport.current = 'websocket';
      return webSocket(url, protocols);
    };
  } else {
    if (!['auto', 'websocket', 'sockjs'].includes(mode)) {
      throw invalid('transport', 'auto, websocket or sockjs');
    }
    const sockjsUrl = options.sockjsUrl;
    if (sockjsUrl !== undefined && !/^https?:\/\//.test(sockjsUrl)) {
      throw invalid('sockjsUrl', 'an http(s):// URL');
    }
    // With SockJS forced there is no need for a WebSocket constructor (Node 20 without `ws`).
    const webSocket = mode === 'sockjs' ? undefined : resolveFactory(options.webSocketFactory);
    factory = transportFactory({
      mode,
      webSocket,
      sockjsUrl: sockjsUrl !== undefined ? () => sockjsUrl : sockjsUrlFor,
      loadSockJs: () => loadSockJs(),
      webSocketOpenTimeoutMs: WEBSOCKET_OPEN_TIMEOUT_MS,
      opened: (t) => (transport.current = t),
    });
  }
  return {
    urls: [...urls],
    token,
    transport,
    session: {
      factory,
      heartbeatMs: ms('heartbeatMs', options.heartbeatMs, DEFAULTS.heartbeatMs),
      heartbeatStrategy: strategy,
      connectTimeoutMs: ms('connectTimeoutMs', options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
      disconnectGraceMs: DEFAULTS.disconnectGraceMs,
      debug: options.debug,
    },
    reconnect,
    refreshInPlace: options.refreshInPlace ?? true,
    outbox: {
      maxMessages: positive(
        'outbox.maxMessages',
        options.outbox?.maxMessages,
        DEFAULTS.outboxMaxMessages,
      ),
      maxBytes: positive('outbox.maxBytes', options.outbox?.maxBytes, DEFAULTS.outboxMaxBytes),
    },
    environment: resolveEnvironment(options.environment),
    random: options.random ?? Math.random,
    debug: options.debug,
  };
}
