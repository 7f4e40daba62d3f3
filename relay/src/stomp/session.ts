import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/jwt.js';
import { tokenFromConnect } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { StompParser, header, serialize } from '../codec/index.js';
import type { Limits } from '../config.js';
import {
  HISTORY_DESTINATION,
  MAX_HISTORY_PAGE,
  historyJson,
  historyQuery,
} from './history-json.js';
import { REASONS, StompError } from '../reasons.js';
import { resolveDestination } from './destinations.js';
import { knownStompError } from './errors.js';
import type { DestinationRules } from './destinations.js';
import { Timers, startHeartbeats } from './heartbeat.js';
import { isQueue } from './hub-contract.js';
import type { LocalSubscription, MessageSink } from './hub-contract.js';
import type { Hub } from './hub.js';
import { deliveryFrame, directMessage } from './message-frame.js';
import { publishInput } from './send.js';
import { sendReceipt } from './send-receipt.js';
import { negotiateHeartbeat, negotiateVersion } from './negotiate.js';
import { TokenBucket } from './rate-limit.js';
import { SessionSubscriptions } from './session-subscriptions.js';
import { scheduleDeadline, sessionDeadline } from './session-deadline.js';
import { TOKEN_DESTINATION, rearmDeadline, tokenRefresh } from './token-refresh.js';
import type { TokenRefreshHost } from './token-refresh.js';
import type { ReceiptHeaders } from './session-subscriptions.js';
import type { Subscription } from './subscription.js';
import { Transactions } from './transactions.js';
import type { Transport } from './transport.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { ReadService } from '../reads/read-service.js';
import type { ChatHost } from './chat-host.js';
import { chatSend } from './chat-send.js';
import { replyHeaders, replySubscription } from './request-reply.js';
import type { RelayMetrics } from '../http/metrics.js';
import { PRESENCE_KIND, isPresenceEvent } from '../presence/presence-service.js';
import { Traffic } from '../log/traffic.js';

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
  /** Room presence; absent = presence subscriptions are refused (unit tests). */
  presence?: PresenceService;
  /** Counters for `/metrics`. */
  metrics?: RelayMetrics;
  /** Read positions; absent = read marks and `/parley/reads` are refused. */
  reads?: ReadService;
}

export type SessionState = 'awaiting-connect' | 'authenticating' | 'connected' | 'closed';

/** Frames a client may send before CONNECT completes; more is a protocol error. */
const MAX_PENDING_FRAMES = 32;
/** Frames queued behind a slow asynchronous step (e.g. a broker publish) once connected. */
const MAX_QUEUED_FRAMES = 1024;
/** Frames one transaction may hold until COMMIT. */
const MAX_TX_FRAMES = 1000;
const EMPTY = new Uint8Array();

/**
 * One STOMP connection: frames in, frames out, heart-beats, subscriptions, acks, transactions.
 * Knows nothing of uWS: it talks to a {@link Transport}.
 * @internal
 */
export class Session implements MessageSink {
  state: SessionState = 'awaiting-connect';
  principal?: Principal;
  /** Frames and bytes in and out, for the connection's closing log line (log/connection-log.ts). */
  readonly traffic = new Traffic();
  /** Why the relay ended the session (an ERROR's reason, or `disconnect`); unset if the peer closed. */
  endReason?: string;
  version = '1.2';
  private readonly parser: StompParser;
  private readonly subs: SessionSubscriptions;
  private txs?: Transactions;
  private readonly rules: DestinationRules;
  private readonly timers = new Timers();
  private readonly sends: TokenBucket;
  private readonly queue: Frame[] = [];
  private busy = false;
  private lastBinary = false;
  /** Frames that arrived in binary WebSocket messages (their bodies must leave as binary). */
  private binaryFrames?: WeakSet<Frame>;
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private historySeq = 0;
  /** When CONNECTED was sent (the session's maximum age counts from it). */
  private connectedAt = 0;
  private chat?: ChatHost;

