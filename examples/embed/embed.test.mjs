import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { chromiumAvailable, launchChromium, spawnRelay } from '@parley/relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from './server.mjs';

const built = existsSync(new URL('../../widget/dist/parley.js', import.meta.url));
if (!built) console.warn('examples/embed: build the widget first (pnpm build)');

describe.runIf(built && chromiumAvailable())('examples/embed', () => {
  let relay;
  let site;
  let origin;
  let browser;
  beforeAll(async () => {
    // The site first (the relay must know its origin), then the relay, then the site's handler.
    let handler = (_req, res) => res.writeHead(503).end();
    site = createServer((req, res) => handler(req, res));
    await new Promise((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${site.address().port}`;
    relay = await spawnRelay({
      env: {
        PARLEY_ALLOWED_ORIGINS: origin,
        PARLEY_GUEST_GRANTS: JSON.stringify({
          sub: ['/topic/room.lobby'],
          pub: ['/topic/room.lobby'],
        }),
      },
    });
    handler = createHandler(relay.httpUrl, relay.secret);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await new Promise((r) => site?.close(r));
  });

  it('a signed-in page (token endpoint) and a guest page, under a strict CSP, both connect', async () => {
    const problems = [];
    const watch = (page) => {
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
    };
    const shop = await browser.newPage();
    watch(shop);
    await shop.goto(`${origin}/`);
    await shop.getByRole('button', { name: 'Log in as alice' }).click();
    await shop.waitForURL(`${origin}/`);
    await shop.locator('parley-widget .launcher').click();
    await shop.locator('parley-widget .status.connected').waitFor();
    expect(await shop.locator('parley-widget h2').innerText()).toBe('Support');
    await shop.locator('parley-widget textarea').fill('Where is my order?');
    await shop.locator('parley-widget textarea').press('Enter');
    await shop.locator('parley-widget .bubble.sent', { hasText: 'Where is my order?' }).waitFor();

    const guest = await browser.newPage();
    watch(guest);
    await guest.goto(`${origin}/guest.html`);
    await guest.locator('parley-widget .launcher').click();
    await guest.locator('parley-widget .status.connected').waitFor();
    await guest.locator('parley-widget textarea').fill('Hello from a guest');
    await guest.locator('parley-widget textarea').press('Enter');
    await guest.locator('parley-widget .bubble.sent', { hasText: 'Hello from a guest' }).waitFor();
    const stored = await guest.evaluate(() => localStorage.getItem('parley.guestId'));
    expect(stored).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });

  it("docs/widget.md's snippet, inline with the CSP nonce, boots the widget; its events arrive", async () => {
    const problems = [];
    const logs = [];
    const shop = await browser.newPage();
    shop.on('console', (m) => (m.type() === 'error' ? problems : logs).push(m.text()));
    shop.on('pageerror', (e) => problems.push(e.message));
    // The test's own probe (not page code, so not subject to the page's CSP).
    await shop.addInitScript(() => {
      window.states = [];
      addEventListener('parley:connection', (e) => window.states.push(e.detail.state));
    });
    const response = await shop.goto(`${origin}/snippet.html`);
    const csp = response.headers()['content-security-policy'];
    expect(csp).toMatch(/script-src 'self' http:\/\/127\.0\.0\.1:\d+ 'nonce-[\w+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    await shop.locator('parley-widget .launcher').waitFor();
    await shop.waitForFunction(() => window.states.includes('connected'));
    expect(await shop.title()).toBe('Shop');

    const guest = await browser.newPage();
    await guest.goto(`${origin}/guest.html`);
    await guest.locator('parley-widget .launcher').click();
    await guest.locator('parley-widget .status.connected').waitFor();
    await guest.locator('parley-widget textarea').fill('Is the shop open?');
    await guest.locator('parley-widget textarea').press('Enter');

    await shop.waitForFunction(() => document.title === '(1) Shop');
    await expect
      .poll(() => logs)
      .toContainEqual(expect.stringMatching(/^guest-[\w-]{22,} Is the shop open\?$/));
    expect(problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });
});
