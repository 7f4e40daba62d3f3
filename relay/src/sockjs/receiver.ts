import type * as UWS from 'uWebSockets.js';
import { EVENTSOURCE_PRELUDE, XHR_STREAMING_PRELUDE, eventSourceData } from './frames.js';

/**
 * The open request (or WebSocket) through which a session's frames reach the client. A session
 * has at most one at a time.
 */
export interface Receiver {
  /** Polling receivers end after one write; the session then waits for the next poll. */
  readonly polling: boolean;
  /** False while the peer is not taking what was written (back-pressure) or once ended. */
  readonly writable: boolean;
  /** Writes frames in order (the receiver may end itself afterwards). */
  write(frames: readonly string[]): void;
  /** Bytes written but not yet taken by the peer (WebSocket buffer). */
  bufferedAmount(): number;
  /** Ends the request or socket. Idempotent. */
  end(): void;
}

/** How the HTTP receiving transports differ: prelude, frame encoding, when to stop. */
interface HttpFormat {
  polling: boolean;
  prelude: string;
  encode(frame: string): string;
}

const FORMATS = {
  'xhr-polling': { polling: true, prelude: '', encode: (f: string) => f + '\n' },
  'xhr-streaming': {
    polling: false,
    prelude: XHR_STREAMING_PRELUDE,
    encode: (f: string) => f + '\n',
  },
  eventsource: { polling: false, prelude: EVENTSOURCE_PRELUDE, encode: eventSourceData },
} satisfies Record<string, HttpFormat>;

/** The HTTP receiving transports. */
export type HttpReceiverKind = keyof typeof FORMATS;

/**
 * A receiving HTTP response (`xhr`, `xhr_streaming`, `eventsource`). Headers are written by the
 * caller inside the request callback; every later write is corked. A streaming response ends
 * once it has carried `limitBytes`, so proxies and browsers do not hold one response forever.
 */
export class HttpReceiver implements Receiver {
  readonly polling: boolean;
  private ended = false;
  private blocked = false;
  private sent = 0;
  private readonly format: HttpFormat;

  /**
   * @param onDone called once when the response is over (ended by us, or aborted by the peer)
   * @param onWritable called when back-pressure has cleared
   */
  constructor(
    private readonly res: UWS.HttpResponse,
    kind: HttpReceiverKind,
    private readonly limitBytes: number,
    private readonly onDone: (r: HttpReceiver) => void,
    private readonly onWritable: () => void,
  ) {
    this.format = FORMATS[kind];
    this.polling = this.format.polling;
    res.onAborted(() => {
      if (this.ended) return;
      this.ended = true;
      this.onDone(this);
    });
  }

  /** Writes the transport's prelude (call inside the request callback, after the headers). */
  start(): void {
    if (this.format.prelude !== '') this.push(this.format.prelude);
  }

  get writable(): boolean {
    return !this.ended && !this.blocked;
  }

  write(frames: readonly string[]): void {
    if (this.ended) return;
    const text = frames.map(this.format.encode).join('');
    if (this.polling) {
      this.finish(text);
      return;
    }
    this.res.cork(() => this.push(text));
    if (this.sent >= this.limitBytes) this.end();
  }

  bufferedAmount(): number {
    return 0;
  }

  end(): void {
    this.finish(undefined);
  }

  private push(text: string): void {
    this.sent += Buffer.byteLength(text);
    if (this.res.write(text)) return;
    // uWS keeps what it could not send; wait until it is gone before writing more.
    this.blocked = true;
    this.res.onWritable(() => {
      this.blocked = false;
      if (!this.ended) this.onWritable();
      return true;
    });
  }

  private finish(text: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.res.cork(() => this.res.end(text));
    this.onDone(this);
  }
}
