import { ParleyError } from './errors.js';
import { HISTORY_DESTINATION, HISTORY_REPLY_QUEUE } from './defaults.js';
import { toChatMessage } from './message.js';
import type { InboundFrame } from './message.js';
import type { ChatMessage } from './types.js';

/** A page of history, as the relay's JSON has it (docs/protocol.md#http-api). @internal */
interface WirePage {
  epoch?: unknown;
  messages?: unknown;
}

interface WireMessage {
  id?: unknown;
  offset?: unknown;
  epoch?: unknown;
  timestamp?: unknown;
  sender?: unknown;
  senderName?: unknown;
  headers?: unknown;
  body?: unknown;
  encoding?: unknown;
}

/** A page of a room's history. @internal */
export interface HistoryPage {
  epoch: string;
  messages: ChatMessage[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function decodeBody(m: WireMessage): string {
  const body = str(m.body) ?? '';
  if (m.encoding !== 'base64') return body;
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Turns one page of history JSON into chat messages of `room`, oldest first.
 *
 * @throws ParleyError `unknown` if the JSON is not a history page
 * @internal
 */
export function parseHistoryPage(room: string, json: string): HistoryPage {
  let page: WirePage;
  try {
    page = JSON.parse(json) as WirePage;
  } catch (error) {
    throw new ParleyError('unknown', 'the relay sent a history page that is not JSON', {
      cause: error,
    });
  }
  if (!page || !Array.isArray(page.messages)) {
    throw new ParleyError('unknown', 'the relay sent a history page without messages');
  }
  const messages = (page.messages as WireMessage[]).map((m) => {
    const userHeaders =
      m.headers && typeof m.headers === 'object' ? (m.headers as Record<string, string>) : {};
    const frame: InboundFrame = {
      headers: {
        ...userHeaders,
        'message-id': str(m.id) ?? '',
        'parley-sender': str(m.sender) ?? '',
        ...(str(m.senderName) !== undefined && { 'parley-sender-name': str(m.senderName) ?? '' }),
        'parley-timestamp': String(m.timestamp ?? ''),
        'parley-offset': String(m.offset ?? ''),
        'parley-epoch': str(m.epoch) ?? '',
      },
      body: decodeBody(m),
    };
    return toChatMessage(room, frame);
  });
  return { epoch: str(page.epoch) ?? messages.at(-1)?.epoch ?? '', messages };
}

/** The session side a history request needs. @internal */
export interface HistoryTransport {
  subscribe(destination: string, handler: (frame: InboundFrame) => void): string;
  publish(destination: string, headers: Record<string, string>): void;
}

/**
 * History over STOMP on one connection: subscribes to the SDK's reply queue on first use and
 * matches replies to requests by `parley-request-id`.
 *
 * @internal
 */
export class HistoryRequests {
  readonly #transport: HistoryTransport;
  readonly #waiting = new Map<
    string,
    { resolve(body: string): void; reject(e: ParleyError): void }
  >();
  #subscribed = false;
  #counter = 0;

  constructor(transport: HistoryTransport) {
    this.#transport = transport;
  }

  /** Asks for the newest `limit` messages of `target`; resolves with the page's JSON. */
  latest(target: string, limit: number): Promise<string> {
    try {
      if (!this.#subscribed) {
        this.#transport.subscribe(HISTORY_REPLY_QUEUE, (frame) => this.#reply(frame));
        this.#subscribed = true;
      }
      const id = `h-${++this.#counter}`;
      const promise = new Promise<string>((resolve, reject) =>
        this.#waiting.set(id, { resolve, reject }),
      );
      this.#transport.publish(HISTORY_DESTINATION, {
        'parley-target': target,
        'parley-limit': String(limit),
        'reply-to': HISTORY_REPLY_QUEUE,
        'parley-request-id': id,
      });
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The connection ended: every waiting request fails. */
  close(error: ParleyError): void {
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
  }

  #reply(frame: InboundFrame): void {
    const id = frame.headers['parley-request-id'];
    const waiting = id === undefined ? undefined : this.#waiting.get(id);
    if (!waiting || id === undefined) return;
    this.#waiting.delete(id);
    waiting.resolve(frame.body);
  }
}
