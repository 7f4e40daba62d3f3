/** Helpers for the widget's browser tests: a real relay process, Chromium, and host pages. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, spawnRelay } from '@parley/relay/testing';
import type { RelayProcess, SpawnRelayOptions } from '@parley/relay/testing';

export { chromiumAvailable, launchChromium, spawnRelay };
export type { Browser, BrowserContext, Page, RelayProcess };

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Where the screenshots for docs/widget.md go. */
export const SHOTS = fileURLToPath(new URL('../../../docs/widget/', import.meta.url));

/** The built widget must exist: the relay serves it from widget/dist. */
export function widgetBuilt(): boolean {
  const ok = existsSync(`${root}dist/parley.js`);
  if (!ok) console.warn('widget/dist is missing: run "pnpm --filter @parley/widget build" first');
  return ok;
}

export function shotsDir(): string {
  // Every run takes the screenshots; only PARLEY_UPDATE_SCREENSHOTS=1 writes them into docs/.
  const dir =
    process.env.PARLEY_UPDATE_SCREENSHOTS === '1' ? SHOTS : join(tmpdir(), 'parley-widget-shots/');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A relay in development mode (guest mode on, any origin). */
export function devRelay(options: SpawnRelayOptions = {}): Promise<RelayProcess> {
  return spawnRelay({ ...options, args: ['--dev', ...(options.args ?? [])] });
}

/** Serves fixed pages (path → HTML and headers) from another origin than the relay's. */
export interface HostServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function hostPages(
  pages: Record<string, { body: string; type?: string; headers?: Record<string, string> }>,
  port = 0,
): Promise<HostServer> {
  const server: Server = createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]!];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': page.type ?? 'text/html; charset=utf-8',
      ...page.headers,
    });
    res.end(page.body);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${p}`,
        port: p,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The snippet's stub (what docs/widget.md tells sites to paste), as script text. */
export function snippet(loaderUrl: string, name = 'Parley'): string {
  return `(function (w, d, n) {
  w[n] = w[n] || function () { (w[n].q = w[n].q || []).push(arguments); };
  var s = d.createElement('script');
  s.async = true; s.src = ${JSON.stringify(loaderUrl)}; s.dataset.parleyName = n;
  d.head.appendChild(s);
})(window, document, ${JSON.stringify(name)});`;
}

/** Console errors, page errors and CSP violations of a page. */
export async function watchProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('console', (m) => {
    // Failed loads are reported by URL below (Chromium's console line has none).
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) {
      problems.push(`http ${r.status()}: ${r.url()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return async () => {
    const violations = await page
      .evaluate(() => (window as unknown as { __violations: string[] }).__violations)
      .catch(() => [] as string[]);
    return [...problems, ...violations.map((v) => `csp: ${v}`)];
  };
}

/** Locators inside the widget (Playwright's CSS pierces open shadow roots). */
export const W = {
  launcher: 'parley-widget .launcher',
  badge: 'parley-widget .badge',
  panel: 'parley-widget .panel',
  input: 'parley-widget .composer textarea',
  status: 'parley-widget .status',
  banner: 'parley-widget .banner',
  bubble: 'parley-widget .bubble',
  typing: 'parley-widget .typing',
} as const;

export async function openPanel(page: Page): Promise<void> {
  await page.locator(W.launcher).click();
  await page.locator(W.input).waitFor();
}

export async function waitConnected(page: Page): Promise<void> {
  await page.locator(`${W.status}.connected`).waitFor({ timeout: 20_000 });
}

/** Types `text` and presses Enter in the composer. */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator(W.input).fill(text);
  await page.locator(W.input).press('Enter');
}

/** The texts of the message bubbles (without times and status). */
export function bubbleTexts(page: Page): Promise<string[]> {
  return page.locator(`${W.bubble} .text`).allInnerTexts();
}
