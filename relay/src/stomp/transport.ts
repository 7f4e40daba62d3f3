/**
 * What a STOMP session needs from the connection that carries it. WebSocket (uWS) implements it
 * today; SockJS transports (xhr-streaming, eventsource, polling) will carry the same sessions.
 */
export interface Transport {
  /**
   * Queue bytes to the peer. Returns false when the data was buffered behind back-pressure
   * (it will still be sent) and the caller should slow down.
   */
  send(data: Uint8Array | string, binary: boolean): boolean;
  /** Bytes queued for the peer and not yet written to the socket (back-pressure). */
  bufferedAmount(): number;
  /** Joins / leaves a pub/sub topic of the server (uWS); absent where there are none (SockJS). */
  subscribeTopic?(topic: string): boolean;
  unsubscribeTopic?(topic: string): void;
  /** Flush what is queued, then close with a code and a short reason. Idempotent. */
  close(code: number, reason: string): void;
}
