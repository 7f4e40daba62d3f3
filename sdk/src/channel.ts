import { DEFAULTS, KIND, KIND_HEADER, READ_OFFSET_HEADER } from './defaults.js';
import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { isParleyError, ParleyError } from './errors.js';
import type { HistoryPage, HistoryQuery } from './history.js';
import { ReadMarker } from './mark-read.js';
import { encodeMessage, toChatMessage } from './message.js';
import type { InboundFrame, OutboundMessage } from './message.js';
import type { SendResult } from './outbox.js';
import { parseReadEvent, senderOf } from './reads.js';
import type { ReadEventFrame, ReadsReply } from './reads.js';
import type { SubscriptionHooks } from './subscriptions.js';
import { Typers, TypingSignal } from './typing.js';
import { NO_UNREAD, onMessage, onRead, onReads, unreadCount } from './unread.js';
import type { UnreadState } from './unread.js';
import type { ChatMessage, MessageBody, SendHeaders } from './types.js';
import type {
  ChannelEvents,
  HistoryOptions,
  HistoryResult,
  ResyncEvent,
  SendPromise,
} from './events.js';

/** What rooms and conversations need from their client. @internal */
export interface ChannelHost {
  /** Wants `destination`'s frames until the returned function is called. */
  subscribe(destination: string, hooks: SubscriptionHooks): () => void;
  /** `destination`'s SUBSCRIBE headers changed: subscribe it again if live. */
  refresh(destination: string): void;
  /** Puts one message in the outbox. */
  send(destination: string, message: OutboundMessage): SendPromise;
  /** A send that failed before reaching the outbox. */
  rejected(destination: string, error: ParleyError): SendPromise;
  /** Sends a frame without a receipt if connected (typing); false if not. */
  publish(destination: string, headers: Record<string, string>): boolean;
  /** Sends a frame with a receipt outside the outbox (read marks); never rejects. */
  mark(destination: string, message: OutboundMessage): Promise<SendResult>;
  /** A page of history, over the live connection. */
  history(destination: string, label: string, query: HistoryQuery): Promise<HistoryPage>;
  /** The read positions of `destination`, over the live connection. */
  reads(destination: string): Promise<ReadsReply>;
  /** The local user's id, once connected. */
  userId(): string | undefined;
}

/** Events whose listeners need the subscription. */
const LIVE_EVENTS = ['message', 'resync', 'typing', 'unread', 'read'] as const;

/**
 * What rooms and direct conversations share: sending through the outbox, the subscription
 * (resumed after every reconnect), typing, read marks, unread counts and history. Get one with
 * `client.room(id)` or `client.dm(userId)`.
 */
export abstract class Channel<E extends ChannelEvents> {
  /** The room id, or the peer's user id for a conversation. */
  readonly id: string;
  /** The STOMP destination the client subscribes to. */
  readonly destination: string;
  /** @internal */
  protected readonly host: ChannelHost;
  /** @internal */
  protected readonly events = new TypedEmitter<E>();
  #release: (() => void) | undefined;
  #unread: UnreadState = NO_UNREAD;
  readonly #marker: ReadMarker;
  readonly #signal: TypingSignal;
  readonly #typers: Typers;

