import { FULL } from './build-flags.js';
import type { WebSocketFactory, WebSocketLike } from './types.js';

/** The STOMP sub-protocols offered on the WebSocket handshake. @internal */
export const STOMP_PROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

interface WebSocketConstructor {
  new (url: string, protocols?: string | string[]): WebSocketLike;
}

/**
 * The factory to use: the given one, else the global `WebSocket`.
 *
 * @throws TypeError when there is neither (Node 20 without `ws` injected)
 * @internal
 */
export function resolveFactory(
  factory: WebSocketFactory | undefined,
  global: { WebSocket?: unknown } = globalThis,
): WebSocketFactory {
  if (factory) return factory;
  const Ctor = global.WebSocket;
  if (typeof Ctor === 'function') {
    return (url, protocols) => new (Ctor as WebSocketConstructor)(url, protocols);
  }
  throw new TypeError(
    FULL
      ? '@parley/sdk: no global WebSocket (Node < 22): with the `ws` package, pass ' +
          '`webSocketFactory: (url, p) => new WebSocket(url, p)`'
      : '@parley/sdk: no global WebSocket',
  );
}

/**
 * A socket that never opens and reports a close on the next tick, standing in for one the factory
 * could not create, so that a failed attempt ends through the normal close path.
 *
 * @internal
 */
export function failedSocket(url: string, reason: string): WebSocketLike {
  const socket: WebSocketLike = {
    url,
    readyState: 3,
    onopen: null,
    onmessage: null,
    onerror: null,
    onclose: null,
    send() {},
    close() {},
  };
  setTimeout(() => {
    const onclose = socket.onclose as ((event: CloseEventLike) => unknown) | null;
    onclose?.({ code: 1006, reason, wasClean: false });
  }, 0);
  return socket;
}

/** The fields of a close event the SDK reads. @internal */
export interface CloseEventLike {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

/** Removes credentials from a protocol log line. @internal */
export function redact(line: string): string {
  return line.replace(/^(authorization|passcode):.*$/gim, '$1:<redacted>');
}
