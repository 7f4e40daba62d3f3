/**
 * examples/spring-style in headless Chromium: the tutorials' SockJS + stompjs 2.x page, served by
 * a development relay, chats between two tabs with a token from /dev/token.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, spawnRelay } from '../testing/index.js';
import type { RelayProcess } from '../testing/index.js';

describe.runIf(chromiumAvailable())('examples/spring-style in headless Chromium', () => {
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

  it('two tabs chat over SockJS with Stomp.over, /pub → /sub', async () => {
    const alice = await browser.newPage();
    const bob = await browser.newPage();
    const errors: string[] = [];
    for (const p of [alice, bob]) p.on('pageerror', (e) => errors.push(e.message));
    const page = `${relay.httpUrl}/examples/spring-style/`;
    await alice.goto(`${page}?user=alice&room=7`);
    await bob.goto(`${page}?user=bob&room=7`);
    for (const p of [alice, bob]) await p.locator('#state', { hasText: 'connected' }).waitFor();
    expect(await alice.locator('#state').innerText()).toBe('connected (websocket)');
    await alice.fill('input[name=text]', '안녕하세요 👋');
    await alice.press('input[name=text]', 'Enter');
    await bob.locator('#log p.msg', { hasText: '안녕하세요 👋' }).waitFor();
    expect(await bob.locator('#log p.msg').last().innerText()).toBe('alice: 안녕하세요 👋');
    expect(errors).toEqual([]);
  });

  it('is not served outside development mode', async () => {
    const prod = await spawnRelay();
    try {
      const r = await fetch(`${prod.httpUrl}/examples/spring-style/`);
      expect(r.status).toBe(404);
    } finally {
      await prod.stop();
    }
  });
});
