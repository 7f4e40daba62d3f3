/**
 * SockJS sessions in the relay's lifecycle, with the real `sockjs-client` and `@stomp/stompjs`:
 * every SockJS session that ends writes one `connection closed` log line (transport
 * `sockjs-<transport>`, never the token), and a draining relay (SIGTERM, `PARLEY_DRAIN_MS`)
 * refuses new SockJS sessions as it refuses `/ws` upgrades (503, `Retry-After`,
 * `parley-reason: draining`, counted as `parley_connections_refused_total{reason="draining"}`)
 * while its open SockJS sessions get `ERROR server-shutdown` with `parley-reconnect-after`.
 */
import { Client } from '@stomp/stompjs';
import type { IFrame } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';
import { eventually, within } from './stomp-clients.js';

const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'] as const;
const GRANTS = { sub: ['/sub/**'], pub: ['/sub/**'] };

interface LogLine {
  msg?: string;
  user?: string;
  transport?: string;
  reason?: string;
  code?: number;
  framesIn?: number;
  framesOut?: number;
}

function logLines(relay: RelayProcess): Array<{ raw: string; line: LogLine }> {
  return relay
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((raw) => ({ raw, line: JSON.parse(raw) as LogLine }));
}

function closedLines(relay: RelayProcess, user: string): Array<{ raw: string; line: LogLine }> {
  return logLines(relay).filter((l) => l.line.msg === 'connection closed' && l.line.user === user);
}

/** A @stomp/stompjs client over sockjs-client forced onto `transport`; no reconnects. */
function stompOverSockJs(
  relay: RelayProcess,
  transport: string,
  token: string,
): { client: Client; connected: Promise<void>; errors: IFrame[] } {
  const errors: IFrame[] = [];
  const client = new Client({
    webSocketFactory: () =>
      new SockJS(`${relay.httpUrl}/sockjs`, undefined, { transports: [transport], timeout: 5000 }),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  const connected = new Promise<void>((resolve) => {
    client.onConnect = () => resolve();
  });
  client.onStompError = (f) => errors.push(f);
  client.activate();
  return { client, connected, errors };
}

/** The status and headers of a WebSocket upgrade the relay refused. */
function refusedUpgrade(url: string): Promise<{ status: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> });
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error(`upgrade to ${url} was accepted`));
    });
    ws.on('error', () => undefined);
  });
}

const relays: RelayProcess[] = [];
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
});

describe('SockJS connection log', () => {
  it.each(TRANSPORTS)(
    'a SockJS session over %s logs one `connection closed` line without the token',
    async (transport) => {
      const relay = await spawnRelay();
      relays.push(relay);
      const user = `log-${transport}`;
      const token = signToken(relay.secret, { sub: user, parley: GRANTS });
      const { client, connected } = stompOverSockJs(relay, transport, token);
      await within(connected, 10_000, `CONNECTED over ${transport}`);
      await client.deactivate();
      await eventually(() => closedLines(relay, user).length > 0, 10_000, 'connection closed line');
      // Nothing more comes for it (no second line from the SockJS close or the disconnect delay).
      await new Promise((r) => setTimeout(r, 300));
      const lines = closedLines(relay, user);
      expect(lines).toHaveLength(1);
      const { raw, line } = lines[0]!;
      expect(line.transport).toBe(`sockjs-${transport}`);
      expect(line.reason).toBe('disconnect');
      expect(line.framesIn).toBeGreaterThanOrEqual(2); // CONNECT, DISCONNECT
      expect(line.framesOut).toBeGreaterThanOrEqual(1); // CONNECTED
      expect(raw).not.toContain(token);
      expect(raw).not.toContain(token.split('.')[2]!);
      await relay.stop();
    },
  );

  it('a client that just closes its SockJS WebSocket is logged as client-closed', async () => {
    const relay = await spawnRelay();
    relays.push(relay);
    const user = 'log-ws-close';
    const token = signToken(relay.secret, { sub: user, parley: GRANTS });
    const { client, connected } = stompOverSockJs(relay, 'websocket', token);
    await within(connected, 10_000, 'CONNECTED');
    // No DISCONNECT: the socket just closes.
    client.webSocket?.close();
    await eventually(() => closedLines(relay, user).length > 0, 10_000, 'connection closed line');
    const [{ raw, line }] = closedLines(relay, user) as [{ raw: string; line: LogLine }];
    expect(line.transport).toBe('sockjs-websocket');
    expect(line.reason).toBe('client-closed');
    expect(raw).not.toContain(token);
    await client.deactivate();
    await relay.stop();
  });
});

