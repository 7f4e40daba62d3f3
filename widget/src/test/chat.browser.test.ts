import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bubbleTexts,
  chromiumAvailable,
  devRelay,
  launchChromium,
  openPanel,
  say,
  shotsDir,
  W,
  waitConnected,
  watchProblems,
  widgetBuilt,
} from './harness.js';
import type { Browser, RelayProcess } from './harness.js';

describe.runIf(widgetBuilt() && chromiumAvailable())('two visitors chat through the widget', () => {
  let relay: RelayProcess;
  let browser: Browser;
  beforeAll(async () => {
    relay = await devRelay();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('on the demo page: messages both ways, own status, unread badge, screenshots', async () => {
    const a = await browser.newContext({ locale: 'en-US', colorScheme: 'light' });
    const b = await browser.newContext({ locale: 'en-US', colorScheme: 'dark' });
    const alice = await a.newPage();
    const bob = await b.newPage();
    const problems = [await watchProblems(alice), await watchProblems(bob)];
    await alice.goto(`${relay.httpUrl}/?room=widget-chat`);
    await bob.goto(`${relay.httpUrl}/?room=widget-chat&scheme=dark`);
    await openPanel(alice);
    await waitConnected(alice);
    // Bob's panel stays closed: his socket connects anyway (connect: 'auto') and counts unread.
    await bob.locator(W.launcher).waitFor();
    await bob.waitForFunction(() => document.title === 'Parley demo');
    await bob.waitForTimeout(1500);
    await say(alice, 'Hello Bob! See https://example.com/docs.');
    await bob.locator(`${W.badge}:not([hidden])`).waitFor();
    expect(await bob.locator(W.badge).innerText()).toBe('1');
    expect(await bob.locator(W.launcher).getAttribute('aria-label')).toContain('1 unread');
    await openPanel(bob);
    await waitConnected(bob);
    await bob.locator(W.bubble, { hasText: 'Hello Bob' }).waitFor();
    // Where the SDK has presence, typing and read marks, the other side sees them.
    await alice.locator(W.status, { hasText: '2 online' }).waitFor();
    await bob.locator(W.input).pressSequentially('Hi Alice', { delay: 20 });
    await alice.locator(W.typing, { hasText: 'is typing' }).waitFor();
    await alice.locator(`${W.bubble} .state`, { hasText: 'Seen' }).waitFor();
    await bob.locator(W.input).press('Enter');
    await alice.locator(W.bubble, { hasText: 'Hi Alice' }).waitFor();
    expect(await bubbleTexts(alice)).toEqual([
      'Hello Bob! See https://example.com/docs.',
      'Hi Alice',
    ]);
    expect(await bubbleTexts(bob)).toEqual([
      'Hello Bob! See https://example.com/docs.',
      'Hi Alice',
    ]);
    // Own messages settle as sent (no "Sending…" left), the link is a safe link.
    await alice.locator(`${W.bubble}.sent`).first().waitFor();
    const link = bob.locator(`${W.bubble} a`);
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    const dir = shotsDir();
    await alice.screenshot({ path: `${dir}light.png` });
    await bob.screenshot({ path: `${dir}dark.png` });
    for (const p of problems) expect(await p()).toEqual([]);
    await a.close();
    await b.close();
  });
});
