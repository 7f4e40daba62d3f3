/**
 * Client helpers shared by the integration tests: @stomp/stompjs clients over `ws` with an
 * inbox per subscription, receipts as promises, and a polling `eventually`.
 */
import { Client, Versions } from '@stomp/stompjs';
import type { IFrame, IMessage, StompHeaders } from '@stomp/stompjs';
import WebSocket from 'ws';

let receiptSeq = 0;

/** A fresh receipt id. */
export function receiptId(prefix = 'r'): string {
  return `${prefix}-${++receiptSeq}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls `check` every 10 ms until it is true; throws with `what` after `ms`. */
export async function eventually(
  check: () => boolean,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface StompClientOptions {
  /** Heart-beat periods both ways, in ms (0 = none, the default). */
  heartbeat?: number;
  /**
   * Silent heart-beat periods stompjs tolerates before it drops the connection (its default
   * is 2). A busy test process can stall for a few hundred ms; more periods keep that from
   * looking like a dead relay.
   */
  heartbeatGracePeriods?: number;
  /** STOMP versions offered in `accept-version` (stompjs default: 1.2,1.1,1.0). */
  versions?: string[];
  /** WebSocket sub-protocols (default `v12.stomp`). */
  protocols?: string[];
  /** CONNECT headers instead of `Authorization: Bearer <token>` (e.g. login/passcode). */
  connectHeaders?: StompHeaders;
}

/** A connected stompjs client that records what happens to it. */
export interface StompTestClient {
  client: Client;
  /** The relay's CONNECTED frame. */
  connected: IFrame;
  /** ERROR frames received. */
  errors: IFrame[];
  /** WebSocket close codes seen. */
  closes: number[];
  /** Heart-beats received from the relay. */
  heartbeats: () => number;
  /** Subscribes with a receipt and resolves, once the relay listens, with the message inbox. */
  subscribe(destination: string, headers?: StompHeaders): Promise<IMessage[]>;
  /**
   * Subscribes with a receipt and a custom callback (for acks).
   * Resolves with the subscription id once the relay listens.
   */
  subscribeWith(
    destination: string,
    onMessage: (m: IMessage) => void,
    headers?: StompHeaders,
  ): Promise<string>;
  /** Publishes with a receipt and resolves once the relay has handled the SEND. */
  publish(destination: string, body: string, headers?: StompHeaders): Promise<void>;
  /** Resolves once the relay answers a receipt requested by `send(receipt)`. */
  receipt(send: (receipt: string) => void, ms?: number): Promise<IFrame>;
  /** DISCONNECT with a receipt (stompjs waits for it) and stop. */
  disconnect(): Promise<void>;
}

/** Opens a @stomp/stompjs client to `url` with a bearer token, and waits for CONNECTED. */
export async function stompClient(
  url: string,
  token: string,
  options: StompClientOptions = {},
): Promise<StompTestClient> {
  const errors: IFrame[] = [];
  const closes: number[] = [];
  let heartbeats = 0;
  const hb = options.heartbeat ?? 0;
  const client = new Client({
    brokerURL: url,
    webSocketFactory: () => new WebSocket(url, options.protocols ?? ['v12.stomp']),
    connectHeaders: options.connectHeaders ?? { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: hb,
    heartbeatOutgoing: hb,
    ...(options.heartbeatGracePeriods !== undefined && {
      heartbeatGracePeriods: options.heartbeatGracePeriods,
    }),
    ...(options.versions && { stompVersions: new Versions(options.versions) }),
    onHeartbeatReceived: () => void heartbeats++,
    debug: () => undefined,
  });
  const connected = await within(
    new Promise<IFrame>((resolve, reject) => {
      client.onConnect = (f) => resolve(f);
      client.onStompError = (f) => {
        errors.push(f);
        reject(new Error(`ERROR ${f.headers['parley-reason']}: ${f.headers.message}`));
      };
      client.onWebSocketError = () => reject(new Error('websocket error'));
      client.onWebSocketClose = (e: { code: number }) => {
        closes.push(e.code);
        reject(new Error(`websocket closed with ${e.code} before CONNECTED`));
      };
      client.activate();
    }),
    10_000,
    'CONNECTED',
  );
  client.onStompError = (f) => void errors.push(f);
  client.onWebSocketClose = (e: { code: number }) => void closes.push(e.code);
  client.onWebSocketError = () => undefined;

  const receipt = (send: (id: string) => void, ms = 5000): Promise<IFrame> => {
    const id = receiptId();
    const done = new Promise<IFrame>((r) => client.watchForReceipt(id, r));
    send(id);
    return within(done, ms, `RECEIPT ${id}`);
  };
  const subscribeWith = async (
    destination: string,
    onMessage: (m: IMessage) => void,
    headers: StompHeaders = {},
  ): Promise<string> => {
    let id = '';
    await receipt((r) => {
      id = client.subscribe(destination, onMessage, { ...headers, receipt: r }).id;
    });
    return id;
  };
  return {
    client,
    connected,
    errors,
    closes,
    heartbeats: () => heartbeats,
    receipt,
    subscribeWith,
    async subscribe(destination, headers = {}) {
      const inbox: IMessage[] = [];
      await subscribeWith(destination, (m) => inbox.push(m), headers);
      return inbox;
    },
    async publish(destination, body, headers = {}) {
      await receipt((r) =>
        client.publish({ destination, body, headers: { ...headers, receipt: r } }),
      );
    },
    async disconnect() {
      await within(client.deactivate(), 5000, 'deactivate');
    },
  };
}

/** Text of a STOMP frame body. */
export function text(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}
