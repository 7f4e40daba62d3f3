/**
 * Attack suite, before login: what an anonymous socket can make the relay hold. Huge declared
 * `content-length`, stalled frames, a 1 MiB CONNECT, floods of bytes and frames before CONNECT,
 * 200 sockets from one address, a connection-rate burst behind forged X-Forwarded-For, slowloris
 * HTTP on /api, and a second relay started on a port already in use.
 *
 * Relay A trusts 127.0.0.1 as a proxy, so each row speaks from its own X-Forwarded-For address
 * (rows do not spend each other's per-address budget); relay B trusts no proxy and limits the
 * connection rate, so forged X-Forwarded-For headers change nothing there.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnRelay } from '../../testing/index.js';
import { eventually } from '../stomp-clients.js';
import { expectRefused, http, metric, startTargets, START_TIMEOUT_MS } from './fixture.harness.js';
import type { Target } from './fixture.harness.js';

const API_KEY = 'attack-suite-api-key-pr3l0g';
const PRECONNECT = 8192;
const PER_IP = 50;
const RATE = 20;
const BURST = 40;
const REFUSED = 'parley_connections_refused_total';

let lastAddress = 0;
/** A fresh documentation address (198.51.100.0/24, then 203.0.113.0/24) for one row. */
function address(): string {
  const n = ++lastAddress;
  return n < 255 ? `198.51.100.${n}` : `203.0.113.${n - 254}`;
}

type Attempt = { ws: WebSocket } | { status: number; reason: string };

/** Opens a WebSocket; resolves with it, or with the refusal's status and `parley-reason`. */
function attempt(url: string, headers: Record<string, string>): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v12.stomp'], { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, reason: String(res.headers['parley-reason'] ?? '') });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

const opened = (a: Attempt[]): WebSocket[] => a.flatMap((x) => ('ws' in x ? [x.ws] : []));
const refusals = (a: Attempt[]): Array<{ status: number; reason: string }> =>
  a.flatMap((x) => ('ws' in x ? [] : [x]));

interface Row {
  name: string;
  /** WebSocket messages sent before any CONNECT completes. */
  send: () => Array<string | Uint8Array>;
  /** The ERROR's reason; `websocket-layer` when uWS closes the socket before any ERROR. */
  reason: string;
  message?: RegExp;
}

/** uWS closes on an over-long message without a close frame (1006) or with 1009. */
const WS_LAYER = 'websocket-layer';

const MiB = 1024 * 1024;
const rows: Row[] = [
  {
    name: 'CONNECT declaring a 1 GB content-length',
    send: () => ['CONNECT\naccept-version:1.2\ncontent-length:1000000000\n\nxyz'],
    reason: 'frame-too-large',
  },
  {
    name: 'CONNECT declaring 60 000 bytes (under the frame limit), trickled in 4 KiB',
    send: () => [
      'CONNECT\naccept-version:1.2\ncontent-length:60000\n\n',
      ...Array.from({ length: 15 }, () => 'x'.repeat(4096)),
    ],
    reason: 'frame-too-large',
    message: new RegExp(`more than ${PRECONNECT} bytes sent before CONNECTED`),
  },
  {
    name: 'a CONNECT of 1 MiB in one message (over the WebSocket message limit)',
    send: () => [`CONNECT\naccept-version:1.2\nx-pad:${'p'.repeat(MiB)}\n\n\0`],
    reason: WS_LAYER,
  },
  {
    name: 'a CONNECT of 1 MiB in 16 KiB messages',
    send: () => {
      const frame = `CONNECT\naccept-version:1.2\n\n${'p'.repeat(MiB)}\0`;
      return Array.from({ length: Math.ceil(frame.length / 16384) }, (_, i) =>
        frame.slice(i * 16384, (i + 1) * 16384),
      );
    },
    reason: 'frame-too-large',
  },
  {
    name: '100 000 heart-beat EOLs before CONNECT',
    send: () => Array.from({ length: 100 }, () => '\n'.repeat(1000)),
    reason: 'frame-too-large',
    message: new RegExp(`more than ${PRECONNECT} bytes sent before CONNECTED`),
  },
  {
    name: '200 SENDs before CONNECT',
    send: () => ['SEND\ndestination:/topic/room.1\n\nx\0'.repeat(200)],
    reason: 'protocol-error',
    message: /expected CONNECT, got SEND|too many frames before CONNECTED/,
  },
  {
    name: 'a partial CONNECT, then silence',
    send: () => ['CONNECT\naccept-version:1.2\nAuthoriz'],
    reason: 'connect-timeout',
  },
  {
    name: 'a CONNECT whose body never comes',
    send: () => ['CONNECT\naccept-version:1.2\ncontent-length:100\n\n0123456789'],
    reason: 'connect-timeout',
  },
];