  /** @internal */
  constructor(id: string, destination: string, host: ChannelHost) {
    this.id = id;
    this.destination = destination;
    this.host = host;
    this.#marker = new ReadMarker((offset) =>
      host.mark(destination, {
        body: '',
        headers: { [KIND_HEADER]: KIND.read, [READ_OFFSET_HEADER]: String(offset) },
      }),
    );
    this.#signal = new TypingSignal(() => {
      const to = this._typingDestination();
      if (to !== undefined) host.publish(to, { [KIND_HEADER]: KIND.typing });
    });
    this.#typers = new Typers((users) => this.#emit('typing', { users }));
  }

  /**
   * Messages after the local user's read position: the newest offset seen (or reported by the
   * relay on subscribe and after every reconnect) minus the position. Own messages count as
   * read. Announced by the `unread` event.
   */
  get unreadCount(): number {
    return unreadCount(this.#unread);
  }

  /**
   * Sends a message. A string goes as `text/plain;charset=utf-8`; an object is JSON-encoded
   * with `content-type: application/json`. The message goes through the outbox: it gets a
   * client id, waits while the client is not connected, and is sent again after a reconnect if
   * its receipt did not come (the relay drops the repeat). Sending ends the local user's typing,
   * and once the relay has it the message counts as read (a read mark is sent).
   *
   * @param body - the message
   * @param headers - extra STOMP headers; `parley-*`, `destination`, `receipt` and
   *   `content-length` are reserved, `content-type` overrides the default
   * @returns a promise of the relay's receipt, with `clientId` and the outbox entry `outgoing`
   * @throws ParleyError (as a rejection) with reason `invalid-argument` for a bad body or
   *   header, `outbox-full` when the outbox is at its bounds, the relay's reason (such as
   *   `forbidden`) if it refused the message, or the failure's reason if the client `failed`
   */
  send(body: MessageBody, headers?: SendHeaders): SendPromise {
    let message: OutboundMessage;
    try {
      message = encodeMessage(body, headers);
    } catch (error) {
      const failure = isParleyError(error)
        ? error
        : new ParleyError('invalid-argument', String(error), { cause: error });
      return this.host.rejected(this.destination, failure);
    }
    this.#signal.stop();
    const sent = this.host.send(this.destination, message);
    sent.then(
      (receipt) => {
        if (receipt.offset <= 0) return;
        this.#setUnread(onMessage(this.#unread, receipt, true));
        this.#marker.mark(receipt.offset);
      },
      () => undefined,
    );
    return sent;
  }

  /**
   * Listens for an event. Listening for `message`, `resync`, `typing`, `read` or `unread`
   * subscribes (right away when connected, otherwise on the next connect, and again after every
   * reconnect, resuming where it left off); removing the last such listener unsubscribes.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): Unsubscribe {
    const off = this.events.on(event, listener);
    this.update();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      off();
      this.update();
    };
  }

  /**
   * Tells the others that the local user is typing: call it on every keystroke. A signal goes at
   * most once every 2.5 s; after 5 s without a call (or on `send()`) the user counts as stopped,
   * and the next call signals at once. Receivers drop a typer 6 s after their last signal. Does
   * nothing while not connected.
   */
  typing(): void {
    this.#signal.typing();
  }

  /**
   * Marks messages up to `offset` read (by default the newest message seen). Only moves
   * forward; marks made while one is on its way collapse into the newest; a mark made while
   * offline is sent after the next connect. `unreadCount` drops at once.
   *
   * @param offset - the offset of the newest message read
   * @throws ParleyError `invalid-argument` if `offset` is not a whole number ≥ 0
   */
  markRead(offset?: number): void {
    if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
      throw new ParleyError('invalid-argument', `invalid offset ${String(offset)}`);
    }
    const n = offset ?? this.#unread.newest;
    if (n <= 0 || n <= this.#unread.read) return;
    this.#setUnread(onRead(this.#unread, n));
    this.#marker.mark(n);
  }

  /**
   * Reads a page of older messages over the live connection: the newest `limit` messages
   * before `before` (the newest of all without it), oldest first. Page back with
   * `before: messages[0].offset` while `hasMore`.
   *
   * @throws ParleyError (as a rejection) `invalid-argument` for a bad `before`/`limit`,
   *   `not-connected` while not connected, the relay's reason (`forbidden`…) if it refused
   */
  async history(options: HistoryOptions = {}): Promise<HistoryResult> {
    const { before, limit = DEFAULTS.historyPageSize } = options;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > DEFAULTS.historyMaxPageSize) {
      throw new ParleyError('invalid-argument', `limit must be 1–500, not ${String(limit)}`);
    }
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) {
      throw new ParleyError('invalid-argument', `invalid before ${String(before)}`);
    }
    const page = await this.host.history(this.destination, this.id, {
      limit,
      ...(before !== undefined && { before }),
    });
    const oldest = page.messages[0]?.offset;
    const hasMore =
      oldest !== undefined &&
      oldest > 1 &&
      (page.first !== undefined ? oldest > page.first : page.messages.length === limit);
    return { messages: page.messages, hasMore };
  }

  /**
   * Releases the channel's timers (typing) and listeners, silently: the client was disposed.
   * @internal
   */
  dispose(): void {
    this.events.clear();
    this.#signal.stop();
    this.#typers.clear();
  }

  /** Whether the channel is subscribed (has listeners that need it). @internal */
  protected get _subscribed(): boolean {
    return this.#release !== undefined;
  }

  /** Whether the subscription is wanted. @internal */
  protected _wanted(): boolean {
    const events = this.events as unknown as TypedEmitter<Record<string, unknown>>;
    return LIVE_EVENTS.some((e) => events.listenerCount(e) > 0);
  }

  /** Subscribes or unsubscribes as the listeners want. @internal */
  protected update(): void {
    const wanted = this._wanted();
    if (wanted && !this.#release) {
      this.#release = this.host.subscribe(this.destination, this.#hooks());
    } else if (!wanted && this.#release) {
      const release = this.#release;
      this.#release = undefined;
      release();
      this.#signal.stop();
      this.#typers.clear();
      this.left();
    }
  }

  /** Where typing signals go (undefined: not known yet). @internal */
  protected abstract _typingDestination(): string | undefined;

  /** Extra SUBSCRIBE headers. @internal */
  protected _subscribeHeaders(): Record<string, string> {
    return {};
  }

  /** A live read event (after the local user's own position was taken from it). @internal */
  protected abstract _readEvent(event: ReadEventFrame, me: string | undefined): void;

  /** The read positions fetched on subscribe and after every reconnect. @internal */
  protected abstract _readsFetched(reply: ReadsReply, me: string | undefined): void;

  /** An event of another kind (presence). @internal */
  protected _otherEvent(kind: string, frame: InboundFrame): void {
    void kind;
    void frame;
  }

  /** The subscription ended (no listener needs it). @internal */
  protected left(): void {}

  /** Emits one of the shared events. */
  #emit<K extends keyof ChannelEvents>(event: K, payload: ChannelEvents[K]): void {
    (this.events as unknown as TypedEmitter<ChannelEvents>).emit(event, payload);
  }

  #setUnread(next: UnreadState): void {
    const before = this.#unread;
    if (next === before) return;
    if (before.epoch !== '' && next.epoch !== before.epoch) this.#marker.reset();
    this.#unread = next;
    if (unreadCount(next) !== unreadCount(before) || next.read !== before.read) {
      this.#emit('unread', {
        count: unreadCount(next),
        newest: next.newest,
        readOffset: next.read,
      });
    }
  }

  #hooks(): SubscriptionHooks {
    return {
      decode: (frame) => toChatMessage(this.id, frame),
      message: (m) => this.#message(m),
      resync: (e) => this.#resync(e),
      refused: (error) => this.#emit('error', error),
      event: (kind, frame) => this.#event(kind, frame),
      headers: () => this._subscribeHeaders(),
      synced: () => this.#synced(),
    };
  }

  #message(m: ChatMessage): void {
    this.#typers.stopped(m.sender.id);
    this.#emit('message', m);
    this.#setUnread(onMessage(this.#unread, m, m.sender.id === this.host.userId()));
  }

  #resync(event: ResyncEvent): void {
    this.#emit('resync', event);
    const me = this.host.userId();
    let next = this.#unread;
    for (const m of event.messages) next = onMessage(next, m, m.sender.id === me);
    this.#setUnread(next);
  }

  #event(kind: string, frame: InboundFrame): void {
    const me = this.host.userId();
    if (kind === KIND.typing) {
      const user = senderOf(frame);
      if (user && user.id !== me) this.#typers.typing(user);
    } else if (kind === KIND.read) {
      const event = parseReadEvent(frame);
      if (!event) return;
      if (event.user.id === me && event.offset !== undefined) {
        this.#setUnread(onRead(this.#unread, event.offset));
      }
      this._readEvent(event, me);
    } else this._otherEvent(kind, frame);
  }

  #synced(): void {
    this.#marker.resume();
    this.host.reads(this.destination).then(
      (reply) => {
        if (!this.#release) return;
        const me = this.host.userId();
        const mine = me === undefined ? 0 : (reply.reads.get(me)?.offset ?? 0);
        this.#setUnread(onReads(this.#unread, reply, mine));
        this._readsFetched(reply, me);
      },
      () => undefined, // the connection ended: fetched again after the next connect
    );
  }
}
