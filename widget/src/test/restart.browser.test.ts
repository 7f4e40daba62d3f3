import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@parley/relay/testing';
import {
  bubbleTexts,
  chromiumAvailable,
  devRelay,
  launchChromium,
  openPanel,
  say,
  W,
  waitConnected,
  widgetBuilt,
} from './harness.js';
import type { Browser, RelayProcess } from './harness.js';

describe.runIf(widgetBuilt() && chromiumAvailable())('the relay restarts', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    relay = await devRelay({ env: { PARLEY_PORT: String(port) } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('shows the banner after a few seconds, sends the queued message after reconnect, once', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${relay.httpUrl}/?room=restart`);
    await openPanel(page);
    await waitConnected(page);
    await say(page, 'before the restart');
    await page.locator(`${W.bubble}.sent`).waitFor();

    await relay.kill();
    const lostAt = Date.now();
    await page.locator(W.banner).waitFor({ timeout: 15_000 });
    // Not at once: a short blip shows nothing.
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(2500);
    expect(await page.locator(W.banner).innerText()).toMatch(/Reconnecting/);
    await say(page, 'sent while offline');
    await page.locator(`${W.bubble}.pending`, { hasText: 'sent while offline' }).waitFor();

    relay = await devRelay({ env: { PARLEY_PORT: String(port) } });
    await waitConnected(page);
    await page
      .locator(`${W.bubble}.sent`, { hasText: 'sent while offline' })
      .waitFor({ timeout: 30_000 });
    await page.locator(W.banner).waitFor({ state: 'detached' });
    const texts = await bubbleTexts(page);
    expect(texts.filter((t) => t === 'sent while offline')).toHaveLength(1);
    expect(new Set(texts).size).toBe(texts.length);
    // Another visitor sees it exactly once too (it reached the new relay's history once).
    const other = await browser.newPage();
    await other.goto(`${relay.httpUrl}/?room=restart`);
    await openPanel(other);
    await other.locator(W.bubble, { hasText: 'sent while offline' }).waitFor();
    expect(await bubbleTexts(other)).toEqual(['sent while offline']);
    expect(errors).toEqual([]);
  });
});
