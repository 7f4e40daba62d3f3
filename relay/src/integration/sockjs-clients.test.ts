/**
 * The real `sockjs-client` in Node against a relay process, forcing each transport in turn
 * (`websocket`, `xhr-streaming`, `xhr-polling`, `eventsource` — sockjs-client brings its own
 * Node drivers: `faye-websocket`, node:http and the `eventsource` package), with
 * `@stomp/stompjs` and the legacy `stompjs` 2.x client (`Stomp.over(sock)`) on top: connect
 * with a JWT, subscribe, send, receive a Korean message intact, disconnect.
 */
import { createRequire } from 'node:module';
import { Client } from '@stomp/stompjs';
import type { IMessage } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { eventually, within } from './stomp-clients.js';

const require = createRequire(import.meta.url);

interface LegacyFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}
interface StompJsClient {
  debug: ((message: string) => void) | null;
  connect(
    headers: Record<string, string>,
    onConnected: (frame: LegacyFrame) => void,
    onError?: (error: LegacyFrame | string) => void,
  ): void;
  subscribe(destination: string, callback: (message: LegacyFrame) => void): { id: string };
  send(destination: string, headers?: Record<string, string>, body?: string): void;
  disconnect(callback?: () => void): void;
}
const Stomp = require('stompjs') as { over(socket: unknown): StompJsClient };

const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'] as const;
const KOREAN = '안녕하세요 👋';
const GRANTS = { sub: ['/sub/**'], pub: ['/sub/**'] };

let relay: RelayProcess;
let sockjsUrl: string;
const token = (sub: string): string => signToken(relay.secret, { sub, parley: GRANTS });

beforeAll(async () => {
  relay = await spawnRelay();
  sockjsUrl = `${relay.httpUrl}/sockjs`;
});
afterAll(async () => {
  await relay?.stop();
});

/** A SockJS socket forced onto one transport; `opened` says which one it used. */
function sockjs(transport: string): { sock: InstanceType<typeof SockJS>; opened: Promise<string> } {
  const sock = new SockJS(sockjsUrl, undefined, { transports: [transport], timeout: 5000 });
  const opened = new Promise<string>((resolve) =>
    sock.addEventListener('open', () =>
      resolve((sock as unknown as { transport: string }).transport),
    ),
  );
  return { sock, opened };
}

describe.each(TRANSPORTS)('sockjs-client over %s', (transport) => {
  it('@stomp/stompjs: connect with a JWT, subscribe, send, receive Korean intact, disconnect', async () => {
    let used: Promise<string> | undefined;
    const client = new Client({
      webSocketFactory: () => {
        const s = sockjs(transport);
        used = s.opened;
        return s.sock;
      },
      connectHeaders: { Authorization: `Bearer ${token('alice')}` },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    const connected = new Promise<void>((resolve, reject) => {
      client.onConnect = () => resolve();
      client.onStompError = (f) => reject(new Error(f.headers.message));
    });
    client.activate();
    await within(connected, 10_000, `CONNECTED over ${transport}`);
    expect(await used).toBe(transport);
    const room = `/sub/chat/rooms/${transport}`;
    const inbox: IMessage[] = [];
    const subscribed = new Promise<void>((resolve) => {
      client.watchForReceipt('sub-1', () => resolve());
    });
    client.subscribe(room, (m) => inbox.push(m), { receipt: 'sub-1' });
    await within(subscribed, 5000, 'subscription receipt');
    client.publish({ destination: `/pub/chat/rooms/${transport}`, body: KOREAN });
    await eventually(() => inbox.length === 1, 10_000, 'message back');
    expect(inbox[0]!.body).toBe(KOREAN);
    expect(inbox[0]!.headers['parley-sender']).toBe('alice');
    expect(inbox[0]!.headers.destination).toBe(room);
    await client.deactivate();
  });

  it('stompjs 2.x: Stomp.over(new SockJS(url)), as the seeds write it', async () => {
    const { sock, opened } = sockjs(transport);
    const client = Stomp.over(sock);
    client.debug = null;
    const received: LegacyFrame[] = [];
    const roomId = `legacy-${transport}`;
    await within(
      new Promise<void>((resolve, reject) =>
        client.connect(
          { Authorization: `Bearer ${token('bob')}` },
          () => {
            client.subscribe('/sub/chat/rooms/' + roomId, (m) => received.push(m));
            resolve();
          },
          (e) => reject(new Error(typeof e === 'string' ? e : e.headers.message)),
        ),
      ),
      10_000,
      `stompjs CONNECTED over ${transport}`,
    );
    expect(await opened).toBe(transport);
    // The SUBSCRIBE went out before this SEND on the same session: frames are handled in order.
    client.send('/pub/chat/rooms/' + roomId, {}, JSON.stringify({ type: 'TALK', message: KOREAN }));
    await eventually(() => received.length === 1, 10_000, 'legacy message back');
    expect(JSON.parse(received[0]!.body)).toEqual({ type: 'TALK', message: KOREAN });
    expect(received[0]!.headers['parley-sender']).toBe('bob');
    const closed = new Promise<void>((r) => sock.addEventListener('close', () => r()));
    client.disconnect();
    await within(closed, 5000, 'socket closed after DISCONNECT');
  });
});

describe('STOMP over SockJS refusals', () => {
  it('a bad token gets the ERROR frame, then the SockJS close', async () => {
    const { sock } = sockjs('xhr-polling');
    const client = Stomp.over(sock);
    client.debug = null;
    const errors: Array<LegacyFrame | string> = [];
    client.connect(
      { Authorization: 'Bearer not-a-jwt' },
      () => undefined,
      (e) => errors.push(e),
    );
    await eventually(() => errors.length === 2, 10_000, 'ERROR then close');
    const frame = errors[0] as LegacyFrame;
    expect(frame.command).toBe('ERROR');
    expect(frame.headers['parley-reason']).toBe('token-invalid');
  });

  it('sessions show in /metrics by transport', async () => {
    const text = await fetch(`${relay.httpUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/parley_sockjs_sessions\{transport="xhr-streaming"\} \d+/);
    expect(text).toContain('parley_sockjs_bad_requests_total');
  });
});
