import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { nowUs } from '../util/clock.js';

/**
 * Arrival time of the chunk being handled, read once per TCP read rather than per message
 * (every message in one read arrived together). Only kept while `enabled`.
 */
export const clock = { enabled: false, now: 0 };

/**
 * A minimal WebSocket client over a raw TCP socket, for the load generator only.
 *
 * `ws` allocates a Buffer and emits an event per message and unmasks nothing it does not need
 * to, but at several hundred thousand messages per second per core that overhead is what limits
 * a load generator sharing two cores with the server. This client parses frame headers in place
 * and hands the handler (buffer, start, end) of each message: no copy, no event emitter. It
 * sends with an all-zero masking key (legal framing; the XOR is then a no-op). It speaks just
 * enough of RFC 6455 for a benchmark: text/binary, continuation, ping→pong, close.
 */
export interface MiniWsHandler {
  open(): void;
  /** One complete message: bytes [start, end) of `buf`, valid only during the call. */
  message(buf: Buffer, start: number, end: number): void;
  close(reason: string): void;
}

export interface MiniWsOptions {
  protocol?: string;
  /** Local address to connect from (a loopback address). */
  localAddress?: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export class MiniWs {
  readonly socket: Socket;
  private handshaken = false;
  private pending: Buffer | undefined;
  private fragments: Buffer[] | undefined;
  private done = false;

  constructor(
    url: URL,
    private readonly handler: MiniWsHandler,
    options: MiniWsOptions = {},
  ) {
    const port = Number(url.port || 80);
    this.socket = connect({
      host: url.hostname,
      port,
      noDelay: true,
      ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
    });
    const key = randomBytes(16).toString('base64');
    const request =
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Version: 13\r\n` +
      (options.protocol ? `Sec-WebSocket-Protocol: ${options.protocol}\r\n` : '') +
      '\r\n';
    this.socket.once('connect', () => this.socket.write(request));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.finish(err.message));
    this.socket.on('close', () => this.finish('closed'));
  }

  /** Bytes waiting in user space to be written (backpressure). */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  get isOpen(): boolean {
    return this.handshaken && !this.done;
  }

  /**
   * Sends a text message whose payload the caller writes into the returned buffer at
   * `payloadOffset`, in one allocation. Call {@link flush} with the buffer afterwards.
   */
  frame(payloadLength: number): { buf: Buffer; payloadOffset: number } {
    const hs = payloadLength < 126 ? 6 : payloadLength < 65536 ? 8 : 14;
    const buf = Buffer.allocUnsafe(hs + payloadLength);
    buf[0] = 0x81; // FIN + text
    if (hs === 6) buf[1] = 0x80 | payloadLength;
    else if (hs === 8) {
      buf[1] = 0x80 | 126;
      buf.writeUInt16BE(payloadLength, 2);
    } else {
      buf[1] = 0x80 | 127;
      buf.writeUInt32BE(0, 2);
      buf.writeUInt32BE(payloadLength, 6);
    }
    buf.writeUInt32BE(0, hs - 4); // masking key 0: payload goes as is
    return { buf, payloadOffset: hs };
  }

  flush(buf: Buffer): boolean {
    if (this.done) return false;
    return this.socket.write(buf);
  }

  send(payload: Buffer | string): boolean {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const { buf, payloadOffset } = this.frame(bytes.length);
    bytes.copy(buf, payloadOffset);
    return this.flush(buf);
  }

  /** Closes at once (no closing handshake: the benchmark does not need one). */
  destroy(): void {
    this.done = true;
    this.socket.destroy();
  }

  /** The connection ended without {@link destroy}: tell the handler once. */
  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.socket.destroy();
    this.handler.close(reason);
  }

  private onData(chunk: Buffer): void {
    if (clock.enabled) clock.now = nowUs();
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let p = 0;
    if (!this.handshaken) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        this.pending = buf;
        return;
      }
      const head = buf.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101')) {
        this.finish(`upgrade refused: ${head.split('\r\n')[0]}`);
        return;
      }
      this.handshaken = true;
      p = end + 4;
      this.handler.open();
    }
    const n = buf.length;
    while (p + 2 <= n) {
      const b0 = buf[p]!;
      const b1 = buf[p + 1]!;
      let len = b1 & 0x7f;
      let h = 2;
      if (len === 126) {
        if (p + 4 > n) break;
        len = buf.readUInt16BE(p + 2);
        h = 4;
      } else if (len === 127) {
        if (p + 10 > n) break;
        len = buf.readUInt32BE(p + 2) * 2 ** 32 + buf.readUInt32BE(p + 6);
        h = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) h += 4;
      if (p + h + len > n) break;
      const start = p + h;
      const end = start + len;
      if (masked) {
        const k = p + h - 4;
        for (let i = 0; i < len; i++) buf[start + i]! ^= buf[k + (i & 3)]!;
      }
      const op = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (op === 1 || op === 2) {
        if (fin) this.handler.message(buf, start, end);
        else this.fragments = [Buffer.from(buf.subarray(start, end))];
      } else if (op === 0) {
        (this.fragments ??= []).push(Buffer.from(buf.subarray(start, end)));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = undefined;
          this.handler.message(whole, 0, whole.length);
        }
      } else if (op === 9) {
        // ping → pong with the same payload
        const { buf: out, payloadOffset } = this.frame(len);
        out[0] = 0x8a;
        buf.copy(out, payloadOffset, start, end);
        this.flush(out);
      } else if (op === 8) {
        const code = len >= 2 ? buf.readUInt16BE(start) : 1005;
        const text = len > 2 ? buf.toString('utf8', start + 2, end) : '';
        this.finish(`close ${code}${text ? ' ' + text : ''}`);
        return;
      }
      if (this.done) return;
      p = end;
    }
    if (p < n) this.pending = buf.subarray(p);
  }
}
