/**
 * SockJS 0.3 at the HTTP level, with plain node:http requests (HTTP/1.1) and raw sockets
 * (HTTP/1.0, bytes as sent): every endpoint's status codes, headers and framing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawExchange, request, sessionPath, startTestServer, stream } from './sockjs.harness.js';
import type { TestServer } from './sockjs.harness.js';
import { testEndpoints } from './test-services.js';

const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const ECHO = '/sockjs-test/echo';
const CLOSE = '/sockjs-test/close';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer(testEndpoints());
  port = server.port;
});
afterAll(() => server.close());

describe('greeting and /info', () => {
  it('answers the base URL with the greeting, with and without a slash', async () => {
    for (const path of [ECHO, `${ECHO}/`]) {
      const r = await request(port, 'GET', path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8');
      expect(r.body).toBe('Welcome to SockJS!\n');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    const post = await request(port, 'POST', ECHO, { body: '' });
    expect(post.status).toBe(405);
  });

  it('describes the server at /info, never cached, with CORS', async () => {
    const r = await request(port, 'GET', `${ECHO}/info`, {
      headers: { origin: 'https://app.example' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.headers['cache-control']).toBe(NO_CACHE);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    const info = JSON.parse(r.body) as Record<string, unknown>;
    expect(info).toMatchObject({ websocket: true, origins: ['*:*'], cookie_needed: false });
    expect(typeof info.entropy).toBe('number');
    const again = JSON.parse((await request(port, 'GET', `${ECHO}/info`)).body) as {
      entropy: number;
    };
    expect(again.entropy).not.toBe(info.entropy);
  });

  it('answers a null or absent origin with *', async () => {
    const r = await request(port, 'GET', `${ECHO}/info`, { headers: { origin: 'null' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    const none = await request(port, 'GET', `${ECHO}/info`);
    expect(none.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers the /info preflight with 204, cached for a year', async () => {
    const r = await request(port, 'OPTIONS', `${ECHO}/info`, {
      headers: { origin: 'https://app.example', 'access-control-request-headers': 'x-a, x-b' },
    });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-methods']).toBe('OPTIONS, GET');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000');
    expect(Number(r.headers['access-control-max-age'])).toBeGreaterThan(1_000_000);
    expect(new Date(r.headers.expires ?? '').getTime()).toBeGreaterThan(Date.now() + 1e10);
    expect(r.headers['access-control-allow-headers']).toBe('x-a, x-b');
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect((await request(port, 'DELETE', `${ECHO}/info`)).status).toBe(405);
  });

  it('says websocket:false and cookie_needed:true where so configured', async () => {
    const off = JSON.parse(
      (await request(port, 'GET', '/sockjs-test/disabled_websocket_echo/info')).body,
    ) as Record<string, unknown>;
    expect(off.websocket).toBe(false);
    const cookie = JSON.parse(
      (await request(port, 'GET', '/sockjs-test/cookie_needed_echo/info')).body,
    ) as Record<string, unknown>;
    expect(cookie.cookie_needed).toBe(true);
  });
});

describe('xhr polling and xhr_send', () => {
  it('opens with o, then delivers what was sent, in order', async () => {
    const path = sessionPath(ECHO, 'xhr');
    const open = await request(port, 'POST', path);
    expect(open.status).toBe(200);
    expect(open.body).toBe('o\n');
    expect(open.headers['content-type']).toBe('application/javascript; charset=UTF-8');
    expect(open.headers['cache-control']).toBe(NO_CACHE);
    const send = await request(port, 'POST', path.replace(/xhr$/, 'xhr_send'), {
      body: '["a","안녕하세요 👋"]',
    });
    expect(send.status).toBe(204);
    expect(send.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(send.body).toBe('');
    const poll = await request(port, 'POST', path);
    expect(poll.body).toBe('a["a","안녕하세요 👋"]\n');
  });

  it('holds a poll until a message arrives', async () => {
    const path = sessionPath(ECHO, 'xhr');
    await request(port, 'POST', path);
    const held = request(port, 'POST', path);
    await new Promise((r) => setTimeout(r, 100));
    await request(port, 'POST', path.replace(/xhr$/, 'xhr_send'), { body: '"one"' });
    expect((await held).body).toBe('a["one"]\n');
  });

  it('refuses xhr_send for an unknown session, an empty body and broken JSON', async () => {
    const unknown = await request(port, 'POST', sessionPath(ECHO, 'xhr_send'), { body: '["x"]' });
    expect(unknown.status).toBe(404);
    const path = sessionPath(ECHO, 'xhr');
    await request(port, 'POST', path);
    const sendPath = path.replace(/xhr$/, 'xhr_send');
    const empty = await request(port, 'POST', sendPath, { body: '' });
    expect(empty.status).toBe(500);
    expect(empty.body).toBe('Payload expected.');
    const broken = await request(port, 'POST', sendPath, { body: '["x"' });
    expect(broken.status).toBe(500);
    expect(broken.body).toBe('Broken JSON encoding.');
    const notStrings = await request(port, 'POST', sendPath, { body: '[1,{}]' });
    expect(notStrings.status).toBe(500);
    expect(notStrings.body).toBe('Broken JSON encoding.');
    // The session is still fine.
    expect((await request(port, 'POST', sendPath, { body: '["ok"]' })).status).toBe(204);
    expect((await request(port, 'POST', path)).body).toBe('a["ok"]\n');
  });

  it('refuses an oversized xhr_send with 413, declared or chunked', async () => {
    const path = sessionPath(ECHO, 'xhr');
    await request(port, 'POST', path);
    const big = JSON.stringify(['x'.repeat(70 * 1024)]);
    const sendPath = path.replace(/xhr$/, 'xhr_send');
    const declared = await request(port, 'POST', sendPath, { body: big });
    expect(declared.status).toBe(413);
    const chunked = await request(port, 'POST', sendPath, { body: big, chunked: true });
    expect(chunked.status).toBe(413);
    expect(server.bad.get('too-large')).toBeGreaterThanOrEqual(2);
    // A chunked body under the limit is read whole.
    const ok = await request(port, 'POST', sendPath, { body: '["chunked"]', chunked: true });
    expect(ok.status).toBe(204);
    expect((await request(port, 'POST', path)).body).toBe('a["chunked"]\n');
  });

  it('answers wrong methods with 405 and preflights with 204', async () => {
    const path = sessionPath(ECHO, 'xhr');
    const get = await request(port, 'GET', path);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('OPTIONS, POST');
    expect((await request(port, 'GET', path.replace(/xhr$/, 'xhr_send'))).status).toBe(405);
    expect((await request(port, 'PUT', path.replace(/xhr$/, 'xhr_streaming'))).status).toBe(405);
    expect((await request(port, 'POST', path.replace(/xhr$/, 'eventsource'))).status).toBe(405);
    for (const t of ['xhr', 'xhr_send', 'xhr_streaming']) {
      const pre = await request(port, 'OPTIONS', path.replace(/xhr$/, t), {
        headers: { origin: 'https://app.example' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-methods']).toBe('OPTIONS, POST');
      expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    }
  });

  it('answers paths that are not SockJS with 404', async () => {
    for (const path of [
      `${ECHO}/a/a`,
      `${ECHO}/a/a/`,
      `${ECHO}//a/xhr`,
      `${ECHO}/a.b/a/xhr`,
      `${ECHO}/a/a.b/xhr`,
      `${ECHO}/a/a/xhr_streaming/`,
      `${ECHO}/a/a/htmlfile`,
      `${ECHO}/a/a/jsonp`,
      `${ECHO}/a/a/jsonp_send`,
      `${ECHO}/iframe.html`,
    ]) {
      const r = await request(port, 'POST', path, { body: '' });
      expect([path, r.status]).toEqual([path, 404]);
    }
  });
});

describe('streaming transports', () => {
  it('xhr_streaming: 2049-byte prelude, o, then frames each followed by a newline', async () => {
    const path = sessionPath(ECHO, 'xhr_streaming');
    const s = stream(port, 'POST', path);
    expect(await s.status).toBe(200);
    expect((await s.headers)['content-type']).toBe('application/javascript; charset=UTF-8');
    await s.until((t) => t.endsWith('o\n'));
    expect(s.text()).toBe('h'.repeat(2048) + '\n' + 'o\n');
    await request(port, 'POST', path.replace(/xhr_streaming$/, 'xhr_send'), { body: '["x","y"]' });
    await s.until((t) => t.endsWith('a["x","y"]\n'));
    s.abort();
  });

  it('eventsource: CRLF prelude, data lines, % and line breaks escaped', async () => {
    const path = sessionPath(ECHO, 'eventsource');
    const s = stream(port, 'GET', path);
    expect(await s.status).toBe(200);
    expect((await s.headers)['content-type']).toBe('text/event-stream; charset=UTF-8');
    await s.until((t) => t.includes('data: o\r\n\r\n'));
    expect(s.text()).toBe('\r\ndata: o\r\n\r\n');
    await request(port, 'POST', path.replace(/eventsource$/, 'xhr_send'), {
      body: JSON.stringify(['100% 안녕\n\u2028']),
    });
    const text = await s.until((t) => t.includes('data: a'));
    const line = text.split('\r\n').find((l) => l.startsWith('data: a'))!;
    expect(line).toBe('data: a["100%25 안녕\\n\\u2028"]');
    // What sockjs-client does with it: decodeURI, then JSON.
    expect(JSON.parse(decodeURI(line.slice(7)))).toEqual(['100% 안녕\n\u2028']);
    s.abort();
  });

  it('a second receiving request gets c[2010] and the first keeps working', async () => {
    const path = sessionPath(ECHO, 'xhr_streaming');
    const first = stream(port, 'POST', path);
    await first.until((t) => t.endsWith('o\n'));
    const second = await request(port, 'POST', path);
    // The streaming prelude, then the refusal.
    expect(second.body).toBe('h'.repeat(2048) + '\nc[2010,"Another connection still open"]\n');
    const third = await request(port, 'POST', path.replace(/xhr_streaming$/, 'xhr'));
    expect(third.body).toBe('c[2010,"Another connection still open"]\n');
    await request(port, 'POST', path.replace(/xhr_streaming$/, 'xhr_send'), { body: '["still"]' });
    await first.until((t) => t.endsWith('a["still"]\n'));
    first.abort();
  });

  it('the close service: o, then c[3000,"Go away!"] to every later receiving request', async () => {
    const path = sessionPath(CLOSE, 'xhr');
    expect((await request(port, 'POST', path)).body).toBe('o\n');
    expect((await request(port, 'POST', path)).body).toBe('c[3000,"Go away!"]\n');
    expect((await request(port, 'POST', path)).body).toBe('c[3000,"Go away!"]\n');
    const s = stream(port, 'POST', sessionPath(CLOSE, 'xhr_streaming'));
    expect(await s.ended).toBe('h'.repeat(2048) + '\n' + 'o\nc[3000,"Go away!"]\n');
  });
});

describe('cookies', () => {
  it('sets JSESSIONID=dummy, or echoes the client’s', async () => {
    const path = sessionPath('/sockjs-test/cookie_needed_echo', 'xhr');
    const r = await request(port, 'POST', path);
    expect(r.headers['set-cookie']).toEqual(['JSESSIONID=dummy; path=/']);
    const echoed = await request(port, 'POST', path.replace(/xhr$/, 'xhr_send'), {
      body: '["x"]',
      headers: { cookie: 'a=b; JSESSIONID=abc123' },
    });
    expect(echoed.headers['set-cookie']).toEqual(['JSESSIONID=abc123; path=/']);
    const plain = await request(port, 'POST', sessionPath(ECHO, 'xhr'));
    expect(plain.headers['set-cookie']).toBeUndefined();
  });
});

describe('websocket transports', () => {
  it('refuses a plain GET with 400 and other methods with 405', async () => {
    const path = sessionPath(ECHO, 'websocket');
    const get = await request(port, 'GET', path);
    expect(get.status).toBe(400);
    expect(get.body).toBe('Can "Upgrade" only to "WebSocket".');
    expect((await request(port, 'POST', path, { body: '' })).status).toBe(405);
    expect((await request(port, 'GET', `${ECHO}/websocket`)).status).toBe(400);
    const disabled = await request(
      port,
      'GET',
      sessionPath('/sockjs-test/disabled_websocket_echo', 'websocket'),
    );
    expect(disabled.status).toBe(404);
  });

  it('framed: o, a[...] for each array sent, a single JSON string too, c[...] on close', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${sessionPath(ECHO, 'websocket')}`);
    const got: string[] = [];
    ws.on('message', (m) => got.push(String(m)));
    await new Promise((r) => ws.once('open', r));
    const until = async (n: number): Promise<void> => {
      const end = Date.now() + 3000;
      while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    expect(got[0]).toBe('o');
    ws.send('["a","안녕하세요 👋"]');
    ws.send('"b"');
    ws.send('');
    const messages = (): string[] =>
      got.slice(1).flatMap((f) => JSON.parse(f.slice(1)) as string[]);
    const end = Date.now() + 3000;
    while (messages().length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    // Messages queued in one turn of the event loop may share one a[...] frame.
    expect(got.slice(1).every((f) => f.startsWith('a['))).toBe(true);
    expect(messages()).toEqual(['a', '안녕하세요 👋', 'b']);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('["x"');
    expect(await closed).toBe(1002);
    ws.terminate();
  });

  it('the close service over a WebSocket: o, c[3000,"Go away!"], then the socket closes', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${sessionPath(CLOSE, 'websocket')}`);
    const got: string[] = [];
    ws.on('message', (m) => got.push(String(m)));
    await new Promise((r) => ws.once('close', r));
    expect(got).toEqual(['o', 'c[3000,"Go away!"]']);
  });

  it('raw: plain WebSocket messages, no framing', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${ECHO}/websocket`);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
    ws.send('안녕하세요 👋');
    expect(await reply).toBe('안녕하세요 👋');
    ws.close();
  });
});

describe('HTTP/1.0 and Connection: close', () => {
  it('uWS 20.30 does not answer HTTP/1.0 requests at all (a proxy must speak HTTP/1.1 to it)', async () => {
    const r = await rawExchange(port, `GET ${ECHO}/info HTTP/1.0\r\nHost: x\r\n\r\n`, 1500);
    // Nothing comes back: uWS waits for a request it understands, then drops the socket on its
    // idle timeout. docs/operations.md tells proxies to use HTTP/1.1 upstream.
    expect(r.text).toBe('');
  });

  it('an HTTP/1.1 stream with Connection: close is chunked and ends with the socket', async () => {
    const path = sessionPath(CLOSE, 'xhr_streaming');
    const r = await rawExchange(
      port,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      3000,
    );
    expect(r.closedByServer).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.text.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(r.text).toContain('c[3000,"Go away!"]\n');
  });
});
