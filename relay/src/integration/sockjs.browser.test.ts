/**
 * sockjs-client in headless Chromium against a relay, forcing each transport in turn
 * (`websocket`, `xhr-streaming`, `xhr-polling`, `eventsource`), with @stomp/stompjs (UMD bundle)
 * and the legacy stompjs 2.x on top. The page comes from another loopback origin, so every
 * SockJS request is a cross-origin one (CORS, preflights) as on a real site.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, signToken, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const require = createRequire(import.meta.url);
const SCRIPTS: Record<string, string> = {
  '/sockjs.min.js': require.resolve('sockjs-client/dist/sockjs.min.js'),
  '/stomp.min.js': require.resolve('stompjs/lib/stomp.min.js'),
  // The exports map hides the minified bundle; its CommonJS entry is the UMD bundle beside it.
  '/stomp.umd.min.js': join(dirname(require.resolve('@stomp/stompjs')), 'stomp.umd.min.js'),
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>sockjs</title>
<script src="/sockjs.min.js"></script><script src="/stomp.min.js"></script>
<script>window.LegacyStomp = window.Stomp;</script><script src="/stomp.umd.min.js"></script>`;
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'] as const;
const KOREAN = '안녕하세요 👋';

interface Outcome {
  transport: string;
  body: string;
  sender: string;
}

describe.runIf(chromiumAvailable())('sockjs-client in headless Chromium', () => {
  let relay: RelayProcess;
  let site: http.Server;
  let siteUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    relay = await spawnRelay();
    site = http.createServer((req, res) => {
      const file = SCRIPTS[req.url ?? ''];
      if (file) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    // A different origin from the relay's (another port): cross-origin SockJS.
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(siteUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await new Promise((r) => site?.close(r));
  });

  const token = (sub: string): string =>
    signToken(relay.secret, { sub, parley: { sub: ['/sub/**'], pub: ['/sub/**'] } });

  it.each(TRANSPORTS)('@stomp/stompjs over %s', async (transport) => {
    const out = await page.evaluate(
      async ({ url, transport, token, text }) => {
        const w = globalThis as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        let sock: any; // eslint-disable-line @typescript-eslint/no-explicit-any
        const client = new w.StompJs.Client({
          webSocketFactory: () => (sock = new w.SockJS(url, null, { transports: [transport] })),
          connectHeaders: { Authorization: `Bearer ${token}` },
          reconnectDelay: 0,
        });
        const room = `/sub/chat/rooms/browser-${transport}`;
        const got = new Promise<Outcome>((resolve, reject) => {
          client.onStompError = (f: { headers: { message: string } }) =>
            reject(new Error(f.headers.message));
          client.onConnect = () => {
            client.subscribe(
              room,
              (m: { body: string; headers: Record<string, string> }) =>
                resolve({
                  transport: sock.transport,
                  body: m.body,
                  sender: m.headers['parley-sender']!,
                }),
              { receipt: 'sub' },
            );
            client.watchForReceipt('sub', () =>
              client.publish({ destination: room.replace('/sub/', '/pub/'), body: text }),
            );
          };
        });
        client.activate();
        const result = await got;
        await client.deactivate();
        return result;
      },
      { url: `${relay.httpUrl}/sockjs`, transport, token: token('alice'), text: KOREAN },
    );
    expect(out).toEqual({ transport, body: KOREAN, sender: 'alice' });
  });

  it.each(TRANSPORTS)('stompjs 2.x Stomp.over(new SockJS(url)) over %s', async (transport) => {
    const out = await page.evaluate(
      async ({ url, transport, token, text }) => {
        const w = globalThis as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const sock = new w.SockJS(url, null, { transports: [transport] });
        const client = w.LegacyStomp.over(sock);
        client.debug = null;
        const roomId = `legacy-browser-${transport}`;
        const result = await new Promise<Outcome>((resolve, reject) => {
          client.connect(
            { Authorization: `Bearer ${token}` },
            () => {
              client.subscribe(
                '/sub/chat/rooms/' + roomId,
                (m: { body: string; headers: Record<string, string> }) =>
                  resolve({
                    transport: sock.transport,
                    body: m.body,
                    sender: m.headers['parley-sender']!,
                  }),
              );
              client.send('/pub/chat/rooms/' + roomId, {}, text);
            },
            (e: unknown) => reject(new Error(String(e))),
          );
        });
        await new Promise<void>((r) => client.disconnect(r));
        return result;
      },
      { url: `${relay.httpUrl}/sockjs`, transport, token: token('bob'), text: KOREAN },
    );
    expect(out).toEqual({ transport, body: KOREAN, sender: 'bob' });
  });
});
