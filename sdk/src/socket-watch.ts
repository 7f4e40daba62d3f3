import type { WebSocketLike } from './types.js';

/**
 * Wraps a socket so that every incoming WebSocket message (frames and heart-beats) is reported
 * to `onActivity` before stompjs sees it. Everything else goes straight to the real socket.
 *
 * @internal
 */
export function watchSocket(socket: WebSocketLike, onActivity: () => void): WebSocketLike {
  return new Proxy(socket, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
    set(target, property, value: unknown) {
      if (property === 'onmessage' && typeof value === 'function') {
        const handler = value as (event: unknown) => unknown;
        return Reflect.set(
          target,
          property,
          (event: unknown) => {
            onActivity();
            return handler(event);
          },
          target,
        );
      }
      return Reflect.set(target, property, value, target);
    },
  });
}
