/**
 * An in-process fake relay for unit tests: a WebSocketLike whose far end speaks STOMP 1.2 like
 * the Parley relay (CONNECTED, receipts, stamped MESSAGE frames, ERROR + close). It is not the
 * relay; integration tests use the real one.
 */
import { FrameImpl, Parser } from '@stomp/stompjs';
import type { WebSocketFactory, WebSocketLike } from '../types.js';

export interface ClientFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

/** What the fake does with a CONNECT: accept, refuse with a reason, or never answer. */
export type ConnectDecision =
  | { accept: true; user: string; name?: string }
  | { accept: false; reason: string; message: string }
  | { silent: true };

type Handler = ((event: unknown) => unknown) | null;

export class FakeSocket implements WebSocketLike {
  readonly url: string;
  readonly protocols: string[];
  readyState = 0;
  binaryType?: string;
  onopen: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  onclose: Handler = null;
  /** Every frame the client sent, in order. */
  readonly frames: ClientFrame[] = [];
  readonly subscriptions = new Map<string, string>();
  user: { id: string; name?: string } | undefined;
  readonly #parser: Parser;

  constructor(url: string, protocols: string[], relay: FakeRelay) {
    this.url = url;
    this.protocols = protocols;
    this.#parser = new Parser(
      (raw) => {
        const frame = FrameImpl.fromRawFrame(raw, raw.command !== 'CONNECT');
        const parsed = { command: frame.command, headers: { ...frame.headers }, body: frame.body };
        this.frames.push(parsed);
        relay.handle(this, parsed);
      },
      () => {},
    );
    setTimeout(() => {
      if (this.readyState !== 0) return;
      if (relay.refuseConnections) {
        this.readyState = 3;
        this.onerror?.({ message: 'connect ECONNREFUSED' });
        this.onclose?.({ code: 1006, reason: '', wasClean: false });
        return;
      }
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('fake socket: send() while not open');
    this.#parser.parseChunk(typeof data === 'string' ? data : new Uint8Array(data).slice().buffer);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    setTimeout(() => this.#closed(code, reason, true), 0);
  }

  terminate(): void {
    if (this.readyState === 3) return;
    this.readyState = 2;
    setTimeout(() => this.#closed(1006, 'terminated', false), 0);
  }

  /** Sends one server frame to the client (on the next tick, like a network would). */
  deliver(command: string, headers: Record<string, string>, body = ''): void {
    const data = FrameImpl.marshall({ command, headers, body, escapeHeaderValues: true });
    setTimeout(() => {
      if (this.readyState === 1) this.onmessage?.({ data });
    }, 0);
  }

  /** The server closes the connection (after anything already delivered). */
  serverClose(code = 1000, reason = ''): void {
    setTimeout(() => {
      if (this.readyState === 3) return;
      this.readyState = 2;
      this.#closed(code, reason, code === 1000);
    }, 0);
  }

  /** The connection dies without a close handshake. */
  drop(): void {
    if (this.readyState === 3) return;
    this.#closed(1006, '', false);
  }

  #closed(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }
}

/** The fake relay: hands out {@link FakeSocket}s and routes frames between them. */
export class FakeRelay {
  readonly sockets: FakeSocket[] = [];
  /** Decides each CONNECT; by default the token (after `Bearer `) is the user id. */
  authorize: (headers: Record<string, string>) => ConnectDecision = (headers) => {
    const token = (headers['Authorization'] ?? '').replace(/^Bearer /, '');
    return token === 'bad'
      ? { accept: false, reason: 'token-invalid', message: 'invalid signature' }
      : { accept: true, user: token };
  };
  /** Makes sockets fail to open, like nothing listening at the URL. */
  refuseConnections = false;
  /** Don't answer DISCONNECT (to test the grace timeout). */
  ignoreDisconnect = false;
  /** What a resuming SUBSCRIBE's RECEIPT says (`parley-recovered`). */
  recovered = true;
  /** Answer `SEND /parley/token` with ERROR destination-invalid, as relays without it do. */
  tokenRefreshUnsupported = false;
  /** Tokens swapped in place, in order. */
  readonly refreshedTokens: string[] = [];
  /** Every message stored per destination (for history pages). */
  readonly stored = new Map<
    string,
    Array<{ offset: number; sender: string; body: string; id: string }>
  >();
  epoch = 'e1';
  readonly #offsets = new Map<string, number>();
  #messageIds = 0;

  readonly factory: WebSocketFactory = (url, protocols) => {
    const socket = new FakeSocket(url, protocols, this);
    this.sockets.push(socket);
    return socket;
  };

  /** Sockets not closed yet. */
  get open(): FakeSocket[] {
    return this.sockets.filter((s) => s.readyState < 3);
  }

  /** Forgets history and offsets, as a restarted relay with the embedded broker does. */
  restart(epoch: string): void {
    this.epoch = epoch;
    this.#offsets.clear();
    this.stored.clear();
  }

  /** The most recent socket. */
  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('fake relay: no socket yet');
    return socket;
  }

  /** Sends ERROR with a reason and closes, as the relay does. */
  fail(
    socket: FakeSocket,
    reason: string,
    message: string,
    extra: Record<string, string> = {},
  ): void {
    socket.deliver('ERROR', { message, 'parley-reason': reason, ...extra });
    socket.serverClose(1000);
  }

  /** Publishes a message to every subscriber of `destination`, stamped like the relay does. */
  publish(
    destination: string,
    sender: { id: string; name?: string },
    body: string,
    headers: Record<string, string> = {},
  ): void {
    const offset = (this.#offsets.get(destination) ?? 0) + 1;
    this.#offsets.set(destination, offset);
    const id = `m-${++this.#messageIds}`;
    const list = this.stored.get(destination) ?? [];
    list.push({ offset, sender: sender.id, body, id });
    this.stored.set(destination, list);
    for (const socket of this.sockets) {
      for (const [subscription, subscribed] of socket.subscriptions) {
        if (subscribed !== destination) continue;
        socket.deliver(
          'MESSAGE',
          {
            ...headers,
            destination,
            'message-id': id,
            subscription,
            'parley-sender': sender.id,
            ...(sender.name === undefined ? {} : { 'parley-sender-name': sender.name }),
            'parley-timestamp': String(Date.UTC(2025, 0, 1) + offset),
            'parley-offset': String(offset),
            'parley-epoch': this.epoch,
          },
          body,
        );
      }
    }
  }

  /** @internal Called by sockets. */
  handle(socket: FakeSocket, frame: ClientFrame): void {
    const { command, headers } = frame;
    const receipt = headers['receipt'];
    switch (command) {
      case 'CONNECT':
      case 'STOMP': {
        const decision = this.authorize(headers);
        if ('silent' in decision) return;
        if (!decision.accept) return this.fail(socket, decision.reason, decision.message);
        socket.user =
          decision.name === undefined
            ? { id: decision.user }
            : { id: decision.user, name: decision.name };
        socket.deliver('CONNECTED', { version: '1.2', 'heart-beat': '0,0', server: 'fake-relay' });
        return;
      }
      case 'SUBSCRIBE': {
        const destination = headers['destination'] ?? '';
        if (destination.includes('forbidden')) {
          return this.fail(socket, 'forbidden', `no sub permission for ${destination}`, {
            ...(receipt === undefined ? {} : { 'receipt-id': receipt }),
          });
        }
        socket.subscriptions.set(headers['id'] ?? '', destination);
        if (receipt !== undefined && headers['parley-since'] !== undefined) {
          const last = this.#offsets.get(destination) ?? 0;
          socket.deliver('RECEIPT', {
            'receipt-id': receipt,
            'parley-recovered': String(this.recovered),
            'parley-offset': String(last),
            'parley-epoch': this.epoch,
          });
          return;
        }
        break;
      }
      case 'UNSUBSCRIBE':
        socket.subscriptions.delete(headers['id'] ?? '');
        break;
      case 'SEND': {
        const destination = headers['destination'] ?? '';
        if (destination === '/parley/token') {
          if (this.tokenRefreshUnsupported) {
            return this.fail(socket, 'destination-invalid', 'unknown destination /parley/token', {
              ...(receipt === undefined ? {} : { 'receipt-id': receipt }),
            });
          }
          this.refreshedTokens.push(frame.body);
          if (receipt !== undefined) socket.deliver('RECEIPT', { 'receipt-id': receipt });
          return;
        }
        if (destination === '/parley/history') {
          const target = headers['parley-target'] ?? '';
          const page = {
            destination: target,
            epoch: this.epoch,
            messages: (this.stored.get(target) ?? [])
              .slice(-Number(headers['parley-limit'] ?? 50))
              .map((m) => ({
                id: m.id,
                destination: target,
                offset: m.offset,
                epoch: this.epoch,
                timestamp: Date.UTC(2025, 0, 1) + m.offset,
                sender: m.sender,
                headers: { 'content-type': 'text/plain' },
                body: m.body,
                encoding: 'utf8',
              })),
          };
          for (const [subscription, subscribed] of socket.subscriptions) {
            if (subscribed !== headers['reply-to']) continue;
            socket.deliver(
              'MESSAGE',
              {
                destination: subscribed,
                subscription,
                'message-id': `h-${++this.#messageIds}`,
                'content-type': 'application/json',
                'parley-kind': 'history',
                'parley-request-id': headers['parley-request-id'] ?? '',
              },
              JSON.stringify(page),
            );
          }
          return;
        }
        if (destination.includes('forbidden')) {
          return this.fail(socket, 'forbidden', `no pub permission for ${destination}`, {
            ...(receipt === undefined ? {} : { 'receipt-id': receipt }),
          });
        }
        const { receipt: _r, destination: _d, 'content-length': _l, ...user } = headers;
        const offset = (this.#offsets.get(destination) ?? 0) + 1;
        if (receipt !== undefined) {
          socket.deliver('RECEIPT', {
            'receipt-id': receipt,
            'parley-offset': String(offset),
            'parley-epoch': this.epoch,
            'parley-message-id': `m-${this.#messageIds + 1}`,
          });
        }
        this.publish(destination, socket.user ?? { id: '?' }, frame.body, user);
        return;
      }
      case 'DISCONNECT':
        if (this.ignoreDisconnect) return;
        if (receipt !== undefined) socket.deliver('RECEIPT', { 'receipt-id': receipt });
        socket.serverClose(1000);
        return;
    }
    if (receipt !== undefined) socket.deliver('RECEIPT', { 'receipt-id': receipt });
  }
}
