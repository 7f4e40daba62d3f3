import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import type { Socket as IoSocket } from 'socket.io-client';
import {
  TS_DIGITS,
  nowUs,
  readStamp,
  readStampString,
  stampBody,
  stampString,
} from '../util/clock.js';
import { record } from '../util/histogram.js';
import { MiniWs, clock } from './mini-ws.js';
import type { ClientSpec } from './protocol.js';

/** Counters shared by every client of one worker. */
export interface Counters {
  received: number;
  windowReceived: number;
  sent: number;
  malformed: number;
  dropped: number;
  ready: number;
  lastReadyUs: number;
  measuring: boolean;
  hist: Uint32Array;
  errors: string[];
  bodySize: number;
  strict: boolean;
  secret: string;
}

/** Most bytes a publisher lets pile up in its socket before it skips a send. */
const MAX_QUEUED = 256 * 1024;

export function noteError(c: Counters, text: string): void {
  if (c.errors.length < 20 && !c.errors.includes(text)) c.errors.push(text);
}

/** Token for the relay: grants every room and the user's own queues. */
function token(c: Counters, user: string): string {
  return jwt.sign(
    { sub: user, parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] } },
    c.secret,
    { algorithm: 'HS256', expiresIn: 3600 },
  );
}

/** One simulated client of any protocol. */
export abstract class Client {
  ready = false;
  private closing = false;
  private attempts = 0;
  private waiters: Array<(err?: string) => void> = [];

  constructor(
    readonly spec: ClientSpec,
    protected readonly c: Counters,
  ) {}

  /** Connects (and subscribes); resolves when ready, rejects with the reason it failed. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push((err) => (err === undefined ? resolve() : reject(new Error(err))));
      this.connect();
    });
  }

  /** Sends one stamped message to `spec.pub`; false if it could not be sent now. */
  abstract publish(): boolean;
  /** Rebuilds what depends on the body size. */
  abstract resize(): void;
  protected abstract connect(): void;
  protected abstract disconnect(): void;

  close(): void {
    this.closing = true;
    if (this.ready) this.c.ready--;
    this.ready = false;
    this.disconnect();
  }

  protected becameReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.attempts = 0;
    this.c.ready++;
    this.c.lastReadyUs = nowUs();
    for (const w of this.waiters.splice(0)) w();
  }

  /** The connection failed or ended without close(). */
  protected lost(reason: string): void {
    if (this.closing) return;
    const wasReady = this.ready;
    if (wasReady) {
      this.ready = false;
      this.c.ready--;
      this.c.dropped++;
    }
    if (this.spec.reconnect) {
      const cap = Math.min(2000, 100 * 2 ** this.attempts++);
      setTimeout(() => {
        if (!this.closing) this.connect();
      }, Math.random() * cap);
      return;
    }
    noteError(this.c, reason);
    for (const w of this.waiters.splice(0)) w(reason);
  }
}

const NUL = 0;

/** A raw STOMP 1.2 client over {@link MiniWs}: parses only what it needs. */
export class StompClient extends Client {
  private ws?: MiniWs;
  private template = Buffer.alloc(0);
  private bodyAt = 0;

  constructor(spec: ClientSpec, c: Counters) {
    super(spec, c);
    this.resize();
  }

  resize(): void {
    if (this.spec.pub === undefined) return;
    const size = this.c.bodySize;
    const head = Buffer.from(
      `SEND\ndestination:${this.spec.pub}\ncontent-type:text/plain\ncontent-length:${size}\n\n`,
    );
    this.template = Buffer.alloc(head.length + size + 1);
    head.copy(this.template);
    this.bodyAt = head.length;
    stampBody(this.template, this.bodyAt, size, 0);
    this.template[this.template.length - 1] = NUL;
  }

  protected connect(): void {
    const ws = new MiniWs(
      new URL(this.spec.url),
      {
        open: () => {
          const a = this.spec.auth;
          const auth =
            a.kind === 'jwt'
              ? `Authorization:Bearer ${token(this.c, a.user)}\n`
              : a.kind === 'login'
                ? `login:${a.login}\npasscode:${a.passcode}\n`
                : '';
          ws.send(`CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n${auth}\n\0`);
        },
        message: (buf, start, end) => this.onMessage(buf, start, end),
        close: (reason) => this.lost(reason),
      },
      { protocol: 'v12.stomp' },
    );
    this.ws = ws;
  }

  protected disconnect(): void {
    this.ws?.destroy();
  }