describe('attacks: pre-login floods are cut off early; the others keep chatting', () => {
  let a: Target;
  let b: Target;

  beforeAll(async () => {
    [a, b] = await startTargets(
      {
        env: {
          PARLEY_API_KEY: API_KEY,
          PARLEY_CONNECT_TIMEOUT_MS: '1500',
          PARLEY_MAX_PRECONNECT_BYTES: String(PRECONNECT),
          PARLEY_MAX_CONNECTIONS_PER_IP: String(PER_IP),
          PARLEY_CONNECT_RATE_PER_IP: '0',
          PARLEY_TRUSTED_PROXIES: '127.0.0.1',
        },
      },
      {
        env: {
          PARLEY_MAX_CONNECTIONS_PER_IP: '0',
          PARLEY_CONNECT_RATE_PER_IP: String(RATE),
          PARLEY_CONNECT_BURST_PER_IP: String(BURST),
        },
      },
    );
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  for (const row of rows) {
    const outcome =
      row.reason === WS_LAYER ? 'closed by the WebSocket layer' : `ERROR ${row.reason}, close`;
    it(`${row.name} → ${outcome}`, async () => {
      const raw = await a.raw({ 'x-forwarded-for': address() });
      for (const data of row.send()) raw.send(data);
      if (row.reason === WS_LAYER) {
        expect([1006, 1009]).toContain((await raw.closed).code);
        expect(raw.frames).toEqual([]);
      } else await expectRefused(raw, row.reason, row.message ? { message: row.message } : {});
      await a.stillChatting();
    });
  }

  it('bytes cut off before CONNECTED are counted in /metrics', async () => {
    expect(await metric(a.relay, REFUSED, /preconnect/)).toBeGreaterThanOrEqual(2);
    await a.stillChatting();
  });

  it(`200 sockets from one address → ${PER_IP} open, the rest HTTP 429 per-ip-limit, counted`, async () => {
    const before = await metric(a.relay, REFUSED, /per-ip-limit/);
    const from = { 'x-forwarded-for': address() };
    const tries = await Promise.all(
      Array.from({ length: 200 }, () => attempt(a.relay.wsUrl, from)),
    );
    expect(opened(tries)).toHaveLength(PER_IP);
    expect(refusals(tries)).toEqual(
      Array.from({ length: 200 - PER_IP }, () => ({ status: 429, reason: 'per-ip-limit' })),
    );
    expect((await metric(a.relay, REFUSED, /per-ip-limit/)) - before).toBe(200 - PER_IP);
    await a.stillChatting();
    // Closed sockets give their places back.
    for (const ws of opened(tries)) ws.close();
    await eventually(() => opened(tries).every((ws) => ws.readyState === WebSocket.CLOSED), 5000);
    const again = await attempt(a.relay.wsUrl, from);
    expect('ws' in again).toBe(true);
    if ('ws' in again) again.ws.close();
  });

  it('a trusted proxy: 60 sockets from 60 forwarded addresses are all admitted', async () => {
    const tries = await Promise.all(
      Array.from({ length: 60 }, () => attempt(a.relay.wsUrl, { 'x-forwarded-for': address() })),
    );
    expect(refusals(tries)).toEqual([]);
    for (const ws of opened(tries)) ws.close();
    await a.stillChatting();
  });

  it('an untrusted peer: 60 sockets in a burst, each forging X-Forwarded-For → HTTP 429 per-ip-rate past the burst', async () => {
    const before = await metric(b.relay, REFUSED, /per-ip-rate/);
    const tries = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        attempt(b.relay.wsUrl, {
          'x-forwarded-for': `192.0.2.${i + 1}`,
          'x-real-ip': '192.0.2.99',
        }),
      ),
    );
    const refused = refusals(tries);
    expect(refused.length).toBeGreaterThan(0);
    expect(opened(tries).length).toBeLessThanOrEqual(BURST + RATE);
    expect(new Set(refused.map((r) => `${r.status} ${r.reason}`))).toEqual(
      new Set(['429 per-ip-rate']),
    );
    expect((await metric(b.relay, REFUSED, /per-ip-rate/)) - before).toBe(refused.length);
    for (const ws of opened(tries)) ws.close();
    await b.stillChatting();
  });

  it('slowloris on /api: 40 half-sent requests do not block anyone and are closed by the relay', async () => {
    const port = a.relay.port;
    const slow: Socket[] = [];
    const closed = new Set<Socket>();
    for (let i = 0; i < 40; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closed.add(s));
      s.write(
        i % 2 === 0
          ? 'POST /api/publish HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n' +
              'Content-Length: 100000\r\n\r\n{"destination":"/topic/ro'
          : 'GET /api/history?destination=/topic/room.1 HTTP/1.1\r\nHost: relay\r\nX-Slow: ',
      );
      slow.push(s);
    }
    // Everyone else is served meanwhile.
    const res = await http(a.relay, '/api/publish', {
      token: API_KEY,
      body: { destination: '/topic/room.healthy', body: 'while slowloris' },
    });
    expect(res.status, res.text).toBe(200);
    await a.stillChatting();
    await eventually(() => closed.size === slow.length, 40_000, 'the relay closes slow requests');
    await a.stillChatting();
  }, 60_000);

  it('a second relay on the port in use exits non-zero and says why', async () => {
    const failure = await spawnRelay({ env: { PARLEY_PORT: String(a.relay.port) } }).then(
      async (second) => {
        await second.stop();
        return 'the second relay started';
      },
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/relay exited with [1-9]\d* before listening/);
    expect(failure).toMatch(/already in use/);
    await a.stillChatting();
  });
});
