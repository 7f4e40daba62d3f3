import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  devRelay,
  hostPages,
  launchChromium,
  openPanel,
  snippet,
  W,
  waitConnected,
  watchProblems,
  widgetBuilt,
} from './harness.js';
import type { Browser, HostServer, Page, RelayProcess } from './harness.js';

const page = (head: string, script: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head>` +
  `<body><div id="app"><p>Host page</p></div><script>${script}</script></body></html>`;

const HOSTILE_CSS = `<style>
* { all: unset !important; }
div { display: none !important; }
parley-widget { display: none !important; position: static !important; opacity: 0 !important; transform: scale(0) !important; }
button { background: red !important; width: 2px !important; }
:root { --parley-font: "Comic Sans MS"; }
</style>`;

describe.runIf(widgetBuilt() && chromiumAvailable())('the widget on hostile host pages', () => {
  let relay: RelayProcess;
  let host: HostServer;
  let browser: Browser;
  beforeAll(async () => {
    relay = await devRelay();
    const loader = `${relay.httpUrl}/widget/parley.js`;
    const boot = `Parley('boot', { room: 'robust', guest: true });`;
    host = await hostPages({
      '/twice': {
        body: page('', `${snippet(loader)}\n${boot}\n${boot}\n${snippet(loader)}\n${boot}`),
      },
      '/clean': { body: page('', `${snippet(loader)}\n${boot}`) },
      '/hostile': { body: page(HOSTILE_CSS, `${snippet(loader)}\n${boot}`) },
      '/on-open': {
        body: page(
          '',
          `${snippet(loader)}\nParley('boot', { room: 'robust', guest: true, connect: 'on-open' });`,
        ),
      },
      '/named': {
        body: page(
          '',
          `${snippet(loader, 'Chat')}\nChat('on', 'ready', () => { window.readyFired = true; });\n` +
            `addEventListener('parley:open', () => { window.openEvent = true; });\nChat('boot', { room: 'robust', guest: true });\nChat('open');`,
        ),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await relay?.stop();
  });

  const sockets = (p: Page): string[] => {
    const list: string[] = [];
    p.on('websocket', (ws) => list.push(ws.url()));
    return list;
  };

  it('boot twice (and the loader twice): one launcher, one socket', async () => {
    const p = await browser.newPage();
    const ws = sockets(p);
    const check = await watchProblems(p);
    await p.goto(`${host.url}/twice`);
    await openPanel(p);
    await waitConnected(p);
    await p.waitForTimeout(500);
    expect(await p.locator('parley-widget').count()).toBe(1);
    expect(await p.locator(W.launcher).count()).toBe(1);
    expect(ws).toHaveLength(1);
    expect(await check()).toEqual([]);
  });

  it('aggressive page CSS changes nothing, and a removed host comes back', async () => {
    const clean = await browser.newPage();
    await clean.goto(`${host.url}/clean`);
    await openPanel(clean);
    const hostile = await browser.newPage();
    await hostile.goto(`${host.url}/hostile`);
    await openPanel(hostile);
    // Away from the launcher's hover effect, and past its transition.
    for (const p of [clean, hostile]) await p.mouse.move(0, 0);
    await hostile.waitForTimeout(400);
    for (const sel of [W.launcher, W.panel, W.input, 'parley-widget .send']) {
      expect(await hostile.locator(sel).boundingBox(), sel).toEqual(
        await clean.locator(sel).boundingBox(),
      );
    }
    const look = (p: Page) =>
      p.locator(W.launcher).evaluate((el) => {
        const s = getComputedStyle(el);
        return [
          s.backgroundColor,
          s.borderRadius,
          s.width,
          getComputedStyle(
            el.getRootNode() instanceof ShadowRoot ? (el.getRootNode() as ShadowRoot).host : el,
          ).zIndex,
        ];
      });
    expect(await look(hostile)).toEqual(await look(clean));
    await hostile.evaluate(() => document.querySelector('parley-widget')!.remove());
    await hostile.locator(W.launcher).waitFor();
    expect(await hostile.locator('parley-widget').count()).toBe(1);
  });

  it("connect: 'on-open' opens no socket and loads no chat until the panel opens", async () => {
    const p = await browser.newPage();
    const ws = sockets(p);
    const scripts: string[] = [];
    p.on('request', (r) => scripts.push(r.url()));
    await p.goto(`${host.url}/on-open`);
    await p.locator(W.launcher).waitFor();
    await p.waitForTimeout(1500);
    expect(ws).toHaveLength(0);
    expect(scripts.some((u) => /chat\.[0-9a-f]+\.js/.test(u))).toBe(false);
    await openPanel(p);
    await waitConnected(p);
    expect(ws).toHaveLength(1);
  });

  it('a configurable global name; events as callbacks and window CustomEvents', async () => {
    const p = await browser.newPage();
    await p.goto(`${host.url}/named`);
    await p.locator(W.input).waitFor();
    expect(
      await p.evaluate(() => [
        typeof (window as unknown as Record<string, unknown>).Parley,
        (window as unknown as Record<string, unknown>).readyFired,
        (window as unknown as Record<string, unknown>).openEvent,
      ]),
    ).toEqual(['undefined', true, true]);
  });
});
