import type { Logger } from 'pino';
import { authorize, mapPrefix, ownUserDestination, validateDestination } from '../auth/acl.js';
import type { TokenVerifier } from '../auth/jwt.js';
import { tokenFromConnect } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { StompParseError, StompParser, header, serialize } from '../codec/index.js';
import type { Limits } from '../config.js';
import { REASONS, StompError } from '../reasons.js';
import { negotiateHeartbeat, negotiateVersion } from './negotiate.js';
import type { Hub, LocalSubscription, MessageSink } from './hub.js';
import { messageFrame } from './message-frame.js';
import type { Transport } from './transport.js';

/** Everything a session needs from the relay, injected. @internal */
export interface SessionContext {
  verify: TokenVerifier;
  broker: Broker;
  hub: Hub;
  limits: Limits;
  dev: boolean;
  prefixMap: ReadonlyArray<readonly [string, string]>;
  serverName: string;
  log: Logger;
  /** Called once when the session has ended, whatever the cause. */
  onEnd?: (session: Session) => void;
}

export type SessionState = 'awaiting-connect' | 'authenticating' | 'connected' | 'closed';

/** Frames a client may send before CONNECT completes; more is a protocol error. */
const MAX_PENDING_FRAMES = 32;
/** Frames queued behind a slow asynchronous step (e.g. a broker publish) once connected. */
const MAX_QUEUED_FRAMES = 1024;
/** Headers that are the relay's to set, never passed through from SEND. */
const DROPPED_SEND_HEADERS = new Set([
  'destination',
  'receipt',
  'transaction',
  'content-length',
  'message-id',
  'subscription',
  'ack',
]);

/** A copy of `message` without what a STOMP 1.0 frame cannot carry unescaped. */
function unescapedSafe(message: BrokerMessage): BrokerMessage {
  return {
    ...message,
    headers: message.headers.filter(([k, v]) => !/[:\r\n]/.test(k) && !/[\r\n]/.test(v)),
    ...(message.senderName !== undefined && {
      senderName: message.senderName.replace(/[\r\n]/g, ' '),
    }),
  };
}

/**
 * One STOMP connection: frames in, frames out, heart-beats, subscriptions.
 * Knows nothing of uWS: it talks to a {@link Transport}.
 * @internal
 */
