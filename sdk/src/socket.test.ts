import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { STOMP_PROTOCOLS, failedSocket, redact, resolveFactory } from './socket.js';
import type { WebSocketFactory, WebSocketLike } from './types.js';

describe('resolveFactory', () => {
  it('uses the given factory', () => {
    const factory: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols);
    expect(resolveFactory(factory, {})).toBe(factory);
  });

  it('throws a TypeError that names the ws fix when there is no global WebSocket', () => {
    expect(() => resolveFactory(undefined, {})).toThrow(TypeError);
    expect(() => resolveFactory(undefined, {})).toThrow(
      /webSocketFactory: \(url, p\) => new WebSocket\(url, p\)/,
    );
  });

  it('falls back to the global WebSocket', () => {
    const made: unknown[] = [];
    class GlobalWebSocket {
      constructor(...args: unknown[]) {
        made.push(args);
      }
    }
    resolveFactory(undefined, { WebSocket: GlobalWebSocket })('ws://x/ws', STOMP_PROTOCOLS);
    expect(made).toEqual([['ws://x/ws', STOMP_PROTOCOLS]]);
  });

  it('accepts both the ws and the DOM WebSocket types (compile-time check)', () => {
    const fromWs: WebSocketFactory = (url, p) => new WebSocket(url, p);
    const fromDom: WebSocketFactory = (url, p) => new globalThis.WebSocket(url, p);
    expect([fromWs, fromDom]).toHaveLength(2);
  });
});

describe('failedSocket', () => {
  it('reports a close on the next tick', async () => {
    const socket: WebSocketLike = failedSocket('nope', 'Invalid URL');
    const closed = new Promise((resolve) => {
      socket.onclose = resolve as (event: never) => void;
    });
    await expect(closed).resolves.toMatchObject({ code: 1006, reason: 'Invalid URL' });
  });
});

describe('redact', () => {
  it('hides the token in protocol logs', () => {
    const line = '>>> CONNECT\nhost:x\nAuthorization:Bearer eyJ.secret.sig\npasscode:eyJ2\n\n';
    expect(redact(line)).toBe(
      '>>> CONNECT\nhost:x\nAuthorization:<redacted>\npasscode:<redacted>\n\n',
    );
  });
});