  publish(): boolean {
    const ws = this.ws;
    if (!this.ready || !ws || ws.writableLength > MAX_QUEUED) return false;
    const t = this.template;
    const { buf, payloadOffset } = ws.frame(t.length);
    t.copy(buf, payloadOffset);
    const us = Math.floor(nowUs());
    let v = us;
    for (let i = TS_DIGITS; i >= 1; i--) {
      buf[payloadOffset + this.bodyAt + i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    ws.flush(buf);
    return true;
  }

  private onMessage(buf: Buffer, start: number, end: number): void {
    const c = this.c;
    let p = start;
    while (p < end) {
      const first = buf[p];
      if (first === 10 || first === 13) {
        p++; // heart-beat
        continue;
      }
      const nul = buf.indexOf(NUL, p);
      if (nul < 0 || nul >= end) {
        c.malformed++;
        noteError(c, 'STOMP frame without NUL inside one WebSocket message');
        return;
      }
      if (first === 0x4d && (!c.strict || buf.toString('latin1', p, p + 8) === 'MESSAGE\n')) {
        c.received++;
        const ts = readStamp(buf, nul - c.bodySize);
        if (ts < 0) c.malformed++;
        else if (c.measuring) {
          c.windowReceived++;
          record(c.hist, clock.now - ts);
        }
        if (c.strict) this.checkMessage(buf.toString('latin1', p, nul));
      } else this.control(buf.toString('utf8', p, nul));
      p = nul + 1;
    }
  }

  /** Strict mode: the MESSAGE names a destination we subscribed to and the right body size. */
  private checkMessage(text: string): void {
    const headerEnd = text.indexOf('\n\n');
    const headers = text.slice(0, headerEnd).split('\n');
    const dest = headers.find((h) => h.startsWith('destination:'))?.slice(12);
    const body = text.slice(headerEnd + 2);
    if (dest === undefined || !this.spec.subs.includes(dest) || body.length !== this.c.bodySize) {
      this.c.malformed++;
      noteError(this.c, `unexpected MESSAGE: destination ${dest}, body ${body.length} bytes`);
    }
  }

  private control(frame: string): void {
    const nl = frame.indexOf('\n');
    const command = frame.slice(0, nl < 0 ? frame.length : nl);
    if (command === 'CONNECTED') {
      if (this.spec.subs.length === 0) return this.becameReady();
      const frames = this.spec.subs.map(
        (d, i) =>
          `SUBSCRIBE\nid:sub-${i}\ndestination:${d}\nack:auto\n` +
          (i === this.spec.subs.length - 1 ? 'receipt:ready\n' : '') +
          '\n\0',
      );
      this.ws?.send(frames.join(''));
    } else if (command === 'RECEIPT') {
      if (frame.includes('receipt-id:ready')) this.becameReady();
    } else if (command === 'ERROR') {
      const m = /\nmessage:([^\n]*)/.exec(frame);
      noteError(this.c, `ERROR ${m?.[1] ?? frame.slice(0, 120)}`);
    } else {
      this.c.malformed++;
      noteError(this.c, `unexpected frame ${command.slice(0, 40)}`);
    }
  }
}

/**
 * A client of the raw uWS topic server: topics in the upgrade URL's query, `OK` once
 * subscribed; publishes `<topic>\n<body>`, receives bare bodies.
 */
export class UwsClient extends Client {
  private ws?: MiniWs;
  private template = Buffer.alloc(0);
  private bodyAt = 0;

  constructor(spec: ClientSpec, c: Counters) {
    super(spec, c);
    this.resize();
  }

  resize(): void {
    if (this.spec.pub === undefined) return;
    const head = Buffer.from(`${this.spec.pub}\n`);
    this.template = Buffer.alloc(head.length + this.c.bodySize);
    head.copy(this.template);
    this.bodyAt = head.length;
    stampBody(this.template, this.bodyAt, this.c.bodySize, 0);
  }

  protected connect(): void {
    const url = new URL(this.spec.url);
    url.searchParams.set('t', this.spec.subs.join(','));
    this.ws = new MiniWs(url, {
      open: () => undefined,
      message: (buf, start, end) => {
        const c = this.c;
        if (buf[start] === 0x54) {
          c.received++;
          if (c.strict && end - start !== c.bodySize) c.malformed++;
          const ts = readStamp(buf, start);
          if (ts < 0) c.malformed++;
          else if (c.measuring) {
            c.windowReceived++;
            record(c.hist, clock.now - ts);
          }
        } else if (end - start === 2 && buf[start] === 0x4f) this.becameReady();
        else c.malformed++;
      },
      close: (reason) => this.lost(reason),
    });
  }

  protected disconnect(): void {
    this.ws?.destroy();
  }

  publish(): boolean {
    const ws = this.ws;
    if (!this.ready || !ws || ws.writableLength > MAX_QUEUED) return false;
    const t = this.template;
    const { buf, payloadOffset } = ws.frame(t.length);
    t.copy(buf, payloadOffset);
    let v = Math.floor(nowUs());
    for (let i = TS_DIGITS; i >= 1; i--) {
      buf[payloadOffset + this.bodyAt + i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    ws.flush(buf);
    return true;
  }
}

/** A `socket.io-client` 4 client: rooms and JWT in the handshake's `auth`, `p` up, `m` down. */
export class SocketIoClient extends Client {
  private socket?: IoSocket;

  resize(): void {}

  protected connect(): void {
    const a = this.spec.auth;
    const socket = io(this.spec.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
      auth: { rooms: this.spec.subs, ...(a.kind === 'jwt' && { token: token(this.c, a.user) }) },
    });
    this.socket = socket;
    socket.on('ok', () => this.becameReady());
    socket.on('m', (body: string) => {
      const c = this.c;
      c.received++;
      if (c.strict && body.length !== c.bodySize) c.malformed++;
      const ts = readStampString(body);
      if (ts < 0) c.malformed++;
      else if (c.measuring) {
        c.windowReceived++;
        record(c.hist, nowUs() - ts);
      }
    });
    socket.on('connect_error', (err) => this.lost(`connect_error: ${err.message}`));
    socket.on('disconnect', (reason) => this.lost(`disconnect: ${reason}`));
  }

  protected disconnect(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }

  publish(): boolean {
    const s = this.socket;
    if (!this.ready || !s) return false;
    s.emit('p', this.spec.pub, stampString(this.c.bodySize, nowUs()));
    return true;
  }
}

export function createClient(spec: ClientSpec, c: Counters): Client {
  switch (spec.protocol) {
    case 'stomp':
      return new StompClient(spec, c);
    case 'uws':
      return new UwsClient(spec, c);
    case 'socketio':
      return new SocketIoClient(spec, c);
  }
}
