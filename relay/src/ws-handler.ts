import type * as UWS from 'uWebSockets.js';
import { serialize } from './codec/index.js';
import type { ForwardingHeaders } from './net/client-address.js';
import type { GateDecision } from './net/connection-gate.js';
import { REASONS } from './reasons.js';
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
  /** The gate's key for this client address, released on close. */
  gateKey?: string;
  /** Bytes received before the session was connected; -1 once it is. */
  preconnectBytes: number;
}

/** Why a WebSocket was refused at the upgrade or cut off before login (a metrics label). */
export type RefusalReason =
  'origin' | 'subprotocol' | 'per-ip-limit' | 'per-ip-rate' | 'preconnect-too-large' | 'draining';

/** Admission at the upgrade; see {@link ConnectionGate}. */
export interface UpgradeGate {
  admit(peer: string, headers: () => ForwardingHeaders): GateDecision;
  release(key: string): void;
}

/**
 * Largest WebSocket message the relay accepts (uWS closes the socket past it, without an ERROR).
 * uWS buffers a fragmented message up to this size before JavaScript sees any of it, for every
 * socket, logged in or not, so this is what bounds the memory a stalled huge message can hold.
 * Twice the frame limit plus 16 KiB: a frame somewhat over the limit still reaches the parser
 * and gets its `frame-too-large` ERROR, and a few small frames may share a message with a big one.
 */
export function maxMessageBytes(maxFrameSize: number, maxPreconnectBytes: number): number {
  return Math.max(2 * maxFrameSize, maxPreconnectBytes) + 16 * 1024;
}

export interface WsHandlerOptions {
  uws: typeof UWS;
  /** Allowed browser origins; empty = any. */
  allowedOrigins: string[];
  /** Largest WebSocket message; the STOMP frame limit is enforced by the parser below it. */
  maxPayloadLength: number;
  /** uWS's hard cap on queued bytes; sessions drop slow consumers well before it. */
  maxBackpressure: number;
  /** Bytes a socket may send before its session is connected; past it: ERROR and close. */
  maxPreconnectBytes: number;
  /** Per-address admission at the upgrade; absent = everyone is admitted. */
  gate?: UpgradeGate;
  /** Counts refusals (for `/metrics`). */
  onRefused?: (reason: RefusalReason) => void;
  /** Creates the STOMP session for a freshly opened socket. */
  createSession: (transport: Transport, data: SocketData) => Session;
  /**
   * While the relay drains (lifecycle/relay-drain.ts): the `Retry-After` seconds of the 503 that
   * refuses every upgrade; `undefined` when not draining.
   */
  draining?: () => number | undefined;
  /** A socket has opened (counts sockets for the drain). */
  onOpened?: () => void;
  /** The socket has closed, with its close code and reason (the connection log). */
  onClosed?: (session: Session | undefined, code: number, reason: string) => void;
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

function forwardingHeaders(req: UWS.HttpRequest): ForwardingHeaders {
  // Several X-Forwarded-For lines are one comma list (RFC 9110 §5.3): collect them all.
  const forwarded: string[] = [];
  req.forEach((name, value) => {
    if (name === 'x-forwarded-for') forwarded.push(value);
  });
  return { forwardedFor: forwarded.join(','), realIp: req.getHeader('x-real-ip') };
}

function refuse(
  res: UWS.HttpResponse,
  status: string,
  reason: string,
  message: string,
  retryAfter?: number,
): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'text/plain')
      .writeHeader('parley-reason', reason);
    if (retryAfter !== undefined) res.writeHeader('retry-after', String(retryAfter));
    res.end(message);
  });
}

/**
 * Counts a message received before CONNECTED; true when the socket went past the limit (then it
 * has been sent an ERROR and closed).
 */
function overPreconnectLimit(
  ws: UWS.WebSocket<SocketData>,
  data: SocketData,
  session: Session,
  bytes: number,
  limit: number,
): boolean {
  if (session.state === 'connected') {
    data.preconnectBytes = -1;
    return false;
  }
  data.preconnectBytes += bytes;
  if (data.preconnectBytes <= limit) return false;
  const message = `more than ${limit} bytes sent before CONNECTED`;
  const error = serialize({
    command: 'ERROR',
    headers: [
      ['message', message],
      ['parley-reason', REASONS.frameTooLarge],
      ['content-type', 'text/plain'],
    ],
    body: new TextEncoder().encode(message),
  });
  data.closed = true;
  ws.send(error, false);
  ws.end(4000, REASONS.frameTooLarge);
  return true;
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
      const retryAfter = opts.draining?.();
      if (retryAfter !== undefined) {
        opts.onRefused?.('draining');
        refuse(
          res,
          '503 Service Unavailable',
          'draining',
          'this relay is shutting down: connect to another one',
          retryAfter,
        );
        return;
      }
      const origin = req.getHeader('origin');
      const key = req.getHeader('sec-websocket-key');
      const protocols = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      if (!originAllowed(origin, opts.allowedOrigins)) {
        opts.onRefused?.('origin');
        refuse(res, '403 Forbidden', 'origin', `origin ${origin} is not allowed`);
        return;
      }
      const protocol = pickProtocol(protocols);
      if (protocol === undefined) {
        opts.onRefused?.('subprotocol');
        refuse(
          res,
          '400 Bad Request',
          'subprotocol',
          `no supported STOMP sub-protocol; use one of ${STOMP_PROTOCOLS.join(', ')}`,
        );
        return;
      }
      let gateKey: string | undefined;
      if (opts.gate) {
        const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
        const decision = opts.gate.admit(peer, () => forwardingHeaders(req));
        if (!decision.admitted) {
          opts.onRefused?.(decision.reason);
          refuse(res, decision.status, decision.reason, decision.message, decision.retryAfter);
          return;
        }
        gateKey = decision.key;
      }
      res.upgrade<SocketData>(
        {
          origin,
          protocol,
          closed: false,
          preconnectBytes: 0,
          ...(gateKey !== undefined && { gateKey }),
        },
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
      opts.onOpened?.();
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      const session = data.session;
      if (!session) return;
      if (
        data.preconnectBytes >= 0 &&
        overPreconnectLimit(ws, data, session, message.byteLength, opts.maxPreconnectBytes)
      ) {
        opts.onRefused?.('preconnect-too-large');
        return;
      }
      // The ArrayBuffer is only valid during this call; the parser copies what it keeps.
      session.onData(new Uint8Array(message), isBinary);
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      data.closed = true;
      if (data.gateKey !== undefined) opts.gate?.release(data.gateKey);
      data.session?.onTransportClosed();
      opts.onClosed?.(data.session, code, Buffer.from(message).toString());
    },
  };
}
