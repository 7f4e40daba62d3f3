/**
 * Helpers for SDK integration tests against real relay processes.
 */
import WebSocket from 'ws';
import { createClient } from '../client.js';
import type { ParleyClient } from '../client.js';
import type { Room } from '../room.js';
import type { ChatMessage, ClientOptions, WebSocketLike } from '../types.js';

export const GRANTS = { sub: ['/topic/room.*'], pub: ['/topic/room.*'] };

/** A `ws` factory that counts the sockets it made and can be wrapped. */
export function wsFactory() {
  const sockets: WebSocket[] = [];
  return {
    sockets,
    open: () => sockets.filter((s) => s.readyState !== WebSocket.CLOSED),
    factory: (url: string, protocols: string[]): WebSocketLike => {
      const socket = new WebSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocketLike;
    },
  };
}

/** A client on `ws` with fast reconnects, remembered for cleanup. */
export function testClient(
  options: Partial<ClientOptions> & Pick<ClientOptions, 'url' | 'token'>,
  all: ParleyClient[],
): ParleyClient {
  const client = createClient({
    webSocketFactory: wsFactory().factory,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, shutdownSpreadMs: 300 },
    ...options,
  });
  all.push(client);
  return client;
}

/**
 * The view a UI would keep of a room: messages appended on `message`, replaced on `resync`.
 * `seen` counts every delivery by body (to prove exactly-once).
 */
export function roomView(room: Room) {
  let view: ChatMessage[] = [];
  const deliveries = new Map<string, number>();
  let resyncs = 0;
  const count = (m: ChatMessage) => deliveries.set(m.body, (deliveries.get(m.body) ?? 0) + 1);
  room.on('message', (m) => {
    view.push(m);
    count(m);
  });
  room.on('resync', (e) => {
    resyncs++;
    view = [...e.messages];
    for (const m of e.messages) count(m);
  });
  return {
    bodies: () => view.map((m) => m.body),
    view: () => view,
    deliveries,
    resyncs: () => resyncs,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