export class Session implements MessageSink {
  state: SessionState = 'awaiting-connect';
  principal?: Principal;
  version = '1.2';
  private readonly parser: StompParser;
  private readonly subs = new Map<string, LocalSubscription>();
  private readonly queue: Frame[] = [];
  private busy = false;
  private lastBinary = false;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly id: string,
    private readonly transport: Transport,
    private readonly ctx: SessionContext,
  ) {
    this.parser = new StompParser(
      { onFrame: (f) => this.enqueue(f), onHeartbeat: () => undefined },
      {
        maxFrameSize: ctx.limits.maxFrameSize,
        maxHeaders: ctx.limits.maxHeaders,
        maxHeaderLineLength: ctx.limits.maxHeaderLineLength,
      },
    );
    const t = setTimeout(() => {
      if (this.state === 'awaiting-connect' || this.state === 'authenticating') {
        this.fail(
          new StompError(
            REASONS.connectTimeout,
            `no CONNECT within ${ctx.limits.connectTimeoutMs} ms`,
          ),
        );
      }
    }, ctx.limits.connectTimeoutMs);
    this.timers.push(t);
  }

  /** Bytes from the transport. `binary` is whether they came in a binary WebSocket message. */
  onData(chunk: Uint8Array | string, binary = false): void {
    if (this.state === 'closed') return;
    this.lastReceived = Date.now();
    this.lastBinary = binary;
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.fail(this.asStompError(err));
      return;
    }
    this.drain();
  }

  /** The transport closed (peer went away, or after our own close). */
  onTransportClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
  }

  /** Ends the session from the server side (shutdown). */
  shutdown(): void {
    this.fail(new StompError(REASONS.shutdown, 'relay is shutting down'), undefined, 1001);
  }

  deliver(message: BrokerMessage, sub: LocalSubscription): void {
    if (this.state !== 'connected') return;
    const escapes = this.version !== '1.0';
    let bytes: Uint8Array;
    try {
      bytes = messageFrame(message, sub, escapes);
    } catch {
      // Only STOMP 1.0 frames can fail here: CR/LF in a value (or ':' in a name) cannot be written
      // unescaped. Drop those headers for this session rather than throw into the publisher.
      try {
        bytes = messageFrame(unescapedSafe(message), sub, escapes);
      } catch {
        const why = 'a message could not be encoded for this connection';
        this.fail(new StompError(REASONS.internal, why));
        return;
      }
    }
    this.write(bytes, message.binary === true);
  }

  private enqueue(frame: Frame): void {
    if (this.queue.length >= MAX_PENDING_FRAMES && this.state !== 'connected') {
      throw new StompError(REASONS.protocolError, 'too many frames before CONNECTED');
    }
    if (this.queue.length >= MAX_QUEUED_FRAMES) {
      throw new StompError(
        REASONS.limitExceeded,
        `more than ${MAX_QUEUED_FRAMES} frames waiting to be processed`,
      );
    }
    const command = frame.command;
    if (
      this.state === 'awaiting-connect' &&
      this.queue.length === 0 &&
      (command === 'CONNECT' || command === 'STOMP')
    ) {
      // Frames pipelined behind CONNECT are parsed before connect() runs: set their escaping now.
      try {
        this.parser.escapes = negotiateVersion(header(frame, 'accept-version')) !== '1.0';
      } catch {
        // connect() reports the unsupported version.
      }
    }
    this.queue.push(frame);
  }

  private drain(): void {
    if (this.busy) return;
    while (this.queue.length > 0 && this.state !== 'closed') {
      const frame = this.queue.shift()!;
      let result: void | Promise<void>;
      try {
        result = this.handle(frame);
      } catch (err) {
        this.fail(this.asStompError(err), header(frame, 'receipt'));
        return;
      }
      if (result) {
        this.busy = true;
        result.then(
          () => {
            this.busy = false;
            this.drain();
          },
          (err: unknown) => {
            this.busy = false;
            this.fail(this.asStompError(err), header(frame, 'receipt'));
          },
        );
        return;
      }
    }
  }

  private handle(frame: Frame): void | Promise<void> {
    const cmd = frame.command;
    if (this.state === 'awaiting-connect') {
      if (cmd === 'CONNECT' || cmd === 'STOMP') return this.connect(frame);
      throw new StompError(REASONS.protocolError, `expected CONNECT, got ${cmd}`);
    }
    switch (cmd) {
      case 'SEND':
        return this.send(frame);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'DISCONNECT':
        return this.disconnect(frame);
      case 'CONNECT':
      case 'STOMP':
        throw new StompError(REASONS.protocolError, 'already connected');
      case 'ACK':
      case 'NACK':
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        throw new StompError(REASONS.protocolError, `${cmd} is not supported by this relay yet`);
      default:
        throw new StompError(REASONS.unknownCommand, `unknown command ${cmd.slice(0, 32)}`);
    }
  }

  private async connect(frame: Frame): Promise<void> {
    this.state = 'authenticating';
    const get = (name: string): string | undefined => header(frame, name);
    const version = negotiateVersion(get('accept-version'));
    this.version = version;
    this.parser.escapes = version !== '1.0';
    const token = tokenFromConnect(get);
    if (!token) {
      throw new StompError(
        REASONS.authRequired,
        'no token: send Authorization: Bearer <jwt> or passcode in CONNECT',
      );
    }
    const principal = await this.ctx.verify(token);
    if (this.state !== 'authenticating') return;
    this.principal = principal;
    const hb = negotiateHeartbeat(get('heart-beat'), this.ctx.limits.heartbeatMs);
    this.state = 'connected';
    this.clearTimers();
    this.startHeartbeats(hb.send, hb.receive);
    this.scheduleExpiry(principal);
    const headers: Array<[string, string]> = [
      ['version', version],
      ['heart-beat', `${hb.send},${hb.receive}`],
      ['session', this.id],
      ['server', this.ctx.serverName],
      ['user-name', principal.userId],
    ];
    this.write(serialize({ command: 'CONNECTED', headers, body: new Uint8Array() }));
    this.ctx.log.debug({ session: this.id, user: principal.userId, version }, 'connected');
  }

  private target(dest: string | undefined, access: 'sub' | 'pub'): string {
    if (dest === undefined)
      throw new StompError(
        REASONS.protocolError,
        `${access === 'sub' ? 'SUBSCRIBE' : 'SEND'} needs a destination header`,
      );
    validateDestination(dest);
    const principal = this.principal!;
    const mapped = ownUserDestination(principal, dest) ?? mapPrefix(dest, this.ctx.prefixMap);
    if (mapped !== dest) validateDestination(mapped);
    authorize(principal, access, mapped, this.ctx.dev);
    return mapped;
  }

  private send(frame: Frame): void | Promise<void> {
    if (header(frame, 'transaction') !== undefined) {
      throw new StompError(
        REASONS.protocolError,
        'transactions are not supported by this relay yet',
      );
    }
    const destination = this.target(header(frame, 'destination'), 'pub');
    const principal = this.principal!;
    const headers: Array<[string, string]> = [];
    const seen = new Set<string>();
    for (const [k, v] of frame.headers) {
      if (DROPPED_SEND_HEADERS.has(k) || k.startsWith('parley-') || seen.has(k)) continue;
      seen.add(k);
      headers.push([k, v]);
    }
    const published = this.ctx.broker.publish({
      destination,
      body: frame.body,
      headers,
      sender: principal.userId,
      ...(principal.name !== undefined && { senderName: principal.name }),
      ...(this.lastBinary && { binary: true }),
    });
    const receipt = header(frame, 'receipt');
    return published.then(() => {
      if (receipt !== undefined) this.receipt(receipt);
    });
  }

  private subscribe(frame: Frame): Promise<void> {
    const id = header(frame, 'id');
    if (id === undefined || id === '')
      throw new StompError(REASONS.protocolError, 'SUBSCRIBE needs an id header');
    if (this.subs.has(id))
      throw new StompError(
        REASONS.protocolError,
        `subscription id "${id.slice(0, 64)}" is already in use`,
      );
    if (this.subs.size >= this.ctx.limits.maxSubscriptions) {
      throw new StompError(
        REASONS.limitExceeded,
        `at most ${this.ctx.limits.maxSubscriptions} subscriptions per connection`,
      );
    }
    const ack = header(frame, 'ack') ?? 'auto';
    if (ack !== 'auto') {
      throw new StompError(
        REASONS.protocolError,
        `ack mode "${ack.slice(0, 32)}" is not supported by this relay yet`,
      );
    }
    const destination = header(frame, 'destination');
    const target = this.target(destination, 'sub');
    const sub: LocalSubscription = { id, destination: destination!, target, sink: this };
    this.subs.set(id, sub);
    const receipt = header(frame, 'receipt');
    return this.ctx.hub.add(sub).then(() => {
      if (receipt !== undefined) this.receipt(receipt);
    });
  }

  private unsubscribe(frame: Frame): void | Promise<void> {
    const id = header(frame, 'id');
    if (id === undefined)
      throw new StompError(REASONS.protocolError, 'UNSUBSCRIBE needs an id header');
    const sub = this.subs.get(id);
    const receipt = header(frame, 'receipt');
    if (!sub) {
      if (receipt !== undefined) this.receipt(receipt);
      return;
    }
    this.subs.delete(id);
    return this.ctx.hub.remove(sub).then(() => {
      if (receipt !== undefined) this.receipt(receipt);
    });
  }

  private disconnect(frame: Frame): void {
    const receipt = header(frame, 'receipt');
    if (receipt !== undefined) this.receipt(receipt);
    this.end(1000, 'disconnect');
  }

  private receipt(id: string): void {
    this.write(
      serialize(
        { command: 'RECEIPT', headers: [['receipt-id', id]], body: new Uint8Array() },
        { escapes: this.version !== '1.0' },
      ),
    );
  }

  private startHeartbeats(sendEvery: number, expectEvery: number): void {
    if (sendEvery > 0) {
      this.timers.push(
        setInterval(() => {
          if (Date.now() - this.lastSent >= sendEvery * 0.9) this.write('\n');
        }, sendEvery),
      );
    }
    if (expectEvery > 0) {
      const grace = expectEvery * 2 + 1000;
      this.timers.push(
        setInterval(() => {
          if (Date.now() - this.lastReceived > grace) {
            this.fail(
              new StompError(REASONS.heartbeatTimeout, `no heart-beat from client for ${grace} ms`),
            );
          }
        }, expectEvery),
      );
    }
  }

  private scheduleExpiry(principal: Principal): void {
    if (principal.expiresAt === undefined) return;
    const ms = principal.expiresAt - Date.now();
    // setTimeout caps at ~24.8 days; longer-lived tokens are re-checked when the timer fires.
    const t = setTimeout(
      () => {
        if (Date.now() >= (principal.expiresAt ?? 0)) {
          this.fail(
            new StompError(REASONS.tokenExpired, 'token expired: reconnect with a fresh token'),
          );
        } else this.scheduleExpiry(principal);
      },
      Math.min(Math.max(ms, 0), 2 ** 31 - 1),
    );
    this.timers.push(t);
  }

  private write(data: Uint8Array | string, binary = false): void {
    if (this.state === 'closed') return;
    this.lastSent = Date.now();
    this.transport.send(data, binary);
  }

  /** Sends ERROR with the reason, then closes: the STOMP rule for every failure. */
  private fail(err: StompError, receiptId?: string, code = 4000): void {
    if (this.state === 'closed') return;
    const headers: Array<[string, string]> = [
      ['message', err.message],
      ['parley-reason', err.reason],
      ...err.headers,
      ['content-type', 'text/plain'],
    ];
    if (receiptId !== undefined) headers.push(['receipt-id', receiptId]);
    const body = new TextEncoder().encode(err.message);
    let bytes: Uint8Array;
    try {
      bytes = serialize({ command: 'ERROR', headers, body }, { escapes: this.version !== '1.0' });
    } catch {
      bytes = serialize({ command: 'ERROR', headers: [['message', err.reason]], body });
    }
    this.ctx.log.debug(
      { session: this.id, reason: err.reason, message: err.message },
      'session error',
    );
    this.write(bytes);
    this.end(code, err.reason);
  }

  private end(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
    this.transport.close(code, reason);
  }

  private cleanup(): void {
    this.clearTimers();
    this.queue.length = 0;
    for (const sub of this.subs.values()) {
      this.ctx.hub
        .remove(sub)
        .catch((err: unknown) => this.ctx.log.warn({ err }, 'unsubscribe failed'));
    }
    this.subs.clear();
    this.ctx.onEnd?.(this);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private asStompError(err: unknown): StompError {
    if (err instanceof StompError) return err;
    if (err instanceof StompParseError) {
      const tooLarge =
        err.code === 'frame-too-large' ||
        err.code === 'too-many-headers' ||
        err.code === 'header-line-too-long';
      return new StompError(tooLarge ? REASONS.frameTooLarge : REASONS.frameInvalid, err.message);
    }
    this.ctx.log.error({ err, session: this.id }, 'unexpected error in session');
    return new StompError(REASONS.internal, 'internal error');
  }
}
