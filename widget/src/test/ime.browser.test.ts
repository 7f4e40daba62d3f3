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

describe.runIf(widgetBuilt() && chromiumAvailable())('Korean input (IME composition)', () => {
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

  it('Enter during composition never sends; the composed text arrives intact', async () => {
    const ctx = await browser.newContext({
      locale: 'ko-KR',
      viewport: { width: 900, height: 720 },
    });
    const minsu = await ctx.newPage();
    const jiwoo = await (await browser.newContext({ locale: 'ko-KR' })).newPage();
    const check = await watchProblems(minsu);
    await minsu.goto(`${relay.httpUrl}/?room=hangul`);
    await jiwoo.goto(`${relay.httpUrl}/?room=hangul`);
    await openPanel(minsu);
    await openPanel(jiwoo);
    await waitConnected(minsu);
    await waitConnected(jiwoo);
    expect(await minsu.locator('parley-widget h2').innerText()).toBe('채팅');

    const box = minsu.locator(W.input);
    await box.focus();
    const cdp = await ctx.newCDPSession(minsu);
    // An IME composing 안녕하 (Chrome fires compositionstart/update).
    await cdp.send('Input.imeSetComposition', {
      text: '안녕하',
      selectionStart: 3,
      selectionEnd: 3,
    });
    // Enter while composing, as Chrome reports it (isComposing, keyCode 229).
    await box.evaluate((el) =>
      el.dispatchEvent(
        new KeyboardEvent('keydown', {
          key: 'Enter',
          code: 'Enter',
          keyCode: 229,
          isComposing: true,
          bubbles: true,
          cancelable: true,
          composed: true,
        }),
      ),
    );
    // The composition commits (compositionend) with the full word.
    await cdp.send('Input.insertText', { text: '안녕하세요' });
    // Safari's order: the Enter that ended the composition comes after compositionend, keyCode 229.
    await box.evaluate((el) =>
      el.dispatchEvent(
        new KeyboardEvent('keydown', {
          key: 'Enter',
          keyCode: 229,
          bubbles: true,
          cancelable: true,
        }),
      ),
    );
    await minsu.waitForTimeout(500);
    expect(await bubbleTexts(jiwoo)).toEqual([]);
    expect(await bubbleTexts(minsu)).toEqual([]);
    expect((await box.inputValue()).trim()).toBe('안녕하세요');
    // Now a plain Enter sends it, once, intact.
    await box.press('Enter');
    await jiwoo.locator(W.bubble, { hasText: '안녕하세요' }).waitFor();
    expect(await bubbleTexts(jiwoo)).toEqual(['안녕하세요']);
    expect(await box.inputValue()).toBe('');
    await say(jiwoo, '반가워요! 오늘 회의는 3시에 시작해요.');
    await say(minsu, '좋아요, 자료는 https://example.com/회의 에 올려 둘게요.');
    await minsu.locator(W.bubble, { hasText: '좋아요' }).waitFor();
    await minsu.locator(`${W.bubble}.sent`).nth(1).waitFor();
    await minsu.screenshot({ path: `${shotsDir()}korean.png` });
    expect(await check()).toEqual([]);
  });
});
