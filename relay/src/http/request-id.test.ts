import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUws } from '../uws.js';
import { requestId, withRequestIds } from './request-id.js';

const { uws } = loadUws();
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    for (const line of chunk.toString().split('\n'))
      if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
    cb();
  },
});
let base = '';
let listen: unknown;

beforeAll(async () => {
  const app = uws.App();
  const api = withRequestIds(app, pino({ level: 'info' }, sink));
  api.get('/api/plain', (res) => {
    res.end('ok');
  });
  api.post('/api/created', (res) => {
    res.onAborted(() => undefined);
    res.onData((_chunk, last) => {
      if (last) res.cork(() => res.writeStatus('201 Created').writeHeader('x-a', 'b').end('made'));
    });
  });
  app.get('/healthz', (res) => {
    res.end('up');
  });
  await new Promise<void>((resolve) =>
    app.listen('127.0.0.1', 0, (socket) => {
      listen = socket;
      base = `http://127.0.0.1:${uws.us_socket_local_port(socket as never)}`;
      resolve();
    }),
  );
});
afterAll(() => uws.us_listen_socket_close(listen as never));

describe('request ids on the HTTP API', () => {
  it('keeps a safe incoming id and refuses an unsafe one', () => {
    expect(requestId('abc-123.x:y_z')).toBe('abc-123.x:y_z');
    expect(requestId('')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId('evil\nline')).not.toContain('evil');
    expect(requestId('x'.repeat(129))).toHaveLength(36);
  });

  it('echoes X-Request-Id and logs it with method, path, status and no query or body', async () => {
    const res = await fetch(`${base}/api/created?secret=q1`, {
      method: 'POST',
      headers: { 'x-request-id': 'req-42', authorization: 'Bearer tok-SECRET-1' },
      body: 'body-SECRET-2',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect(res.headers.get('x-a')).toBe('b');
    expect(await res.text()).toBe('made');
    const line = lines.find((l) => l.requestId === 'req-42');
    expect(line).toMatchObject({ method: 'POST', path: '/api/created', status: 201 });
    const all = JSON.stringify(lines);
    for (const secret of ['q1', 'SECRET']) expect(all).not.toContain(secret);
  });

  it('generates an id when none is sent, also when the handler writes no status', async () => {
    const res = await fetch(`${base}/api/plain`);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.find((l) => l.requestId === id)).toMatchObject({ status: 200, method: 'GET' });
  });

  it('leaves routes registered on the app itself alone', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.headers.get('x-request-id')).toBeNull();
  });
});
