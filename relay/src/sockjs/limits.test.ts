/**
 * SockJS bounds with short configured timings: disconnect delay, heart-beats, a flood of sessions
 * that never poll, total and per-address limits, origins, tokens in URLs, slow consumers,
 * sessions bound to their client's address, and the streaming response limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConnectionGate } from '../net/connection-gate.js';
import { AddressSet } from '../net/ip.js';
import { request, sessionPath, sleep, startTestServer, stream } from './sockjs.harness.js';
import type { TestServer } from './sockjs.harness.js';
import { echoService, testEndpoints } from './test-services.js';
import type { Receiver } from './receiver.js';
import { SessionRegistry } from './registry.js';
import { SockJsSession } from './session.js';

const ECHO = '/sockjs-test/echo';
let server: TestServer | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('timeouts', () => {
  it('closes a session whose client stops polling after the disconnect delay', async () => {
    server = await startTestServer(testEndpoints(), { disconnectDelayMs: 300 });
    const path = sessionPath(ECHO, 'xhr');
    expect((await request(server.port, 'POST', path)).body).toBe('o\n');
    expect(server.registry.size).toBe(1);
    const send = path.replace(/xhr$/, 'xhr_send');
    expect((await request(server.port, 'POST', send, { body: '["x"]' })).status).toBe(204);
    await waitFor(() => server!.registry.size === 0);
    expect((await request(server.port, 'POST', send, { body: '["x"]' })).status).toBe(404);
    // The same id then opens a fresh session.
    expect((await request(server.port, 'POST', path)).body).toBe('o\n');
  });

  it('keeps a session alive while a receiving request is open, and sends h when idle', async () => {
    server = await startTestServer(testEndpoints(), { disconnectDelayMs: 300, heartbeatMs: 200 });
    const path = sessionPath(ECHO, 'xhr_streaming');
    const s = stream(server.port, 'POST', path);
    await s.until((t) => t.endsWith('o\n'));
    await s.until((t) => t.endsWith('o\nh\nh\n'), 3000);
    expect(server.registry.size).toBe(1);
    s.abort();
    await waitFor(() => server!.registry.size === 0);
    // A held poll is answered with h after the heart-beat period.
    const poll = sessionPath(ECHO, 'xhr');
    await request(server.port, 'POST', poll);
    const t0 = Date.now();
    expect((await request(server.port, 'POST', poll)).body).toBe('h\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('ends a streaming response after its byte limit; the next one gets the rest', async () => {
    server = await startTestServer(testEndpoints(), { streamingLimitBytes: 4096 });
    const path = sessionPath(ECHO, 'xhr_streaming');
    const first = stream(server.port, 'POST', path);
    await first.until((t) => t.endsWith('o\n'));
    const send = path.replace(/xhr_streaming$/, 'xhr_send');
    await request(server.port, 'POST', send, { body: JSON.stringify(['x'.repeat(3000)]) });
    const text = await first.ended;
    expect(text.endsWith(`a["${'x'.repeat(3000)}"]\n`)).toBe(true);
    await request(server.port, 'POST', send, { body: '["later"]' });
    const second = stream(server.port, 'POST', path);
    await second.until((t) => t.endsWith('a["later"]\n'));
    second.abort();
  });
});

describe('bounds', () => {
  it('a flood of sessions that never poll stays bounded and all of them expire', async () => {
    server = await startTestServer(testEndpoints(), { disconnectDelayMs: 500, maxSessions: 200 });
    const heapBefore = process.memoryUsage().heapUsed;
    const answers = await Promise.all(
      Array.from({ length: 250 }, () => request(server!.port, 'POST', sessionPath(ECHO, 'xhr'))),
    );
    const opened = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 503);
    expect(opened).toBe(200);
    expect(refused.length).toBe(50);
    expect(refused[0]!.headers['retry-after']).toBe('5');
    expect(server.registry.size).toBe(200);
    expect(server.bad.get('too-many-sessions')).toBe(50);
    // A few kilobytes per idle session at most.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
    await waitFor(() => server!.registry.size === 0, 5000);
    expect(server.registry.counts().get('xhr-polling')).toBe(0);
    expect((await request(server.port, 'POST', sessionPath(ECHO, 'xhr'))).status).toBe(200);
  });

  it('counts sessions against the per-address limits of the shared gate', async () => {
    const gate = new ConnectionGate(
      { maxPerAddress: 3, ratePerAddress: 0, burstPerAddress: 0 },
      new AddressSet([]),
    );
    server = await startTestServer(testEndpoints(), { disconnectDelayMs: 300 }, { gate });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await request(server.port, 'POST', sessionPath(ECHO, 'xhr'))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${ECHO}/websocket`);
    const refused = await new Promise<number>((r) =>
      ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)),
    );
    expect(refused).toBe(429);
    expect(server.bad.get('per-ip-limit')).toBe(2);
    // Released when the sessions expire.
    await waitFor(() => server!.registry.size === 0);
    expect((await request(server.port, 'POST', sessionPath(ECHO, 'xhr'))).status).toBe(200);
  });

  it('closes a slow consumer with c[4000,"slow-consumer"]', async () => {
    server = await startTestServer(testEndpoints(), { maxQueuedBytes: 1000 });
    const path = sessionPath(ECHO, 'xhr');
    await request(server.port, 'POST', path);
    const send = path.replace(/xhr$/, 'xhr_send');
    for (let i = 0; i < 3; i++) {
      await request(server.port, 'POST', send, { body: JSON.stringify(['y'.repeat(400)]) });
    }
    // What was queued under the limit still goes out, then the close frame.
    const body = (await request(server.port, 'POST', path)).body;
    expect(body).toBe(
      `a${JSON.stringify(['y'.repeat(400), 'y'.repeat(400)])}\nc[4000,"slow-consumer"]\n`,
    );
    expect((await request(server.port, 'POST', path)).body).toBe('c[4000,"slow-consumer"]\n');
  });
});

describe('who may use a session', () => {
  it('refuses other origins on every endpoint with 403', async () => {
    server = await startTestServer(testEndpoints(), { allowedOrigins: ['https://ok.example'] });
    const evil = { origin: 'https://evil.example' };
    const path = sessionPath(ECHO, 'xhr');
    for (const [method, p] of [
      ['GET', ECHO],
      ['GET', `${ECHO}/info`],
      ['OPTIONS', `${ECHO}/info`],
      ['POST', path],
      ['POST', path.replace(/xhr$/, 'xhr_streaming')],
      ['GET', path.replace(/xhr$/, 'eventsource')],
      ['POST', path.replace(/xhr$/, 'xhr_send')],
      ['GET', `${ECHO}/nothing`],
    ] as const) {
      const r = await request(server.port, method, p, { headers: evil });
      expect([method, p, r.status]).toEqual([method, p, 403]);
    }
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${sessionPath(ECHO, 'websocket')}`, {
      origin: 'https://evil.example',
    });
    const status = await new Promise<number>((r) =>
      ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    expect(server.registry.size).toBe(0);
    const ok = await request(server.port, 'POST', path, {
      headers: { origin: 'https://ok.example' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ok.example');
  });

  it('refuses a URL that carries a JWT', async () => {
    server = await startTestServer(testEndpoints());
    const jwtish = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
    const r = await request(server.port, 'GET', `${ECHO}/info?access_token=${jwtish}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain('CONNECT');
    const x = await request(server.port, 'POST', `${sessionPath(ECHO, 'xhr')}?token=${jwtish}`);
    expect(x.status).toBe(400);
    expect(server.registry.size).toBe(0);
  });

  it('binds a session to the address that opened it', async () => {
    server = await startTestServer(
      [{ prefix: ECHO, service: echoService }],
      {},
      { trustedProxies: ['127.0.0.1'] },
    );
    const path = sessionPath(ECHO, 'xhr');
    const alice = { 'x-forwarded-for': '192.0.2.10' };
    const mallory = { 'x-forwarded-for': '192.0.2.66' };
    expect((await request(server.port, 'POST', path, { headers: alice })).body).toBe('o\n');
    const send = path.replace(/xhr$/, 'xhr_send');
    const stolen = await request(server.port, 'POST', send, { body: '["x"]', headers: mallory });
    expect(stolen.status).toBe(404);
    const peek = await request(server.port, 'POST', path, { headers: mallory });
    expect(peek.status).toBe(404);
    expect(
      (await request(server.port, 'POST', send, { body: '["x"]', headers: alice })).status,
    ).toBe(204);
    expect((await request(server.port, 'POST', path, { headers: alice })).body).toBe('a["x"]\n');
  });
});

describe('relay drain', () => {
  const settings = {
    allowedOrigins: [],
    heartbeatMs: 0,
    disconnectDelayMs: 60_000,
    maxSessions: 10,
    maxQueuedBytes: 1024,
    maxSendBytes: 1024,
    streamingLimitBytes: 4096,
  };
  const who = { key: '127.0.0.1', peer: '127.0.0.1', forwarding: { forwardedFor: '', realIp: '' } };

  it('refuses new sessions and raw WebSocket places with 503 draining while the relay drains', () => {
    const relay: { retryAfter?: number } = {};
    const registry = new SessionRegistry(settings, undefined, () => relay.retryAfter);
    const open = registry.open('/sockjs/a', 'xhr-polling', who);
    expect(open).toBeInstanceOf(SockJsSession);
    relay.retryAfter = 2;
    for (const refused of [
      registry.open('/sockjs/b', 'xhr-streaming', who),
      registry.reserve('/sockjs/raw:1', 'raw-websocket', who),
    ]) {
      expect(refused).toEqual({
        kind: 'draining',
        status: '503 Service Unavailable',
        message: 'this relay is shutting down: connect to another one',
        retryAfter: 2,
      });
    }
    expect(registry.size).toBe(1);
    (open as SockJsSession).abort();
  });

  it('counts server-closed sessions until a receiver has taken the close frame; onClose gets the code', () => {
    const registry = new SessionRegistry(settings);
    const s = registry.open('/sockjs/a', 'xhr-polling', who) as SockJsSession;
    const codes: number[] = [];
    s.bind({ onMessage: () => undefined, onClose: (code) => codes.push(code) });
    s.transport.close(1001, 'server-shutdown');
    expect(codes).toEqual([1001]);
    expect(registry.closePending()).toBe(1);
    const written: string[] = [];
    const poll = (): Receiver => ({
      polling: true,
      writable: true,
      write: (frames) => written.push(...frames),
      bufferedAmount: () => 0,
      end: () => undefined,
    });
    // A first poll takes `o` alone; the next one the close frame.
    const first = poll();
    s.attach(first);
    expect(registry.closePending()).toBe(1);
    s.detach(first);
    s.attach(poll());
    expect(written).toEqual(['o', 'c[1001,"server-shutdown"]']);
    expect(registry.closePending()).toBe(0);
    s.abort();
    expect(codes).toEqual([1001]);
    expect(registry.size).toBe(0);
  });

  it('a session the client left reports 1006 after the disconnect delay, its WebSocket code otherwise', () => {
    const registry = new SessionRegistry(settings);
    const left = registry.open('/sockjs/a', 'xhr-polling', who) as SockJsSession;
    const ws = registry.open('/sockjs/b', 'websocket', who) as SockJsSession;
    const codes: number[] = [];
    left.bind({ onMessage: () => undefined, onClose: (code) => codes.push(code) });
    ws.bind({ onMessage: () => undefined, onClose: (code) => codes.push(code) });
    left.abort();
    ws.abort(1000);
    expect(codes).toEqual([1006, 1000]);
  });
});
