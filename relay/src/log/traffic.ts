/** What one connection sent and received, for its closing log line. Plain counters: cheap. */
export class Traffic {
  /** STOMP frames received (heart-beats not counted). */
  framesIn = 0;
  /**
   * STOMP frames the session wrote itself (CONNECTED, RECEIPT, ERROR, MESSAGEs of client-ack and
   * recovering subscriptions…). MESSAGEs fanned out by the fast lane (one uWS publish per topic)
   * bypass the session and are counted only in `parley_messages_delivered_total`.
   */
  framesOut = 0;
  /** Bytes received (WebSocket payloads; UTF-8 bytes of text). */
  bytesIn = 0;
  /** Bytes the session wrote (same scope as `framesOut`; heart-beats included). */
  bytesOut = 0;
  /** When the connection was opened, ms since the epoch. */
  readonly openedAt: number;

  constructor(now: number = Date.now()) {
    this.openedAt = now;
  }
}
