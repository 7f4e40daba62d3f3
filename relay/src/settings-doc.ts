/**
 * The settings table of docs/configuration.md, rendered from SETTINGS (settings.ts). The doc holds
 * it between {@link DOC_START} and {@link DOC_END}; `pnpm docs:config` rewrites that part and
 * settings-doc.test.ts fails when it differs from what this renders.
 */
import { SECTIONS, SETTINGS } from './settings.js';
import type { Section, Setting } from './settings.js';

export const DOC_START =
  '<!-- settings:start (generated from relay/src/settings.ts by `pnpm docs:config`; do not edit) -->\n<!-- prettier-ignore-start -->';
export const DOC_END = '<!-- prettier-ignore-end -->\n<!-- settings:end -->';

/** Thousands separated by a thin space, as elsewhere in the docs: 1 048 576. */
function number(n: number): string {
  return n >= 10_000 ? n.toLocaleString('en-US').replace(/,/g, ' ') : String(n);
}

function defaultCell(s: Setting): string {
  if (s.int) return `\`${s.int.default}\``;
  if (s.flag) return s.flag.default ? '`1`' : '`0`';
  return s.default !== undefined ? `\`${s.default}\`` : '—';
}

function valuesCell(s: Setting): string {
  if (s.int) return `${number(s.int.min)}–${number(s.int.max)}`;
  if (s.flag) return '`0` or `1`';
  return s.values ?? '—';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A markdown table padded the way prettier pads one. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The generated part of docs/configuration.md, markers excluded. */
export function renderSettingsDoc(settings: readonly Setting[] = SETTINGS): string {
  const parts: string[] = [];
  for (const [section, title] of Object.entries(SECTIONS) as Array<[Section, string]>) {
    const rows = settings.filter((s) => s.section === section);
    if (rows.length === 0) continue;
    parts.push(
      `### ${title}`,
      '',
      table(
        ['variable', 'default', 'accepted', 'meaning'],
        rows.map((s) =>
          [`\`${s.name}\``, defaultCell(s), valuesCell(s), s.doc ?? s.help].map(cell),
        ),
      ),
      '',
    );
  }
  return parts.join('\n');
}

/** `doc` with the part between the markers replaced by `generated`; throws without markers. */
export function replaceSettingsDoc(doc: string, generated: string): string {
  const start = doc.indexOf(DOC_START);
  const end = doc.indexOf(DOC_END);
  if (start < 0 || end < start) {
    throw new Error(`docs/configuration.md has no ${DOC_START} … ${DOC_END} markers`);
  }
  return `${doc.slice(0, start + DOC_START.length)}\n\n${generated}\n${doc.slice(end)}`;
}
