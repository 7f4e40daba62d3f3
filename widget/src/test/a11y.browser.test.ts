import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  devRelay,
  launchChromium,
  openPanel,
  say,
  shotsDir,
  W,
  waitConnected,
  widgetBuilt,
} from './harness.js';
import type { Browser, Page, RelayProcess } from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }>;
}

/** axe-core on the widget only; serious and critical violations. */
async function axeWidget(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(c: unknown): Promise<unknown> } }).axe.run({
      include: [['parley-widget']],
    }),
  )) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

describe.runIf(widgetBuilt() && chromiumAvailable())('accessibility and mobile', () => {
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

  for (const scheme of ['light', 'dark'] as const) {
    it(`axe finds nothing serious in the launcher and the open panel (${scheme})`, async () => {
      const page = await (await browser.newContext({ colorScheme: scheme })).newPage();
      await page.goto(`${relay.httpUrl}/?room=a11y&scheme=${scheme}`);
      await page.locator(W.launcher).waitFor();
      expect(await axeWidget(page)).toEqual([]);
      await openPanel(page);
      await waitConnected(page);
      await say(page, 'Checking contrast and labels https://example.com');
      await page.locator(`${W.bubble}.sent`).waitFor();
      expect(await axeWidget(page)).toEqual([]);
    });
  }

  it('keyboard: the launcher is a labelled toggle, Escape closes and focus returns to it', async () => {
    const page = await browser.newPage();
    await page.goto(`${relay.httpUrl}/?room=a11y-keys`);
    const launcher = page.locator(W.launcher);
    await launcher.waitFor();
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    expect(await launcher.getAttribute('aria-controls')).toBe('parley-panel');
    expect(await launcher.getAttribute('aria-label')).toBe('Open chat');
    await launcher.focus();
    await page.keyboard.press('Enter');
    await page.locator(W.input).waitFor();
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('parley-widget [role=dialog]').getAttribute('aria-labelledby')).toBe(
      'parley-title',
    );
    // Focus went into the panel (the message box).
    await page.waitForFunction(
      () =>
        document.querySelector('parley-widget')!.shadowRoot!.activeElement?.tagName === 'TEXTAREA',
    );
    await page.keyboard.press('Escape');
    await page.locator(W.panel).waitFor({ state: 'detached' });
    await page.waitForFunction(
      () =>
        document.querySelector('parley-widget')!.shadowRoot!.activeElement?.className ===
        'launcher',
    );
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
  });

  it('a 375×667 phone: full-screen modal panel, the page behind does not scroll, restored on close', async () => {
    const ctx = await browser.newContext({
      viewport: { width: 375, height: 667 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      reducedMotion: 'reduce',
    });
    const page = await ctx.newPage();
    await page.goto(`${relay.httpUrl}/?room=phone`);
    await openPanel(page);
    await waitConnected(page);
    const box = await page.locator(W.panel).boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 375, height: 667 });
    expect(await page.locator(W.panel).getAttribute('aria-modal')).toBe('true');
    expect(await page.evaluate(() => getComputedStyle(document.body).overflow)).toBe('hidden');
    await say(page, 'Hello from a phone. Is the keyboard in the way?');
    await page.locator(`${W.bubble}.sent`).waitFor();
    await page.screenshot({ path: `${shotsDir()}phone.png` });
    await page.locator('parley-widget .header .icon').last().click();
    await page.locator(W.panel).waitFor({ state: 'detached' });
    await page.waitForFunction(() => getComputedStyle(document.body).overflow === 'visible');
    await ctx.close();
  });
});
