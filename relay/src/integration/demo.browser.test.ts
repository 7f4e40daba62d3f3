import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

const WIDGET = new URL('../../../widget/dist/parley.js', import.meta.url);

describe.runIf(chromiumAvailable())('demo page in headless Chromium', () => {
  let relay: RelayProcess;
  let browser: Browser;
  beforeAll(async () => {
    relay = await spawnRelay({ args: ['--dev'] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('two tabs chat through the SDK bundle and the relay', async () => {
    const alice = await browser.newPage();
    const bob = await browser.newPage();
    const errors: string[] = [];
    for (const p of [alice, bob]) p.on('pageerror', (e) => errors.push(e.message));
    await alice.goto(`${relay.httpUrl}/sdk.html?user=alice&room=demo`);
    await bob.goto(`${relay.httpUrl}/sdk.html?user=bob&room=demo`);
    for (const p of [alice, bob]) await p.locator('#state', { hasText: 'connected' }).waitFor();
    await alice.fill('input[name=text]', '안녕하세요, bob');
    await alice.press('input[name=text]', 'Enter');
    await bob.locator('#log p.msg', { hasText: '안녕하세요, bob' }).waitFor();
    expect(await bob.locator('#log p.msg').last().innerText()).toBe('alice: 안녕하세요, bob');
    expect(await alice.locator('#log p.msg').last().innerText()).toBe('alice: 안녕하세요, bob');
    expect(errors).toEqual([]);
  });

  // The widget is built by `pnpm build` (sdk, widget, relay); without widget/dist there is none.
  it.runIf(existsSync(WIDGET))(
    'the page at / embeds the widget as a guest, from /widget/',
    async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const loader = page.waitForResponse((r) => r.url().endsWith('/widget/parley.js'));
      await page.goto(`${relay.httpUrl}/?room=demo-widget`);
      const res = await loader;
      expect(res.headers()['cache-control']).toBe('public, max-age=300');
      await page.locator('parley-widget .launcher').click();
      await page.locator('parley-widget .status.connected').waitFor();
      await page.locator('parley-widget textarea').fill('hello from the demo');
      await page.locator('parley-widget textarea').press('Enter');
      await page
        .locator('parley-widget .bubble.sent', { hasText: 'hello from the demo' })
        .waitFor();
      expect(errors).toEqual([]);
    },
  );
});
