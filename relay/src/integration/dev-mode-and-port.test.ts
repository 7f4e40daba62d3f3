import { describe, expect, it } from 'vitest';
import { connectFrame, rawStomp, spawnRelay } from '../testing/index.js';

const REAL_SECRET = 'a-real-production-secret-0123456789';

async function devToken(
  httpUrl: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { token?: string; error?: string } }> {
  const res = await fetch(`${httpUrl}/dev/token?sub=zoe`, { headers });
  return { status: res.status, body: (await res.json()) as { token?: string; error?: string } };
}

describe('development mode and /dev/token', () => {
  it('with the dev secret: listens on 127.0.0.1 by default (and says so) and mints tokens', async () => {
    const relay = await spawnRelay({ args: ['--dev'], env: { PARLEY_HOST: '' } });
    try {
      expect(relay.output()).toMatch(
        /development mode listens on 127\.0\.0\.1 only; set PARLEY_HOST=0\.0\.0\.0/,
      );
      expect(relay.output()).toMatch(/"host":"127\.0\.0\.1"[^\n]*listening/);
      const { status, body } = await devToken(relay.httpUrl);
      expect(status).toBe(200);
      const c = await rawStomp(relay.wsUrl);
      c.send(connectFrame(body.token));
      await c.next('CONNECTED');
      c.close();
      expect((await fetch(`${relay.httpUrl}/`)).status).toBe(200);
    } finally {
      await relay.stop();
    }
  });

  it('with a real secret on a non-loopback host: /dev/token is a 404 saying why, with a loud warning', async () => {
    const relay = await spawnRelay({
      args: ['--dev'],
      env: { PARLEY_JWT_SECRET: REAL_SECRET, PARLEY_HOST: '0.0.0.0' },
    });
    try {
      expect(relay.output()).toMatch(
        /"level":40[^\n]*DEVELOPMENT MODE WITH A REAL SECRET ON 0\.0\.0\.0: \/dev\/token is off/,
      );
      const { status, body } = await devToken(relay.httpUrl);
      expect(status).toBe(404);
      expect(body.error).toMatch(
        /^\/dev\/token is off: development mode with a real PARLEY_JWT_SECRET/,
      );
      expect(body.token).toBeUndefined();
    } finally {
      await relay.stop();
    }
  });

  it('with a real secret on loopback: mints for loopback peers only, warning that tokens work on every relay', async () => {
    const relay = await spawnRelay({ args: ['--dev'], env: { PARLEY_JWT_SECRET: REAL_SECRET } });
    try {
      expect(relay.output()).toMatch(
        /"level":40[^\n]*valid on EVERY relay that shares this PARLEY_JWT_SECRET/,
      );
      const ok = await devToken(relay.httpUrl);
      expect(ok.status).toBe(200);
      const c = await rawStomp(relay.wsUrl);
      c.send(connectFrame(ok.body.token));
      await c.next('CONNECTED');
      c.close();
      // Through a proxy on this host the request is not really from loopback.
      const proxied: Array<Record<string, string>> = [
        { 'X-Forwarded-For': '203.0.113.9' },
        { 'X-Real-IP': '203.0.113.9' },
        { Forwarded: 'for=203.0.113.9' },
      ];
      for (const h of proxied) {
        const refused = await devToken(relay.httpUrl, h);
        expect(refused.status).toBe(403);
        expect(refused.body.error).toMatch(/answers loopback only/);
      }
    } finally {
      await relay.stop();
    }
  });

  it('serves the demo page and the SDK bundle only in development mode', async () => {
    const relay = await spawnRelay();
    try {
      for (const path of ['/', '/index.html', '/sdk/parley-sdk.js', '/dev/token?sub=zoe']) {
        expect((await fetch(`${relay.httpUrl}${path}`)).status, path).toBe(404);
      }
      expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    } finally {
      await relay.stop();
    }
  });
});

describe('port reuse', () => {
  it('a second relay on a busy port exits with status 5 and says so; the first keeps serving', async () => {
    const first = await spawnRelay();
    try {
      const second = spawnRelay({ env: { PARLEY_PORT: String(first.port) } });
      await expect(second).rejects.toThrow(/relay exited with 5 before listening/);
      await expect(second).rejects.toThrow(
        new RegExp(`port ${first.port} is already in use \\(on 127\\.0\\.0\\.1\\)`),
      );
      // The first relay still takes every connection.
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${first.httpUrl}/healthz`)).status).toBe(200);
      }
      const c = await rawStomp(first.wsUrl);
      c.send(connectFrame(undefined));
      await c.next('ERROR');
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });
});
