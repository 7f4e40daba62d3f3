import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { header } from '../codec/index.js';
import { connectFrame, rawStomp, signToken, spawnRelay } from '../testing/index.js';
import type { RawStompClient, RelayProcess } from '../testing/index.js';

const MiB = 1024 * 1024;
/** What 100 stalled huge frames may add to the relay's resident memory (docs/security.md). */
const RSS_BOUND = 64 * MiB;

function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) * 1024;
}

async function metric(relay: RelayProcess, re: RegExp): Promise<number> {
  const text = await (await fetch(`${relay.httpUrl}/metrics`)).text();
  return Number(re.exec(text)?.[1] ?? 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The HTTP answer to a WebSocket upgrade that the relay refuses (or 101). */
function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; reason?: string; retryAfter?: string; body: string; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v12.stomp'], { headers });
    ws.once('open', () => resolve({ status: 101, body: '', ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reason: res.headers['parley-reason'] as string | undefined,
          retryAfter: res.headers['retry-after'] as string | undefined,
          body,
        }),
      );
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** A logged-in raw client subscribed to `/topic/room.ok`. */
async function member(relay: RelayProcess, sub: string): Promise<RawStompClient> {
  const c = await rawStomp(relay.wsUrl);
  const token = signToken(relay.secret, {
    sub,
    parley: { sub: ['/topic/room.*'], pub: ['/topic/room.*'] },
  });
  c.send(connectFrame(token, { 'heart-beat': '0,0' }));
  await c.next('CONNECTED');
  c.send(`SUBSCRIBE\nid:0\ndestination:/topic/room.ok\nreceipt:s\n\n\0`);
  await c.next('RECEIPT');
  return c;
}

/**
 * A socket that never logs in and streams a 16 MiB STOMP frame slowly: as fragments of one
 * WebSocket message (uWS holds them until the message is complete) or as many small messages
 * (the relay's parser holds them). Stops when the relay closes it, or when told to.
 */
async function hugeFrame(
  url: string,
  mode: 'fragments' | 'messages',
  stop: () => boolean,
): Promise<{ sent: number; code: number }> {
  const ws = new WebSocket(url, ['v12.stomp']);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  const chunk = Buffer.alloc(mode === 'fragments' ? 32 * 1024 : 4 * 1024, 0x78);
  let sent = 0;
  let open = true;
  void closed.then(() => (open = false));
  const first = Buffer.from('SEND\ndestination:/topic/room.ok\n\n');
  while (open && sent < 16 * MiB && !stop()) {
    if (ws.bufferedAmount < 256 * 1024) {
      const data = sent === 0 ? Buffer.concat([first, chunk]) : chunk;
      ws.send(data, { binary: true, fin: mode === 'messages' });
      sent += data.length;
    }
    await sleep(5);
  }
  if (open) ws.terminate();
  return { sent, code: await closed };
}

describe('memory before login: 100 unauthenticated sockets each stream a 16 MiB frame', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        // Every socket comes from 127.0.0.1: a cap above the attack, still not the default.
        PARLEY_MAX_CONNECTIONS_PER_IP: '150',
        PARLEY_CONNECT_RATE_PER_IP: '0',
        PARLEY_LOG_LEVEL: 'info',
      },
    });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('keeps relay RSS within baseline + 64 MiB while a healthy pair keeps chatting', async () => {
    const pid = relay.pid!;
    const alice = await member(relay, 'alice');
    const bob = await member(relay, 'bob');
    let said = 0;
    const chat = async (): Promise<void> => {
      const body = `hello ${++said}`;
      alice.send(`SEND\ndestination:/topic/room.ok\n\n${body}\0`);
      for (;;) {
        const m = await bob.next('MESSAGE', 5000);
        if (new TextDecoder().decode(m.body) === body) return;
      }
    };
    await chat();
    const baseline = rss(pid);

    let peak = baseline;
    let over = false;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
      if (peak > baseline + RSS_BOUND) over = true; // stop the attack before it hurts the machine
    }, 25);
    let chatting = true;
    let chatted = 0;
    const chatter = (async () => {
      while (chatting) {
        await chat();
        chatted++;
        await sleep(50);
      }
    })();

    const attacks = Array.from({ length: 100 }, (_, i) =>
      hugeFrame(relay.wsUrl, i % 2 === 0 ? 'fragments' : 'messages', () => over),
    );
    const results = await Promise.all(attacks);
    await sleep(200);
    chatting = false;
    await chatter;
    clearInterval(sampler);
    peak = Math.max(peak, rss(pid));

    const grew = peak - baseline;
    console.log(
      `relay RSS baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB ` +
        `(+${(grew / MiB).toFixed(1)} MiB) under 100 sockets streaming 16 MiB frames before CONNECT; ` +
        `largest amount any socket got to send: ${(Math.max(...results.map((r) => r.sent)) / 1024).toFixed(0)} KiB`,
    );
    expect(grew).toBeLessThan(RSS_BOUND);
    // Every attacker was cut off long before its 16 MiB.
    for (const r of results) expect(r.sent).toBeLessThan(1 * MiB);
    expect(chatted).toBeGreaterThan(0);
    // …and the pair still chats afterwards.
    await chat();
    expect(
      await metric(
        relay,
        /^parley_connections_refused_total\{reason="preconnect-too-large"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(50);
    alice.close();
    bob.close();
  }, 60_000);
});

