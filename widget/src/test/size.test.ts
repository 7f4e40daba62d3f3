import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { widgetBuilt } from './harness.js';

/** Budgets in bytes, minified and gzipped (DESIGN.md §11). 1 kB = 1024 B, as size-limit counts. */
export const BUDGETS = { loader: 5 * 1024, chat: 30 * 1024 } as const;
/**
 * The chat chunk is OVER its 30 kB design budget since the SDK's chat features landed (the SDK
 * with stompjs alone is ~21 kB of it; it was ~9 kB when the budget was set): see
 * docs/widget.md#size. Until that is decided, this ceiling stops it from growing further.
 */
export const CHAT_CEILING = 36 * 1024;

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const gz = (file: string): { min: number; gzip: number } => {
  const code = readFileSync(dist + file);
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
};

describe.runIf(widgetBuilt())('size budgets of the built widget', () => {
  it('loader ≤ 5 kB; chat chunk (Preact + SDK + stompjs) against its 30 kB budget, min+gzip', () => {
    const manifest = JSON.parse(readFileSync(`${dist}manifest.json`, 'utf8')) as {
      chat: string;
      strings: Record<string, string>;
    };
    const loader = gz('parley.js');
    const chat = gz(manifest.chat);
    const rows = [
      ['parley.js', loader, BUDGETS.loader],
      [manifest.chat, chat, BUDGETS.chat],
      ...Object.values(manifest.strings).map((f) => [f, gz(f), undefined] as const),
    ] as const;
    for (const [file, s, budget] of rows) {
      console.log(
        `${file.padEnd(28)} ${String(s.min).padStart(6)} B min  ${String(s.gzip).padStart(6)} B min+gzip` +
          (budget ? `  (budget ${budget} B, ${Math.round((100 * s.gzip) / budget)}%)` : ''),
      );
    }
    expect(loader.gzip).toBeLessThanOrEqual(BUDGETS.loader);
    if (chat.gzip > BUDGETS.chat) {
      console.warn(
        `chat chunk is ${chat.gzip - BUDGETS.chat} B over its ${BUDGETS.chat} B design budget (ceiling ${CHAT_CEILING} B)`,
      );
    }
    expect(chat.gzip).toBeLessThanOrEqual(CHAT_CEILING);
  });
});
