import type * as UWS from 'uWebSockets.js';
import type { Transport } from '../stomp/transport.js';
import type { EndpointContext } from './context.js';
import { client, guard, isRefusal, refuse, sessionKey } from './context.js';
import { parsePayload } from './frames.js';
import type { Receiver } from './receiver.js';
import type { Slot } from './registry.js';
import type { SockJsSession } from './session.js';
import type { SockJsHandler } from './types.js';

/** Per-socket data of both SockJS WebSockets. @internal */
export interface SockJsSocketData {
  closed: boolean;
  /** SockJS-framed: the session; raw: absent. */
  session?: SockJsSession;
  /** Raw: the registry place and the application's handler. */
  slot?: Slot;
  handler?: SockJsHandler;
  origin: string;
  sessionId: string;
}

/** Past this many bytes in the socket's buffer, messages wait in the session's queue. */
const WS_HIGH_WATER = 64 * 1024;

/** uWS settings both WebSockets share. */
function common(ctx: EndpointContext, uws: typeof UWS) {
  return {
    compression: uws.DISABLED,
    maxPayloadLength: ctx.settings.maxSendBytes,
    // What the session queue holds at most, plus room for the close frame.
    maxBackpressure: ctx.settings.maxQueuedBytes + WS_HIGH_WATER + 1024,
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    sendPingsAutomatically: true,
  } as const;
}

class WsReceiver implements Receiver {
  readonly polling = false;
  constructor(
    private readonly ws: UWS.WebSocket<SockJsSocketData>,
    private readonly data: SockJsSocketData,
  ) {}
  get writable(): boolean {
    return !this.data.closed && this.ws.getBufferedAmount() < WS_HIGH_WATER;
  }
  write(frames: readonly string[]): void {
    if (this.data.closed) return;
    this.ws.cork(() => {
      for (const f of frames) this.ws.send(f, false);
    });
  }
  bufferedAmount(): number {
    return this.data.closed ? 0 : this.ws.getBufferedAmount();
  }
  end(): void {
    if (this.data.closed) return;
    this.data.closed = true;
    this.ws.end(1000, 'Normal closure');
  }
}

/**
 * `<prefix>/<server>/<session>/websocket`: a WebSocket carrying SockJS frames (`o`, `h`, `a[...]`,
 * `c[...]` out; JSON arrays of strings in). The session ends with the socket.
 */
export function framedWebSocket(
  ctx: EndpointContext,
  uws: typeof UWS,
): UWS.WebSocketBehavior<SockJsSocketData> {
  return {
    ...common(ctx, uws),
    upgrade: (res, req, context) => {
      const info = guard(ctx, res, req);
      if (!info) return;
      const key = sessionKey(ctx, res, req, info);
      if (key === undefined) return;
      const opened = ctx.registry.open(key, 'websocket', client(ctx, info));
      if (isRefusal(opened)) {
        refuse(ctx, res, info, opened);
        return;
      }
      const sessionId = key.slice(ctx.prefix.length + 1);
      res.upgrade<SockJsSocketData>(
        { closed: false, session: opened, origin: info.origin, sessionId },
        req.getHeader('sec-websocket-key'),
        '',
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const session = data.session;
      if (!session) return;
      session.bind(
        ctx.service(session.transport, {
          transport: 'websocket',
          origin: data.origin,
          sessionId: data.sessionId,
        }),
      );
      session.attach(new WsReceiver(ws, data));
    },
    message: (ws, message) => {
      const data = ws.getUserData();
      const text = Buffer.from(message).toString('utf8');
      if (text === '' || !data.session) return;
      const parsed = parsePayload(text);
      if (!parsed.ok) {
        // As SockJS servers do: a client that sends broken JSON is cut off.
        ctx.bad('broken-json');
        data.closed = true;
        ws.end(1002, 'Broken JSON encoding.');
        return;
      }
      data.session.receive(parsed.messages);
    },
    drain: (ws) => ws.getUserData().session?.writable(),
    close: (ws, code) => {
      const data = ws.getUserData();
      data.closed = true;
      data.session?.abort(code);
    },
  };
}

/**
 * `<prefix>/websocket`: a plain WebSocket with no SockJS framing, for clients that speak
 * WebSocket anyway. Counted and limited like every SockJS session.
 */
export function rawWebSocket(
  ctx: EndpointContext,
  uws: typeof UWS,
): UWS.WebSocketBehavior<SockJsSocketData> {
  let counter = 0;
  return {
    ...common(ctx, uws),
    upgrade: (res, req, context) => {
      const info = guard(ctx, res, req);
      if (!info) return;
      const key = `${ctx.prefix}/raw:${(++counter).toString(36)}`;
      const slot = ctx.registry.reserve(key, 'raw-websocket', client(ctx, info));
      if (isRefusal(slot)) {
        refuse(ctx, res, info, slot);
        return;
      }
      res.upgrade<SockJsSocketData>(
        { closed: false, slot, origin: info.origin, sessionId: '' },
        req.getHeader('sec-websocket-key'),
        '',
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const decoder = new TextDecoder();
      const transport: Transport = {
        send: (bytes) =>
          !data.closed &&
          ws.send(typeof bytes === 'string' ? bytes : decoder.decode(bytes), false) === 1,
        bufferedAmount: () => (data.closed ? 0 : ws.getBufferedAmount()),
        close: (code, reason) => {
          if (data.closed) return;
          data.closed = true;
          ws.end(code, reason);
        },
      };
      data.handler = ctx.service(transport, {
        transport: 'raw-websocket',
        origin: data.origin,
        sessionId: '',
      });
    },
    message: (ws, message) => {
      const data = ws.getUserData();
      if (!data.closed) data.handler?.onMessage(Buffer.from(message).toString('utf8'));
    },
    close: (ws, code) => {
      const data = ws.getUserData();
      data.closed = true;
      data.slot?.release();
      data.handler?.onClose(code);
    },
  };
}
