import type { Transport } from '../stomp/transport.js';
import { HEARTBEAT_FRAME, OPEN_FRAME, closeFrame, messageFrame } from './frames.js';
import type { Receiver } from './receiver.js';
import type { SockJsHandler, SockJsSettings, SockJsTransportName } from './types.js';

/** Close code and reason for a session whose client does not read what is queued for it. */
export const SLOW_CONSUMER = { code: 4000, reason: 'slow-consumer' } as const;
/** What a second receiving request for an open session gets. */
export const ANOTHER_CONNECTION = closeFrame(2010, 'Another connection still open');

type State = 'open' | 'closing' | 'closed';

/** What a session needs from the registry that holds it. */
export interface SessionHooks {
  /** The session has ended for good: forget it (and release its admission). */
  removed(session: SockJsSession): void;
}

const decoder = new TextDecoder();

/**
 * One SockJS session: the messages queued for the client, the one receiving request (or
 * WebSocket) that may be open at a time, the heart-beat while one is, and the disconnect delay
 * while none is. The application sees it as a {@link Transport}.
 *
 * Closing keeps the session's close frame for the disconnect delay, so the client's next
 * receiving request learns why; then the session is forgotten.
 */
export class SockJsSession {
  /** The outgoing side, for the application (STOMP session, echo…). */
  readonly transport: Transport;
  private handler?: SockJsHandler;
  private state: State = 'open';
  private opened = false;
  private queue: string[] = [];
  private queuedBytes = 0;
  private receiver?: Receiver;
  private closeText?: string;
  /** Whether the close frame has been written to a receiver. */
  private closeSent = false;
  private heartbeat?: NodeJS.Timeout;
  private disconnect?: NodeJS.Timeout;
  private flushing = false;

  constructor(
    /** The registry's key for this session. */
    readonly key: string,
    /** The transport that opened it. */
    readonly transportName: SockJsTransportName,
    private readonly settings: SockJsSettings,
    private readonly hooks: SessionHooks,
  ) {
    this.transport = {
      send: (data) => this.send(typeof data === 'string' ? data : decoder.decode(data)),
      bufferedAmount: () => this.queuedBytes + (this.receiver?.bufferedAmount() ?? 0),
      close: (code, reason) => this.close(code, reason),
    };
    this.armDisconnect();
  }

  /** Binds the application's handler (made from {@link transport}). */
  bind(handler: SockJsHandler): void {
    this.handler = handler;
  }

  /** Whether the session still takes messages from the client. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Closed by the server, but its close frame (and what precedes it) not written out yet. */
  get closePending(): boolean {
    return this.state === 'closing' && !this.closeSent;
  }

  /**
   * A receiving request arrived. Returns false when another one is still open: then this one
   * has been sent `c[2010,"Another connection still open"]` and ended.
   */
  attach(r: Receiver): boolean {
    if (this.receiver) {
      r.write([ANOTHER_CONNECTION]);
      r.end();
      return false;
    }
    this.receiver = r;
    this.clearDisconnect();
    this.pump();
    if (this.receiver === r) this.armHeartbeat();
    return true;
  }

  /** The receiver is over (polling answered, streaming limit, peer gone). */
  detach(r: Receiver): void {
    if (this.receiver !== r) return;
    this.receiver = undefined;
    this.clearHeartbeat();
    if (this.state !== 'closed') this.armDisconnect();
  }

  /** Messages from the client, in order. Ignored once the session is closing. */
  receive(messages: readonly string[]): void {
    for (const m of messages) {
      if (this.state !== 'open') return;
      this.handler?.onMessage(m);
    }
  }

  /** The receiver has room again: send what is queued. */
  writable(): void {
    this.pump();
  }

  /**
   * Closes from the server side: what is queued is still delivered, then `c[code,reason]`.
   * The application is told at once; the close frame stays for the disconnect delay.
   */
  close(code: number, reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.closeText = closeFrame(code, reason);
    this.pump();
    if (!this.disconnect && !this.receiver) this.armDisconnect();
    this.handler?.onClose(code);
  }

  /**
   * The client is gone for good (its WebSocket closed with `code`, or the disconnect delay
   * passed: 1006): end now, without a delay.
   */
  abort(code = 1006): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.remove();
    if (wasOpen) this.handler?.onClose(code);
  }

  private send(text: string): boolean {
    if (this.state !== 'open') return false;
    const bytes = Buffer.byteLength(text);
    if (this.queuedBytes + bytes > this.settings.maxQueuedBytes) {
      this.close(SLOW_CONSUMER.code, SLOW_CONSUMER.reason);
      return false;
    }
    this.queue.push(text);
    this.queuedBytes += bytes;
    // Frames written in one turn of the event loop leave together in one `a[...]` frame.
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => {
        this.flushing = false;
        this.pump();
      });
    }
    return this.queuedBytes <= this.settings.maxQueuedBytes / 4;
  }

  /** Writes what the receiver should get now: `o` first, then messages, then the close frame. */
  private pump(): void {
    const r = this.receiver;
    if (!r || !r.writable) return;
    const frames: string[] = [];
    if (!this.opened) {
      this.opened = true;
      frames.push(OPEN_FRAME);
      // A poll answers `o` alone (what SockJS clients and the protocol tests expect).
      if (r.polling) {
        r.write(frames);
        return;
      }
    }
    if (this.queue.length > 0) {
      frames.push(messageFrame(this.queue));
      this.queue = [];
      this.queuedBytes = 0;
    }
    if (this.closeText !== undefined) {
      frames.push(this.closeText);
      this.closeSent = true;
    }
    if (frames.length > 0) {
      r.write(frames);
      if (this.receiver === r) this.armHeartbeat();
    }
    if (this.closeText !== undefined) r.end();
  }

  private armHeartbeat(): void {
    this.clearHeartbeat();
    if (this.settings.heartbeatMs <= 0) return;
    this.heartbeat = setTimeout(() => {
      this.heartbeat = undefined;
      const r = this.receiver;
      if (!r || !r.writable || this.state !== 'open') return;
      r.write([HEARTBEAT_FRAME]);
      if (this.receiver === r) this.armHeartbeat();
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  private clearHeartbeat(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
  }

  private armDisconnect(): void {
    this.clearDisconnect();
    this.disconnect = setTimeout(() => {
      this.disconnect = undefined;
      this.abort();
    }, this.settings.disconnectDelayMs);
    this.disconnect.unref();
  }

  private clearDisconnect(): void {
    if (this.disconnect) clearTimeout(this.disconnect);
    this.disconnect = undefined;
  }

  private remove(): void {
    this.clearHeartbeat();
    this.clearDisconnect();
    this.queue = [];
    this.queuedBytes = 0;
    const r = this.receiver;
    this.receiver = undefined;
    r?.end();
    this.hooks.removed(this);
  }
}
