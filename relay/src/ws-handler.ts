import type * as UWS from 'uWebSockets.js';
import type { Session } from './stomp/session.js';
import type { Transport } from './stomp/transport.js';

/** STOMP sub-protocols in order of preference. */
export const STOMP_PROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const;

/** Per-socket data attached at upgrade. @internal */
export interface SocketData {
  origin: string;
  protocol: string;
  session?: Session;
  closed: boolean;
}

export interface WsHandlerOptions {
  uws: typeof UWS;
  /** Allowed browser origins; empty = any. */
  allowedOrigins: string[];
  /** Largest WebSocket message; the STOMP frame limit is enforced by the parser below it. */
  maxPayloadLength: number;
  /** uWS's hard cap on queued bytes; sessions drop slow consumers well before it. */
  maxBackpressure: number;
  /** Creates the STOMP session for a freshly opened socket. */
  createSession: (transport: Transport, data: SocketData) => Session;
}

/** Picks the best STOMP sub-protocol the client offered ('' when it offered none). */
export function pickProtocol(header: string): string | undefined {
  if (header.trim() === '') return '';
  const offered = header.split(',').map((p) => p.trim());
  return STOMP_PROTOCOLS.find((p) => offered.includes(p));
}

function originAllowed(origin: string, allowed: string[]): boolean {
  // Non-browser clients send no Origin; the origin list is a browser defence.
  return allowed.length === 0 || origin === '' || allowed.includes('*') || allowed.includes(origin);
}

/** The thin uWS callbacks of `/ws`: upgrade checks, then bytes in and out of the session. */
export function wsBehavior(opts: WsHandlerOptions): UWS.WebSocketBehavior<SocketData> {
  return {
    compression: opts.uws.DISABLED,
    maxPayloadLength: opts.maxPayloadLength,
    maxBackpressure: opts.maxBackpressure,
    // Past the limit uWS drops further messages for that socket (never silently closes it): the
    // relay notices within a second, sends ERROR slow-consumer and closes; the client recovers
    // what it missed with parley-since.
    closeOnBackpressureLimit: 0,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const origin = req.getHeader('origin');
      const key = req.getHeader('sec-websocket-key');
      const protocols = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      if (!originAllowed(origin, opts.allowedOrigins)) {
        res.writeStatus('403 Forbidden').end(`origin ${origin} is not allowed`);
        return;
      }
      const protocol = pickProtocol(protocols);
      if (protocol === undefined) {
        res
          .writeStatus('400 Bad Request')
          .end(`no supported STOMP sub-protocol; use one of ${STOMP_PROTOCOLS.join(', ')}`);
        return;
      }
      res.upgrade<SocketData>(
        { origin, protocol, closed: false },
        key,
        protocol,
        extensions,
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const transport: Transport = {
        send: (bytes, binary) => (data.closed ? false : ws.send(bytes, binary) === 1),
        bufferedAmount: () => (data.closed ? 0 : ws.getBufferedAmount()),
        subscribeTopic: (topic) => !data.closed && ws.subscribe(topic),
        unsubscribeTopic: (topic) => {
          if (!data.closed) ws.unsubscribe(topic);
        },
        close: (code, reason) => {
          if (data.closed) return;
          data.closed = true;
          ws.end(code, reason);
        },
      };
      data.session = opts.createSession(transport, data);
    },
    message: (ws, message, isBinary) => {
      // The ArrayBuffer is only valid during this call; the parser copies what it keeps.
      ws.getUserData().session?.onData(new Uint8Array(message), isBinary);
    },
    close: (ws) => {
      const data = ws.getUserData();
      data.closed = true;
      data.session?.onTransportClosed();
    },
  };
}
