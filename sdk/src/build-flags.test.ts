import { TickerStrategy } from '@stomp/stompjs';
import { describe, expect, it, vi } from 'vitest';
import { createClient } from './client.js';
import { isParleyError } from './errors.js';
import { tickerStrategy } from './heartbeat.js';
import type { WebSocketFactory, WebSocketLike } from './types.js';

// The lean build (the widget's): `build-flags.js` exports `FULL = false`.
vi.mock('./build-flags.js', () => ({ FULL: false }));

const socket = (url: string): WebSocketLike => ({
  url,
  readyState: 0,
  onopen: null,
  onmessage: null,
  onerror: null,
  onclose: null,
  send() {},
  close() {},
});

const unsupported = (e: unknown): boolean => isParleyError(e, 'unsupported');

describe('a lean build (FULL = false)', () => {
  const factory: WebSocketFactory = vi.fn((url: string) => socket(url));
  const client = createClient({ url: 'ws://relay/ws', token: 't', webSocketFactory: factory });

  it('has no direct conversations: dm() and on("dm") throw unsupported', () => {
    expect(() => client.dm('bob')).toThrow(expect.objectContaining({ reason: 'unsupported' }));
    let error: unknown;
    try {
      client.on('dm', () => undefined);
    } catch (e) {
      error = e;
    }
    expect(unsupported(error)).toBe(true);
    expect(client.room('lobby').id).toBe('lobby');
  });

  it('is WebSocket only: transport sockjs throws unsupported, auto uses the WebSocket', () => {
    let error: unknown;
    try {
      createClient({ url: 'ws://relay/ws', token: 't', transport: 'sockjs' });
    } catch (e) {
      error = e;
    }
    expect(unsupported(error)).toBe(true);
    expect(() =>
      createClient({
        url: 'ws://r/ws',
        token: 't',
        transport: 'websocket',
        webSocketFactory: factory,
      }),
    ).not.toThrow();
  });

  it('runs heart-beats on timers, never the Worker ticker', () => {
    expect(tickerStrategy('worker')).toBe(TickerStrategy.Interval);
    expect(tickerStrategy('auto')).toBe(TickerStrategy.Interval);
  });
});
