import type { WebSocketLike } from './types.js';

/** The SockJS constructor, as `sockjs-client` exports it (only what the SDK uses). */
export type SockJsConstructor = new (
  url: string,
  reserved?: unknown,
  options?: { transports?: string[]; timeout?: number },
) => WebSocketLike & { transport?: string };

let loading: Promise<SockJsConstructor> | undefined;

/**
 * Loads `sockjs-client` on first use only: a page that never falls back never downloads it.
 * A global `SockJS` (the classic `<script src="sockjs.min.js">`, as the Spring tutorials include
 * it) is used when present; otherwise `import('sockjs-client')`, which bundlers split into a
 * lazy chunk and Node resolves from `node_modules`.
 *
 * @internal
 */
export function loadSockJs(global: object = globalThis): Promise<SockJsConstructor> {
  const script = (global as { SockJS?: unknown }).SockJS;
  if (typeof script === 'function') return Promise.resolve(script as SockJsConstructor);
  loading ??= import('sockjs-client').then(
    (mod: unknown) => {
      const m = mod as { default?: unknown };
      const ctor = typeof m.default === 'function' ? m.default : mod;
      if (typeof ctor !== 'function') throw new TypeError('sockjs-client did not export SockJS');
      return ctor as SockJsConstructor;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * The SockJS base URL for a relay WebSocket URL: `ws`→`http`, `wss`→`https`, and a last path
 * segment `/ws` becomes `/sockjs` (`wss://chat.example.com/ws` → `https://chat.example.com/sockjs`).
 *
 * @internal
 */
export function sockjsUrlFor(wsUrl: string): string {
  const u = new URL(wsUrl);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  u.pathname = u.pathname.replace(/\/ws\/?$/, '/sockjs');
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/$/, '');
}
