import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bubbleTexts,
  chromiumAvailable,
  devRelay,
  hostPages,
  launchChromium,
  openPanel,
  say,
  snippet,
  W,
  waitConnected,
  watchProblems,
  widgetBuilt,
} from './harness.js';
import type { Browser, HostServer, RelayProcess } from './harness.js';

/** The page's CSP: exactly what docs/widget.md says to add for a relay at `relay`. */
function csp(relay: string): string {
  const ws = relay.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    `script-src 'self' ${relay}`,
    "style-src 'self'",
    `connect-src 'self' ${relay} ${ws}`,
  ].join('; ');
}

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict CSP shop</title>
<script src="/site.js"></script></head>
<body><h1>A shop with a strict Content-Security-Policy</h1><p>No inline script, no inline style.</p></body></html>`;

describe.runIf(widgetBuilt() && chromiumAvailable())('a page with a strict CSP', () => {
  let relay: RelayProcess;
  let host: HostServer;
  let browser: Browser;
  beforeAll(async () => {
    relay = await devRelay();
    const site = `${snippet(`${relay.httpUrl}/widget/parley.js`)}\nParley('boot', { room: 'csp', guest: true });`;
    host = await hostPages({
      '/': { body: PAGE, headers: { 'content-security-policy': csp(relay.httpUrl) } },
      '/site.js': { body: site, type: 'text/javascript' },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await relay?.stop();
  });

  it('embeds the widget from the relay with no CSP violation, and hostile bodies stay inert', async () => {
    const shop = await browser.newPage();
    const check = await watchProblems(shop);
    await shop.goto(`${host.url}/`);
    await openPanel(shop);
    await waitConnected(shop);
    // A second visitor (on the relay's demo page) sends the hostile messages.
    const other = await browser.newPage();
    await other.goto(`${relay.httpUrl}/?room=csp`);
    await openPanel(other);
    await waitConnected(other);
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      'javascript:window.__pwned=2',
      '<a href="javascript:window.__pwned=3">click</a> [x](javascript:alert(1))',
      'invoice\u202Egnp.exe',
      'ok https://example.com/a?b=<c>',
    ];
    for (const text of hostile) await say(other, text);
    await shop.locator(W.bubble, { hasText: 'ok https://example.com' }).waitFor();
    const shown = await bubbleTexts(shop);
    expect(shown.slice(0, 3)).toEqual(hostile.slice(0, 3));
    expect(shown[3]).toBe('invoice\\u202egnp.exe');
    const facts = await shop.evaluate(() => {
      const root = document.querySelector('parley-widget')!.shadowRoot!;
      return {
        pwned: (window as unknown as { __pwned?: number }).__pwned,
        images: root.querySelectorAll('img').length,
        hrefs: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        rlo: root.textContent!.includes('\u202E'),
        styleAttributes: root.querySelectorAll('[style]').length,
        styleElements:
          root.querySelectorAll('style').length + document.querySelectorAll('style').length,
      };
    });
    expect(facts).toEqual({
      pwned: undefined,
      images: 0,
      hrefs: ['https://example.com/a?b='],
      rlo: false,
      styleAttributes: 0,
      styleElements: 0,
    });
    await shop.waitForTimeout(300);
    expect(await check()).toEqual([]);
  });
});