  constructor(
    readonly id: string,
    private readonly transport: Transport,
    private readonly ctx: SessionContext,
  ) {
    const l = ctx.limits;
    this.parser = new StompParser(
      { onFrame: (f) => this.enqueue(f), onHeartbeat: () => undefined },
      {
        maxFrameSize: l.maxFrameSize,
        maxHeaders: l.maxHeaders,
        maxHeaderLineLength: l.maxHeaderLineLength,
        // Names that only look like another after trimming or case folding are refused.
        headerNames: 'token',
      },
    );
    this.rules = { prefixMap: ctx.prefixMap, maxLength: l.maxDestinationLength, dev: ctx.dev };
    this.subs = new SessionSubscriptions(
      ctx.hub,
      this,
      this.rules,
      l,
      (target, q) => ctx.broker.history(target, q),
      {
        join: (sub) => this.joinPresence(sub),
        leave: (sub) => {
          if (!this.subs.hasPresence(sub.target))
            void this.ctx.presence?.untrack(sub.target, this.id);
        },
      },
    );
    this.sends = new TokenBucket(l.maxSendRate, l.sendBurst, Date.now());
    this.timers.after(l.connectTimeoutMs, () => {
      if (this.state === 'awaiting-connect' || this.state === 'authenticating') {
        this.fail(
          new StompError(REASONS.connectTimeout, `no CONNECT within ${l.connectTimeoutMs} ms`),
        );
      }
    });
  }

