import type { Logger } from 'pino';
import type { Traffic } from './traffic.js';

/** What the closing log line needs from a session. */
export interface EndedConnection {
  readonly id: string;
  readonly principal?: { readonly userId: string };
  readonly version: string;
  readonly traffic: Traffic;
  /** Why the relay ended it; unset when the peer closed. */
  readonly endReason?: string;
}

/** The fields of one connection's closing log line. Never a token, a header value or a body. */
export interface ConnectionEndFields {
  session: string;
  /** The verified user id (`sub`); absent when the connection never logged in. */
  user?: string;
  /** STOMP version of the session. */
  version: string;
  durationMs: number;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** WebSocket close code. */
  code: number;
  /**
   * The relay's reason (an ERROR reason code such as `server-shutdown`, or `disconnect`), else
   * `client-closed`, or `connection-lost` for close code 1006 (no close frame).
   */
  reason: string;
  /** `ws`, or `sockjs-<transport>` (`sockjs-xhr-streaming`…) for SockJS. */
  transport: string;
}

/**
 * The fields of a connection's closing log line. The peer's own close reason text is not
 * included: a client chooses it, so it is not ours to log.
 */
export function connectionEndFields(
  c: EndedConnection,
  code: number,
  transport: string,
  now: number = Date.now(),
): ConnectionEndFields {
  const t = c.traffic;
  return {
    session: c.id,
    ...(c.principal && { user: c.principal.userId }),
    version: c.version,
    durationMs: now - t.openedAt,
    framesIn: t.framesIn,
    framesOut: t.framesOut,
    bytesIn: t.bytesIn,
    bytesOut: t.bytesOut,
    code,
    reason: c.endReason ?? (code === 1006 ? 'connection-lost' : 'client-closed'),
    transport,
  };
}

/** Logs one `info` line `connection closed` for a connection that has ended. */
export function logConnectionEnd(
  log: Logger,
  c: EndedConnection,
  code: number,
  transport = 'ws',
): void {
  log.info(connectionEndFields(c, code, transport), 'connection closed');
}
