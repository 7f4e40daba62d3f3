import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { widgetBuilt } from './harness.js';

/**
 * Budgets in bytes, minified and gzipped; 1 kB = 1024 B, as size-limit counts. The test fails
 * above them — no warning band. The chat chunk's 30 kB is DESIGN.md §11's; the widget's build of
 * the SDK is lean to fit it (no DMs, no SockJS, no Worker ticker, no debug logging: see
 * docs/widget.md#size). Lazy chunks (agent mode) and locale strings are listed without a budget:
 * visitors do not load the agent chunk.
 */
export const BUDGETS = { loader: 5 * 1024, chat: 30 * 1024 } as const;

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const gz = (file: string): { min: number; gzip: number } => {
  const code = readFileSync(dist + file);
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
};

describe.runIf(widgetBuilt())('size budgets of the built widget', () => {
  it('loader ≤ 5 kB; chat chunk (Preact + SDK + stompjs) ≤ 30 kB, min+gzip', () => {
    const manifest = JSON.parse(readFileSync(`${dist}manifest.json`, 'utf8')) as {
      chat: string;
      lazy: Record<string, string>;
      strings: Record<string, string>;
    };
    const loader = gz('parley.js');
    const chat = gz(manifest.chat);
    const rows = [
      ['parley.js', loader, BUDGETS.loader],
      [manifest.chat, chat, BUDGETS.chat],
      ...Object.values(manifest.lazy).map((f) => [f, gz(f), undefined] as const),
      ...Object.values(manifest.strings).map((f) => [f, gz(f), undefined] as const),
    ] as const;
    for (const [file, s, budget] of rows) {
      console.log(
        `${file.padEnd(28)} ${String(s.min).padStart(6)} B min  ${String(s.gzip).padStart(6)} B min+gzip` +
          (budget ? `  (budget ${budget} B, ${Math.round((100 * s.gzip) / budget)}%)` : ''),
      );
    }
    expect(loader.gzip).toBeLessThanOrEqual(BUDGETS.loader);
    expect(chat.gzip).toBeLessThanOrEqual(BUDGETS.chat);
  });
});