  /** Bytes from the transport. `binary` is whether they came in a binary WebSocket message. */
  onData(chunk: Uint8Array | string, binary = false): void {
    if (this.state === 'closed') return;
    this.lastReceived = Date.now();
    this.lastBinary = binary;
    this.traffic.bytesIn += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
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

  /**
   * Ends the session from the server side (shutdown). `reconnectAfterMs` goes in the ERROR's
   * `parley-reconnect-after` header: the bound of the client's random reconnect delay.
   */
  shutdown(reconnectAfterMs?: number): void {
    const hint: Array<[string, string]> =
      reconnectAfterMs === undefined ? [] : [['parley-reconnect-after', String(reconnectAfterMs)]];
    this.fail(new StompError(REASONS.shutdown, 'relay is shutting down', hint), undefined, 1001);
  }

  /** Nothing received is still being handled (the drain waits for this; lifecycle/drain.ts). */
  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  deliver(message: BrokerMessage, local: LocalSubscription, redelivered = false): void {
    if (this.state !== 'connected') return;
    const sub = local as Subscription;
    if (sub.recovering) {
      sub.recovering.push(message);
      return;
    }
    if (message.offset > 0 && !redelivered && !isQueue(sub.target)) {
      // Replays, gap fills and live delivery can overlap at their seams: each subscription only
      // ever moves forward within an epoch.
      if (message.epoch === sub.lastEpoch && message.offset <= sub.lastOffset) return;
      sub.lastEpoch = message.epoch;
      sub.lastOffset = message.offset;
    }
    if (message.ephemeral && isPresenceEvent(message)) {
      if (!sub.presence) return;
      if (sub.presenceHold) {
        sub.presenceHold.push(message);
        return;
      }
    }
    let ack: string | undefined;
    try {
      ack = this.subs.track(sub, message);
    } catch (err) {
      this.fail(this.asStompError(err));
      return;
    }
    const escapes = this.version !== '1.0';
    const extras = { ...(ack !== undefined && { ack }), redelivered };
    let bytes: Uint8Array;
    try {
      // STOMP 1.0 sessions get the message without the headers they cannot carry.
      bytes = deliveryFrame(message, sub, escapes, extras);
    } catch {
      this.fail(
        new StompError(REASONS.internal, 'a message could not be encoded for this connection'),
      );
      return;
    }
    this.write(bytes, message.binary === true);
    if (this.ctx.metrics) this.ctx.metrics.delivered++;
  }

  topicEscapes(): boolean | undefined {
    return this.transport.subscribeTopic && this.state === 'connected'
      ? this.version !== '1.0'
      : undefined;
  }

  joinTopic(topic: string): boolean {
    return this.state === 'connected' && (this.transport.subscribeTopic?.(topic) ?? false);
  }

  leaveTopic(topic: string): void {
    if (this.state !== 'closed') this.transport.unsubscribeTopic?.(topic);
  }

  /** Drops the client if too much waits in its socket buffer (fast-lane sends bypass write()). */
  checkBackpressure(): void {
    if (this.state !== 'connected') return;
    const buffered = this.transport.bufferedAmount();
    if (buffered > this.ctx.limits.maxBufferedBytes) {
      this.fail(
        new StompError(
          REASONS.slowConsumer,
          `client is not reading: ${buffered} bytes waiting to be sent`,
        ),
      );
    }
  }

  /** Transactions are rare: their bookkeeping is made on the first BEGIN. */
  private tx(): Transactions {
    return (this.txs ??= new Transactions(this.ctx.limits.maxTransactions, MAX_TX_FRAMES));
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
    if (this.lastBinary) (this.binaryFrames ??= new WeakSet()).add(frame);
    this.traffic.framesIn++;
    this.queue.push(frame);
  }

  /** Handles queued frames strictly in order; an asynchronous step holds the frames behind it. */
  private drain(): void {
    if (this.busy) return;
    while (this.queue.length > 0 && this.state !== 'closed') {
      const frame = this.queue.shift()!;
      let result: void | Promise<ReceiptHeaders | void>;
      try {
        result = this.handle(frame);
      } catch (err) {
        this.fail(this.asStompError(err), header(frame, 'receipt'));
        return;
      }
      if (result) {
        this.busy = true;
        result.then(
          (extra) => {
            this.busy = false;
            this.receipt(frame, extra ?? undefined);
            this.drain();
          },
          (err: unknown) => {
            this.busy = false;
            this.fail(this.asStompError(err), header(frame, 'receipt'));
          },
        );
        return;
      }
      this.receipt(frame);
    }
  }

  private handle(frame: Frame): void | Promise<ReceiptHeaders | void> {
    const cmd = frame.command;
    if (this.state === 'awaiting-connect') {
      if (cmd === 'CONNECT' || cmd === 'STOMP') return this.connect(frame);
      throw new StompError(REASONS.protocolError, `expected CONNECT, got ${cmd}`);
    }
    const principal = this.principal!;
    switch (cmd) {
      case 'SEND':
        return this.inTransaction(frame, this.send(frame, principal));
      case 'SUBSCRIBE':
        return this.subs.subscribe(frame, principal);
      case 'UNSUBSCRIBE':
        return this.subs.unsubscribe(frame);
      case 'ACK':
      case 'NACK':
        return this.inTransaction(frame, this.subs.settle(frame, cmd === 'NACK'));
      case 'BEGIN':
        return this.tx().begin(header(frame, 'transaction'));
      case 'COMMIT':
        return this.commit(this.tx().commit(header(frame, 'transaction')));
      case 'ABORT':
        return this.tx().abort(header(frame, 'transaction'));
      case 'DISCONNECT':
        return this.disconnect(frame);
      case 'CONNECT':
      case 'STOMP':
        throw new StompError(REASONS.protocolError, 'already connected');
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
    this.connectedAt = Date.now();
    const hb = negotiateHeartbeat(
      get('heart-beat'),
      this.ctx.limits.heartbeatMs,
      this.ctx.limits.heartbeatMinMs,
    );
    this.state = 'connected';
    this.timers.stop();
    startHeartbeats(this.timers, hb.send, hb.receive, {
      sinceSent: () => Date.now() - this.lastSent,
      sinceReceived: () => Date.now() - this.lastReceived,
      sendEol: () => this.write('\n'),
      dead: (ms) =>
        this.fail(
          new StompError(REASONS.heartbeatTimeout, `no heart-beat from client for ${ms} ms`),
        ),
    });
    scheduleDeadline(
      this.timers,
      sessionDeadline(principal, Date.now(), this.ctx.limits.maxSessionAgeMs ?? 0),
      // A refreshed token (token-refresh.ts) re-arms the deadline for its own principal.
      (err) => {
        if (this.principal === principal) this.fail(err);
      },
    );
    const headers: Array<[string, string]> = [
      ['version', version],
      ['heart-beat', `${hb.send},${hb.receive}`],
      ['session', this.id],
      ['server', this.ctx.serverName],
      ['user-name', principal.userId],
    ];
    this.write(serialize({ command: 'CONNECTED', headers, body: EMPTY }));
    this.ctx.log.debug({ session: this.id, user: principal.userId, version }, 'connected');
    void this.ctx.presence?.connect(this.id, this.member());
    if (this.ctx.metrics) this.ctx.metrics.connects++;
  }

  /** Runs `effect` now, or holds it for COMMIT when the frame names a transaction. */
  private inTransaction(
    frame: Frame,
    effect: () => void | Promise<void | ReceiptHeaders>,
  ): void | Promise<void | ReceiptHeaders> {
    const tx = header(frame, 'transaction');
    if (tx === undefined) return effect();
    this.tx().add(tx, effect);
  }

  private async commit(actions: Array<() => unknown>): Promise<void> {
    for (const action of actions) {
      if (this.state === 'closed') return;
      await action();
    }
  }

  /**
   * Checks a SEND now (rate, destination, grants, headers) and returns its effect: publishing,
   * at once or at COMMIT. A transaction holding a bad SEND is refused when the SEND arrives.
   */
  private send(frame: Frame, principal: Principal): () => Promise<ReceiptHeaders> {
    if (!this.sends.take(Date.now())) {
      const l = this.ctx.limits;
      throw new StompError(
        REASONS.rateLimited,
        `more than ${l.maxSendRate} SENDs per second (burst ${l.sendBurst})`,
      );
    }
    const raw = header(frame, 'destination');
    if (raw === HISTORY_DESTINATION) return () => this.historyRequest(frame, principal);
    if (raw === TOKEN_DESTINATION) return tokenRefresh(frame, this.tokenHost());
    // Read marks, /parley/reads and direct messages: stomp/chat-send.ts.
    const chat = chatSend(frame, principal, (this.chat ??= this.chatHost()));
    if (chat) return chat;
    const input = publishInput(
      frame,
      principal,
      this.rules,
      this.binaryFrames?.has(frame) === true,
    );
    const publish = (): Promise<ReceiptHeaders> =>
      this.ctx.broker.publish(input).then((m) => {
        if (this.ctx.metrics && !m.duplicate) this.ctx.metrics.published++;
        return sendReceipt(m);
      });
    return isQueue(input.destination)
      ? () => this.ctx.hub.prepareQueue(input.destination).then(publish)
      : publish;
  }

  /**
   * `SEND /parley/history` with `parley-target`, `parley-before`/`parley-after`, `parley-limit`
   * and `reply-to` (one of this session's subscriptions): one MESSAGE with the page as JSON.
   */
  private async historyRequest(frame: Frame, principal: Principal): Promise<ReceiptHeaders> {
    const target = resolveDestination(principal, header(frame, 'parley-target'), 'sub', this.rules);
    const query = historyQuery(
      {
        before: header(frame, 'parley-before'),
        after: header(frame, 'parley-after'),
        limit: header(frame, 'parley-limit'),
      },
      MAX_HISTORY_PAGE,
    );
    if (typeof query === 'string') throw new StompError(REASONS.protocolError, query);
    const sub = this.replySubscription(frame, 'a history request', '/user/queue/history');
    const page = await this.ctx.broker.history(target, query);
    const extra: Array<[string, string]> = [
      ['parley-epoch', page.epoch],
      ['parley-first', String(page.first)],
      ['parley-last', String(page.last)],
    ];
    this.reply(frame, sub, 'history', extra, historyJson(header(frame, 'parley-target')!, page));
    return [];
  }

  /** The subscription a request's `reply-to` names (stomp/request-reply.ts). */
  private replySubscription(frame: Frame, what: string, example: string): LocalSubscription {
    return replySubscription(frame, (d) => this.subs.byDestination(d), what, example);
  }

  /** Writes the one reply MESSAGE of a request, with its `parley-kind` and `parley-request-id`. */
  private reply(
    frame: Frame,
    sub: LocalSubscription,
    kind: string,
    extra: Array<[string, string]>,
    payload: unknown,
  ): void {
    const headers = replyHeaders(frame, kind, extra);
    const id = `${kind}-${++this.historySeq}`;
    this.write(directMessage(sub, id, headers, payload, this.version !== '1.0'));
  }

  /** What read marks, `/parley/reads` and direct messages need from this session. */
  private chatHost(): ChatHost {
    return {
      broker: this.ctx.broker,
      rules: this.rules,
      reads: this.ctx.reads,
      binary: (frame) => this.binaryFrames?.has(frame) === true,
      replySubscription: (frame, what, example) => this.replySubscription(frame, what, example),
      reply: (frame, sub, kind, extra, payload) => this.reply(frame, sub, kind, extra, payload),
      published: () => {
        if (this.ctx.metrics) this.ctx.metrics.published++;
      },
    };
  }

  /** What `SEND /parley/token` may read and change of this session (token-refresh.ts). */
  private tokenHost(): TokenRefreshHost {
    return {
      verify: this.ctx.verify,
      maxTokenBytes: this.ctx.limits.maxHeaderLineLength,
      dev: this.ctx.dev,
      current: () => (this.state === 'connected' ? this.principal : undefined),
      subscriptions: this.subs,
      adopt: (next) => {
        this.principal = next;
        const maxAge = this.ctx.limits.maxSessionAgeMs ?? 0;
        rearmDeadline(this.timers, sessionDeadline(next, this.connectedAt, maxAge), (err) =>
          this.fail(err),
        );
      },
    };
  }

  private disconnect(frame: Frame): void {
    this.receipt(frame);
    this.end(1000, 'disconnect');
  }

  /** Answers `receipt` once the frame has taken effect (RECEIPTs acknowledge cumulatively). */
  private receipt(frame: Frame, extra: ReceiptHeaders = []): void {
    const id = header(frame, 'receipt');
    if (
      id === undefined ||
      this.state !== 'connected' ||
      frame.command === 'CONNECT' ||
      frame.command === 'STOMP'
    )
      return;
    const headers: Array<[string, string]> = [['receipt-id', id], ...extra];
    this.write(
      serialize({ command: 'RECEIPT', headers, body: EMPTY }, { escapes: this.version !== '1.0' }),
    );
  }

  private write(data: Uint8Array | string, binary = false): void {
    if (this.state === 'closed') return;
    this.lastSent = Date.now();
    if (typeof data !== 'string') this.traffic.framesOut++;
    this.traffic.bytesOut += data.length;
    this.transport.send(data, binary);
    const buffered = this.transport.bufferedAmount();
    if (buffered > this.ctx.limits.maxBufferedBytes && this.state === 'connected') {
      this.fail(
        new StompError(
          REASONS.slowConsumer,
          `client is not reading: ${buffered} bytes waiting to be sent`,
        ),
      );
    }
  }

  /** Sends ERROR with the reason, then closes: the STOMP rule for every failure. */
  private fail(err: StompError, receiptId?: string, code = 4000): void {
    if (this.state === 'closed') return;
    // STOMP 1.0 cannot carry CR/LF in a header: quote the client's input on one line.
    const message = this.version === '1.0' ? err.message.replace(/[\r\n]/g, ' ') : err.message;
    const headers: Array<[string, string]> = [
      ['message', message],
      ['parley-reason', err.reason],
      ...err.headers,
      ['content-type', 'text/plain'],
    ];
    if (receiptId !== undefined) headers.push(['receipt-id', receiptId]);
    const body = new TextEncoder().encode(message);
    let bytes: Uint8Array;
    try {
      bytes = serialize({ command: 'ERROR', headers, body }, { escapes: this.version !== '1.0' });
    } catch {
      // STOMP 1.0 cannot carry CR/LF in a header: quote the client's input on one line instead.
      const oneLine = headers.map(([k, v]): [string, string] => [k, v.replace(/[\r\n]/g, ' ')]);
      bytes = serialize({ command: 'ERROR', headers: oneLine, body }, { escapes: false });
    }
    this.ctx.log.debug(
      { session: this.id, reason: err.reason, message: err.message },
      'session error',
    );
    this.ctx.metrics?.error(err.reason);
    this.state = 'closed';
    this.endReason = err.reason;
    this.traffic.framesOut++;
    this.traffic.bytesOut += bytes.length;
    this.transport.send(bytes, false);
    this.cleanup();
    this.transport.close(code, err.reason);
  }

  private end(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.endReason = reason;
    this.cleanup();
    this.transport.close(code, reason);
  }

  private member(): { userId: string; name?: string } {
    const p = this.principal!;
    return { userId: p.userId, ...(p.name !== undefined && { name: p.name }) };
  }

  /** Joins the room, then sends this subscription the current member list. */
  private async joinPresence(sub: Subscription): Promise<void> {
    const presence = this.ctx.presence;
    if (!presence)
      throw new StompError(REASONS.protocolError, 'presence is not enabled on this relay');
    sub.presenceHold = [];
    let members;
    try {
      await presence.track(sub.target, this.id, this.member());
      members = await presence.members(sub.target);
    } catch (err) {
      sub.presenceHold = undefined;
      throw err;
    }
    if (this.state !== 'connected') return;
    const list = members.map((m) => ({
      id: m.userId,
      ...(m.name !== undefined && { name: m.name }),
    }));
    const extra: Array<[string, string]> = [
      ['parley-kind', PRESENCE_KIND],
      ['parley-offset', '0'],
    ];
    const snapshot = { type: 'members', members: list };
    this.write(
      directMessage(sub, `presence-${++this.historySeq}`, extra, snapshot, this.version !== '1.0'),
    );
    const held = sub.presenceHold;
    sub.presenceHold = undefined;
    for (const m of held) this.deliver(m, sub);
  }

  private cleanup(): void {
    this.timers.stop();
    this.queue.length = 0;
    this.txs?.abortAll();
    if (this.principal) void this.ctx.presence?.disconnect(this.id);
    for (const sub of this.subs.removeAll()) {
      this.ctx.hub
        .remove(sub)
        .catch((err: unknown) => this.ctx.log.warn({ err }, 'unsubscribe failed'));
    }
    this.ctx.onEnd?.(this);
  }

  private asStompError(err: unknown): StompError {
    const known = knownStompError(err);
    if (known) return known;
    this.ctx.log.error({ err, session: this.id }, 'unexpected error in session');
    return new StompError(REASONS.internal, 'internal error');
  }
}
