import { describe, expect, it, vi } from 'vitest';
import { sockjsUrlFor } from './sockjs-factory.js';
import { transportFactory } from './transport.js';
import type { TransportSettings } from './transport.js';
import type { WebSocketLike } from './types.js';

/** A socket that does nothing until the test says so. */
function fakeSocket(url: string): WebSocketLike & { fire(event: 'open' | 'close'): void } {
  const s = {
    url,
    readyState: 0,
    onopen: null,
    onmessage: null,
    onerror: null,
    onclose: null,
    send: vi.fn(),
    close: vi.fn(),
    fire(event: 'open' | 'close') {
      s.readyState = event === 'open' ? 1 : 3;
      const h = (event === 'open' ? s.onopen : s.onclose) as ((e: unknown) => void) | null;
      h?.({ code: 1006 });
    },
  };
  return s;
}

function settings(
  over: Partial<TransportSettings>,
): TransportSettings & { sockets: ReturnType<typeof fakeSocket>[] } {
  const sockets: ReturnType<typeof fakeSocket>[] = [];
  class FakeSockJs {
    constructor(url: string) {
      const s = fakeSocket(url);
      sockets.push(s);
      return s;
    }
  }
  return {
    mode: 'auto',
    webSocket: (url) => {
      const s = fakeSocket(url);
      sockets.push(s);
      return s;
    },
    sockjsUrl: sockjsUrlFor,
    loadSockJs: () => Promise.resolve(FakeSockJs as never),
    webSocketOpenTimeoutMs: 0,
    opened: vi.fn(),
    sockets,
    ...over,
  };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('sockjsUrlFor', () => {
  it('turns the WebSocket URL into the SockJS one', () => {
    expect(sockjsUrlFor('wss://chat.example.com/ws')).toBe('https://chat.example.com/sockjs');
    expect(sockjsUrlFor('ws://127.0.0.1:8080/ws')).toBe('http://127.0.0.1:8080/sockjs');
    expect(sockjsUrlFor('wss://x.example/chat/ws/')).toBe('https://x.example/chat/sockjs');
    expect(sockjsUrlFor('wss://x.example/other?a=1')).toBe('https://x.example/other');
  });
});

describe('transportFactory', () => {
  it('auto: a WebSocket that closes before opening becomes SockJS; later attempts go there first', async () => {
    const s = settings({});
    const factory = transportFactory(s);
    const socket = factory('ws://h/ws', ['v12.stomp']);
    const onopen = vi.fn();
    socket.onopen = onopen as never;
    s.sockets[0]!.fire('close');
    await tick();
    expect(s.sockets[1]!.url).toBe('http://h/sockjs');
    s.sockets[1]!.fire('open');
    expect(onopen).toHaveBeenCalledOnce();
    expect(s.opened).toHaveBeenCalledWith('sockjs');
    // The next attempt skips the WebSocket.
    factory('ws://h/ws', ['v12.stomp']);
    await tick();
    expect(s.sockets).toHaveLength(3);
    expect(s.sockets[2]!.url).toBe('http://h/sockjs');
  });

  it('auto: a WebSocket that neither opens nor fails in time is given up', async () => {
    vi.useFakeTimers();
    try {
      const s = settings({ webSocketOpenTimeoutMs: 1000 });
      transportFactory(s)('ws://h/ws', []);
      await vi.advanceTimersByTimeAsync(999);
      expect(s.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(2);
      expect(s.sockets).toHaveLength(2);
      expect(s.sockets[0]!.close).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('websocket: a close before open is reported, with no fallback', () => {
    const s = settings({ mode: 'websocket' });
    const socket = transportFactory(s)('ws://h/ws', []);
    const onclose = vi.fn();
    socket.onclose = onclose as never;
    s.sockets[0]!.fire('close');
    expect(onclose).toHaveBeenCalledOnce();
    expect(s.sockets).toHaveLength(1);
  });

  it('a socket closed while sockjs-client loads reports its close and opens nothing', async () => {
    let release!: () => void;
    const s = settings({ mode: 'sockjs' });
    const load = s.loadSockJs;
    s.loadSockJs = () => new Promise((r) => (release = () => void r(load())));
    const socket = transportFactory(s)('ws://h/ws', []);
    const onclose = vi.fn();
    socket.onclose = onclose as never;
    socket.close();
    release();
    await tick();
    await tick();
    expect(onclose).toHaveBeenCalledOnce();
    expect(s.sockets).toHaveLength(0);
    expect(socket.readyState).toBe(3);
  });
});