describe('limits on connections before login', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    relay = await spawnRelay({
      env: {
        PARLEY_MAX_CONNECTIONS_PER_IP: '2',
        PARLEY_CONNECT_RATE_PER_IP: '1',
        PARLEY_CONNECT_BURST_PER_IP: '3',
        PARLEY_TRUSTED_PROXIES: '127.0.0.1,::1',
        PARLEY_ALLOWED_ORIGINS: 'https://chat.example.com',
        // Room for a CONNECT with a 12 KiB token (the default header line is 8 KiB).
        PARLEY_MAX_HEADER_LINE: '16384',
      },
    });
  });
  afterAll(async () => {
    await relay?.stop();
  });

  const via = (xff: string): Record<string, string> => ({ 'X-Forwarded-For': xff });

  it('caps open connections per client address with 429 per-ip-limit; closing frees a place', async () => {
    const a = await upgrade(relay.wsUrl, via('198.51.100.1'));
    const b = await upgrade(relay.wsUrl, via('198.51.100.1'));
    expect([a.status, b.status]).toEqual([101, 101]);
    const refused = await upgrade(relay.wsUrl, via('198.51.100.1'));
    expect(refused).toMatchObject({ status: 429, reason: 'per-ip-limit', retryAfter: '10' });
    expect(refused.body).toMatch(/^per-ip-limit: 198\.51\.100\.1 already has 2 open connections/);
    // A spoofed entry left of the proxy's own is ignored: the rightmost untrusted hop counts.
    expect((await upgrade(relay.wsUrl, via('198.51.100.2, 198.51.100.1'))).status).toBe(429);
    // Another client behind the same proxy has its own count.
    const other = await upgrade(relay.wsUrl, via('198.51.100.1, 198.51.100.2'));
    expect(other.status).toBe(101);
    a.ws!.close();
    await sleep(200);
    const again = await upgrade(relay.wsUrl, via('198.51.100.1'));
    expect(again.status).toBe(101);
    for (const r of [b, other, again]) r.ws!.close();
  });

  it('limits the connection rate per address with 429 per-ip-rate', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof upgrade>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await upgrade(relay.wsUrl, { 'X-Real-IP': '203.0.113.50' });
      statuses.push(last.status);
      last.ws?.close();
      await sleep(20);
    }
    expect(statuses).toEqual([101, 101, 101, 429]);
    expect(last).toMatchObject({ reason: 'per-ip-rate', retryAfter: '1' });
  });

  it('cuts off a socket that sends more than 16 KiB before CONNECTED, but takes a CONNECT with a 12 KiB token', async () => {
    const big = await rawStomp(relay.wsUrl, { headers: via('192.0.2.10') });
    const token = signToken(relay.secret, {
      sub: 'big',
      parley: { sub: Array.from({ length: 350 }, (_, i) => `/topic/room.r${i}-padding`) },
    });
    expect(token.length).toBeGreaterThan(12 * 1024);
    big.send(connectFrame(token));
    await big.next('CONNECTED');
    big.close();

    const raw = await rawStomp(relay.wsUrl, { headers: via('192.0.2.11') });
    for (let i = 0; i < 5; i++) raw.send(`SEND\ndestination:/topic/x\n\n${'x'.repeat(4000)}`);
    const err = await raw.next('ERROR');
    expect(header(err, 'parley-reason')).toBe('frame-too-large');
    expect(header(err, 'message')).toBe('more than 16384 bytes sent before CONNECTED');
    expect((await raw.closed).code).toBe(4000);
  });

  it('closes a WebSocket message larger than twice the frame limit plus 16 KiB at the WebSocket layer', async () => {
    const raw = await rawStomp(relay.wsUrl, { headers: via('192.0.2.12') });
    raw.send(new Uint8Array(2 * 64 * 1024 + 17 * 1024));
    const { code } = await raw.closed;
    expect(code).toBe(1006);
  });

  it('counts refusals by reason and shows unauthenticated sockets in /metrics', async () => {
    expect(
      (await upgrade(relay.wsUrl, { Origin: 'https://evil.example', ...via('192.0.2.20') })).status,
    ).toBe(403);
    const idle = await Promise.all(
      ['192.0.2.21', '192.0.2.22', '192.0.2.23'].map((ip) =>
        rawStomp(relay.wsUrl, { headers: via(ip) }),
      ),
    );
    const count = (reason: string) =>
      metric(
        relay,
        new RegExp(`^parley_connections_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm'),
      );
    expect(await count('origin')).toBe(1);
    expect(await count('per-ip-limit')).toBe(2);
    expect(await count('per-ip-rate')).toBe(1);
    expect(await count('preconnect-too-large')).toBe(1);
    expect(await metric(relay, /^parley_unauthenticated_connections (\d+)$/m)).toBe(3);
    for (const c of idle) c.close();
    await sleep(200);
    expect(await metric(relay, /^parley_unauthenticated_connections (\d+)$/m)).toBe(0);
  });
});

describe('forwarding headers without a trusted proxy', () => {
  it('ignores X-Forwarded-For and X-Real-IP: every socket from 127.0.0.1 counts as one address', async () => {
    const relay = await spawnRelay({ env: { PARLEY_MAX_CONNECTIONS_PER_IP: '1' } });
    try {
      const first = await upgrade(relay.wsUrl, { 'X-Forwarded-For': '198.51.100.1' });
      expect(first.status).toBe(101);
      const second = await upgrade(relay.wsUrl, {
        'X-Forwarded-For': '198.51.100.2',
        'X-Real-IP': '198.51.100.3',
      });
      expect(second).toMatchObject({ status: 429, reason: 'per-ip-limit' });
      expect(second.body).toMatch(/^per-ip-limit: 127\.0\.0\.1 /);
      first.ws!.close();
    } finally {
      await relay.stop();
    }
  });
});