describe('SockJS and the drain', () => {
  it('a draining relay refuses new SockJS sessions (503) and ends the open ones with server-shutdown', async () => {
    const relay = await spawnRelay({ env: { PARLEY_DRAIN_MS: '2000' }, timeoutMs: 30_000 });
    relays.push(relay);
    expect(relay.pid).toBeDefined();
    const clients = TRANSPORTS.map((t) =>
      stompOverSockJs(relay, t, signToken(relay.secret, { sub: `drain-${t}`, parley: GRANTS })),
    );
    await within(
      Promise.all(clients.map((c) => c.connected)),
      15_000,
      'every SockJS client CONNECTED',
    );

    // SIGTERM to the child pid, as a process manager sends it.
    process.kill(relay.pid!, 'SIGTERM');
    const until = Date.now() + 5000;
    while ((await fetch(`${relay.httpUrl}/readyz`)).status !== 503) {
      if (Date.now() > until) throw new Error('/readyz did not turn 503');
      await new Promise((r) => setTimeout(r, 20));
    }

    // New sessions, on every SockJS transport, are refused like /ws upgrades.
    const base = `${relay.httpUrl}/sockjs/123/drainnew`;
    for (const [path, method] of [
      ['xhr', 'POST'],
      ['xhr_streaming', 'POST'],
      ['eventsource', 'GET'],
    ] as const) {
      const res = await fetch(`${base}-${path}/${path}`, { method });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('parley-reason'), path).toBe('draining');
      expect(Number(res.headers.get('retry-after')), path).toBeGreaterThanOrEqual(1);
      await res.body?.cancel();
    }
    const wsBase = relay.httpUrl.replace('http:', 'ws:');
    for (const url of [
      `${wsBase}/sockjs/123/drainnew-ws/websocket`,
      `${wsBase}/sockjs/websocket`,
    ]) {
      const refused = await refusedUpgrade(url);
      expect(refused.status, url).toBe(503);
      expect(refused.headers['parley-reason'], url).toBe('draining');
      expect(Number(refused.headers['retry-after']), url).toBeGreaterThanOrEqual(1);
    }
    const metrics = await fetch(`${relay.httpUrl}/metrics`).then((r) => r.text());
    const refusals = /^parley_connections_refused_total\{reason="draining"\} (\d+)$/m.exec(metrics);
    expect(Number(refusals?.[1])).toBe(5);
    expect(metrics).not.toMatch(/parley_sockjs_bad_requests_total\{kind="draining"\}/);

    // The open sessions, on every transport, get the ERROR with the reconnect hint.
    await eventually(
      () => clients.every((c) => c.errors.length > 0),
      10_000,
      'server-shutdown ERROR on every SockJS session',
    );
    for (const c of clients) {
      expect(c.errors[0]!.headers['parley-reason']).toBe('server-shutdown');
      expect(c.errors[0]!.headers['parley-reconnect-after']).toBe('2000');
    }
    expect(await relay.exited()).toBe(0);
    for (const t of TRANSPORTS) {
      const lines = closedLines(relay, `drain-${t}`);
      expect(lines, t).toHaveLength(1);
      expect(lines[0]!.line).toMatchObject({
        transport: `sockjs-${t}`,
        reason: 'server-shutdown',
        code: 1001,
      });
    }
    await Promise.all(clients.map((c) => c.client.deactivate()));
  }, 60_000);
});
