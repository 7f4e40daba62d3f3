import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { isCI } from './ci.js';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = process.env.PARLEY_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. Under CI (`CI=true` or `CI=1`) a missing Chromium is a failure:
 * this throws instead of letting the tests be skipped.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const hint = `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install chromium" (Debian) or set PARLEY_CHROMIUM_PATH`;
  if (isCI()) throw new Error(hint);
  console.warn(`${hint}; skipping browser tests`);
  return false;
}

/** Headless Chromium with the flags this machine needs (no sandbox as root, no background traffic). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
