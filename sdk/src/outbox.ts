import { ParleyError } from './errors.js';
import type { ParleyReason } from './errors.js';
import { clientMessageId } from './id.js';
import type { OutboundMessage } from './message.js';
import type { OutgoingMessage, OutgoingStatus, SendPromise, SendReceipt } from './events.js';

/** How one SEND went on a connection. @internal */
export type SendResult =
  | { ok: true; headers: Readonly<Record<string, string>> }
  /** `refused`: the relay answered this SEND with an ERROR (else the connection just ended). */
  | { ok: false; error: ParleyError; refused: boolean };

/** Where the outbox sends while connected: the live session. @internal */
export interface OutboxSender {
  send(destination: string, message: OutboundMessage): Promise<SendResult>;
}

/** Outbox limits. @internal */
export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
}

/**
 * Relay reasons for refusing a SEND that sending it again cannot fix: the message fails at once.
 *
 * @internal
 */
export const PERMANENT_SEND_REASONS: ReadonlySet<ParleyReason> = new Set<ParleyReason>([
  'forbidden',
  'invalid-argument',
  'destination-invalid',
  'frame-too-large',
  'frame-invalid',
  'protocol-error',
  'unknown-command',
]);

/** A message refused this many times for a reason that might pass (rate limit…) fails. @internal */
export const MAX_REFUSALS = 5;

const encoder = new TextEncoder();

function sizeOf(message: OutboundMessage): number {
  let n = encoder.encode(message.body).length;
  for (const [k, v] of Object.entries(message.headers)) n += encoder.encode(k + v).length + 2;
  return n;
}

function integer(value: string | undefined): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : -1;
}

/** One message in the outbox. @internal */
class Entry implements OutgoingMessage {
  readonly clientId: string;
  readonly destination: string;
  readonly message: OutboundMessage;
  readonly bytes: number;
  status: OutgoingStatus = 'pending';
  receipt: SendReceipt | undefined;
  error: ParleyError | undefined;
  /** Sent on the current connection and waiting for its RECEIPT. */
  _inFlight = false;
  refusals = 0;
  settle: { resolve(r: SendReceipt): void; reject(e: ParleyError): void } | undefined;
  readonly #outbox: Outbox;

  constructor(outbox: Outbox, destination: string, message: OutboundMessage, clientId: string) {
    this.#outbox = outbox;
    this.clientId = clientId;
    this.destination = destination;
    this.message = {
      body: message.body,
      headers: { ...message.headers, 'parley-client-id': clientId },
    };
    this.bytes = sizeOf(this.message);
  }

  get body(): string {
    return this.message.body;
  }

  retry(): Promise<SendReceipt> {
    return this.#outbox.retry(this);
  }
}

/**
 * Messages on their way: each gets a client id, waits while the client is not connected, is
 * sent in order once connected, and is sent again (same id, so the relay drops the repeat) when
 * the connection is lost before its RECEIPT. Refusals that retrying cannot fix fail at once.
 *
 * @internal
 */
export class Outbox {
  readonly #limits: OutboxLimits;
  readonly #changed: (message: OutgoingMessage) => void;
  /** Pending messages in send order (Map keeps insertion order). */
  readonly #pending = new Map<string, Entry>();
  #bytes = 0;
  #sender: OutboxSender | undefined;
  #closedWith: ParleyError | undefined;

  constructor(limits: OutboxLimits, changed: (message: OutgoingMessage) => void) {
    this.#limits = limits;
    this.#changed = changed;
  }

  /** Messages waiting or in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** Queues a message and sends it now if connected. */
  add(destination: string, message: OutboundMessage): SendPromise {
    const entry = new Entry(this, destination, message, clientMessageId());
    const promise = this.#enqueue(entry);
    return Object.assign(promise, { clientId: entry.clientId, outgoing: entry as OutgoingMessage });
  }

  /** A message that failed before it could be queued (a bad body or header). */
  rejected(destination: string, error: ParleyError): SendPromise {
    const entry = new Entry(this, destination, { body: '', headers: {} }, clientMessageId());
    const promise = this.#refuse(entry, error);
    promise.catch(() => undefined);
    return Object.assign(promise, { clientId: entry.clientId, outgoing: entry as OutgoingMessage });
  }

