import { serialize } from '../codec/index.js';
import { REASONS } from '../reasons.js';
import type { Session } from '../stomp/session.js';
import type { Transport } from '../stomp/transport.js';
import type { SockJsService, SockJsTransportName } from './types.js';

/** What STOMP over SockJS needs: the relay's session factory and its pre-login limit. */
export interface StompOverSockJsOptions {
  /** Creates the STOMP session exactly as `/ws` does (same codec, auth, limits, broker). */
  createSession: (transport: Transport) => Session;
  /** Bytes a client may send before CONNECTED (as on `/ws`); past it: ERROR and close. */
  maxPreconnectBytes: number;
  /** Counts a session cut off before login (`preconnect-too-large`) or refused while draining. */
  onRefused?: (reason: 'preconnect-too-large' | 'draining') => void;
  /**
   * A STOMP session's SockJS session is over (once per session), with the close code and the
   * SockJS transport that opened it: the relay logs its `connection closed` line.
   */
  onEnded?: (session: Session, code: number, transport: SockJsTransportName) => void;
}

function preconnectError(limit: number): Uint8Array {
  const message = `more than ${limit} bytes sent before CONNECTED`;
  return serialize({
    command: 'ERROR',
    headers: [
      ['message', message],
      ['parley-reason', REASONS.frameTooLarge],
      ['content-type', 'text/plain'],
    ],
    body: new TextEncoder().encode(message),
  });
}

/**
 * STOMP over SockJS: each SockJS message is a piece of the STOMP byte stream (clients send whole
 * frames), fed to the same {@link Session} a WebSocket gets. Before CONNECTED the bytes a client
 * sends are counted against the same limit as on `/ws`.
 */
export function stompOverSockJs(opts: StompOverSockJsOptions): SockJsService {
  return (transport, info) => {
    const session = opts.createSession(transport);
    let preconnect = 0;
    let over = false;
    let ended = false;
    const end = (code: number): void => {
      session.onTransportClosed();
      if (ended) return;
      ended = true;
      opts.onEnded?.(session, code, info.transport);
    };
    return {
      onMessage(message) {
        if (over) return;
        if (preconnect >= 0) {
          if (session.state === 'connected') {
            preconnect = -1;
          } else {
            preconnect += Buffer.byteLength(message);
            if (preconnect > opts.maxPreconnectBytes) {
              over = true;
              opts.onRefused?.('preconnect-too-large');
              transport.send(preconnectError(opts.maxPreconnectBytes), false);
              transport.close(4000, REASONS.frameTooLarge);
              end(4000);
              return;
            }
          }
        }
        session.onData(message);
      },
      onClose(code) {
        end(code);
      },
    };
  };
}
