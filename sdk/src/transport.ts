import type { SockJsConstructor } from './sockjs-factory.js';
import type { WebSocketFactory, WebSocketLike } from './types.js';

/**
 * A WebSocket that has neither opened nor failed after this long (a proxy that swallows the
 * upgrade) counts as blocked in `auto` mode, in ms.
 */
export const WEBSOCKET_OPEN_TIMEOUT_MS = 5000;

/** Which transport the client uses: `auto` tries WebSocket, then falls back to SockJS. */
export type TransportMode = 'auto' | 'websocket' | 'sockjs';

/** The transport an open connection runs over. */
export type TransportName = 'websocket' | 'sockjs';

/** What {@link transportFactory} needs. @internal */
export interface TransportSettings {
  mode: TransportMode;
  /** Makes the WebSocket (absent when `mode` is `sockjs`). */
  webSocket: WebSocketFactory | undefined;
  /** The SockJS base URL for a relay URL. */
  sockjsUrl: (wsUrl: string) => string;
  /** Loads sockjs-client (lazily). */
  loadSockJs: () => Promise<SockJsConstructor>;
  /** A WebSocket not open after this long counts as blocked (auto mode), in ms. */
  webSocketOpenTimeoutMs: number;
  /** Called when a socket opens, with the transport it uses. */
  opened: (transport: TransportName) => void;
}

type Handler = ((event: never) => unknown) | null;
const call = (h: Handler, event: unknown): void => {
  (h as ((e: unknown) => unknown) | null)?.(event);
};

/**
 * One connection attempt's socket. In `auto` mode it starts as a WebSocket; when that cannot be
 * opened (refused, blocked, closed before open, or not open in time) it becomes a SockJS socket
 * to the same relay, without the session above noticing anything but a slower open.
 */
class SwitchingSocket implements WebSocketLike {
  onopen: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  onclose: Handler = null;
  binaryType?: string = 'arraybuffer';
  #inner: WebSocketLike | undefined;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly url: string,
    private readonly settings: TransportSettings,
    private readonly protocols: string[],
    private readonly first: TransportName,
  ) {
    if (first === 'websocket') this.#webSocket();
    else this.#sockJs();
  }

  get readyState(): number {
    return this.#closed ? 3 : (this.#inner?.readyState ?? 0);
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
    this.#inner?.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#clearTimer();
    const inner = this.#inner;
    if (!inner) {
      // Still loading sockjs-client: nothing to close but ourselves.
      this.#closed = true;
      setTimeout(
        () => call(this.onclose, { code: code ?? 1000, reason: reason ?? '', wasClean: true }),
        0,
      );
      return;
    }
    inner.close(code, reason);
  }

  #webSocket(): void {
    let ws: WebSocketLike;
    try {
      ws = this.settings.webSocket!(this.url, this.protocols);
    } catch {
      if (this.settings.mode === 'auto') this.#sockJs();
      else this.#fail(`WebSocket could not be created`);
      return;
    }
    let opened = false;
    this.#attach(ws, 'websocket', () => opened);
    ws.onopen = ((e: unknown) => {
      opened = true;
      this.#clearTimer();
      this.settings.opened('websocket');
      call(this.onopen, e);
    }) as Handler;
    if (this.settings.mode === 'auto' && this.settings.webSocketOpenTimeoutMs > 0) {
      this.#timer = setTimeout(() => {
        if (opened || this.#closed) return;
        // Blocked somewhere that neither answers nor refuses: give up on it, try SockJS.
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
        (ws.terminate ?? ws.close).call(ws);
        this.#sockJs();
      }, this.settings.webSocketOpenTimeoutMs);
    }
  }

  #sockJs(): void {
    this.#inner = undefined;
    this.settings.loadSockJs().then(
      (SockJS) => {
        if (this.#closed) return;
        let sock: WebSocketLike;
        try {
          sock = new SockJS(this.settings.sockjsUrl(this.url));
        } catch (error) {
          this.#fail(`SockJS could not be created: ${String(error)}`);
          return;
        }
        this.#attach(sock, 'sockjs', () => true);
        sock.onopen = ((e: unknown) => {
          this.settings.opened('sockjs');
          call(this.onopen, e);
        }) as Handler;
      },
      (error: unknown) => this.#fail(`sockjs-client could not be loaded: ${String(error)}`),
    );
  }

  /** Wires `inner`'s events to ours; a WebSocket closing before open switches to SockJS. */
  #attach(inner: WebSocketLike, name: TransportName, opened: () => boolean): void {
    this.#inner = inner;
    if (this.binaryType !== undefined) inner.binaryType = this.binaryType;
    inner.onmessage = ((e: unknown) => call(this.onmessage, e)) as Handler;
    inner.onerror = ((e: unknown) => {
      if (name === 'websocket' && !opened() && this.settings.mode === 'auto') return;
      call(this.onerror, e);
    }) as Handler;
    inner.onclose = ((e: unknown) => {
      this.#clearTimer();
      if (name === 'websocket' && !opened() && this.settings.mode === 'auto' && !this.#closed) {
        this.#sockJs();
        return;
      }
      this.#closed = true;
      call(this.onclose, e);
    }) as Handler;
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    setTimeout(() => call(this.onclose, { code: 1006, reason, wasClean: false }), 0);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The socket factory for a transport mode: a new socket per attempt. In `auto` mode, once a
 * WebSocket has failed and SockJS has worked, later attempts go to SockJS directly (the network
 * that blocked WebSockets is still there); `websocket` and `sockjs` force one transport.
 *
 * @internal
 */
export function transportFactory(settings: TransportSettings): WebSocketFactory {
  let preferSockJs = settings.mode === 'sockjs';
  const opened = (t: TransportName): void => {
    if (settings.mode === 'auto' && t === 'sockjs') preferSockJs = true;
    settings.opened(t);
  };
  const withHook = { ...settings, opened };
  return (url, protocols) =>
    new SwitchingSocket(url, withHook, protocols, preferSockJs ? 'sockjs' : 'websocket');
}