  /** Connected: sends every pending message, in order. */
  _attach(sender: OutboxSender): void {
    this.#sender = sender;
    for (const entry of this.#pending.values()) {
      if (!entry._inFlight) this.#transmit(entry, sender);
    }
  }

  /** The connection ended: messages in flight wait for the next one. */
  _detach(): void {
    this.#sender = undefined;
    for (const entry of this.#pending.values()) entry._inFlight = false;
  }

  /** Fails every pending message (client `failed`); later sends still queue. */
  _failAll(error: ParleyError): void {
    for (const entry of [...this.#pending.values()]) this.#fail(entry, error);
  }

  /** Fails everything and refuses later sends (client disposed). */
  close(error: ParleyError): void {
    this.#closedWith = error;
    this._detach();
    this._failAll(error);
  }

  /** @internal Called by {@link Entry.retry}. */
  retry(entry: Entry): Promise<SendReceipt> {
    if (entry.status !== 'failed') {
      return Promise.reject(
        new ParleyError('invalid-argument', `message is ${entry.status}, not failed`),
      );
    }
    entry.status = 'pending';
    entry.error = undefined;
    entry.refusals = 0;
    return this.#enqueue(entry);
  }

  #enqueue(entry: Entry): Promise<SendReceipt> {
    const promise = this.#queue(entry);
    // A failure is also reported by the `outbox` event: a send nobody awaits must not crash
    // Node with an unhandled rejection. Awaiting the promise still gets the error.
    promise.catch(() => undefined);
    return promise;
  }

  #queue(entry: Entry): Promise<SendReceipt> {
    if (this.#closedWith) return this.#refuse(entry, this.#closedWith);
    const { maxMessages, maxBytes } = this.#limits;
    if (this.#pending.size + 1 > maxMessages || this.#bytes + entry.bytes > maxBytes) {
      return this.#refuse(
        entry,
        new ParleyError('outbox-full', `outbox full (${maxMessages} messages, ${maxBytes} bytes)`),
      );
    }
    const promise = new Promise<SendReceipt>((resolve, reject) => {
      entry.settle = { resolve, reject };
    });
    this.#pending.set(entry.clientId, entry);
    this.#bytes += entry.bytes;
    this.#changed(entry);
    if (this.#sender) this.#transmit(entry, this.#sender);
    return promise;
  }

  #refuse(entry: Entry, error: ParleyError): Promise<SendReceipt> {
    entry.status = 'failed';
    entry.error = error;
    this.#changed(entry);
    return Promise.reject(error);
  }

  #transmit(entry: Entry, sender: OutboxSender): void {
    entry._inFlight = true;
    void sender.send(entry.destination, entry.message).then((result) => {
      // An answer from an old connection, or for a message that already settled, is ignored.
      if (this.#pending.get(entry.clientId) !== entry || this.#sender !== sender) return;
      entry._inFlight = false;
      if (result.ok) return this.#sent(entry, result.headers);
      if (!result.refused) return; // connection lost: sent again on the next one
      entry.refusals += 1;
      if (PERMANENT_SEND_REASONS.has(result.error.reason) || entry.refusals >= MAX_REFUSALS) {
        this.#fail(entry, result.error);
      }
    });
  }

  #remove(entry: Entry): void {
    if (this.#pending.delete(entry.clientId)) this.#bytes -= entry.bytes;
  }

  #sent(entry: Entry, headers: Readonly<Record<string, string>>): void {
    this.#remove(entry);
    const receipt: SendReceipt = {
      clientId: entry.clientId,
      offset: integer(headers['parley-offset']),
      epoch: headers['parley-epoch'] ?? '',
      messageId: headers['parley-message-id'] ?? '',
      duplicate: headers['parley-duplicate'] === 'true',
    };
    entry.status = 'sent';
    entry.receipt = receipt;
    const settle = entry.settle;
    entry.settle = undefined;
    this.#changed(entry);
    settle?.resolve(receipt);
  }

  #fail(entry: Entry, error: ParleyError): void {
    this.#remove(entry);
    entry._inFlight = false;
    entry.status = 'failed';
    entry.error = error;
    const settle = entry.settle;
    entry.settle = undefined;
    this.#changed(entry);
    settle?.reject(error);
  }
}
