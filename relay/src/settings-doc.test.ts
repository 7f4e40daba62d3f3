import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_END, DOC_START, renderSettingsDoc, replaceSettingsDoc } from './settings-doc.js';
import { SETTINGS } from './settings.js';

const docPath = new URL('../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('holds the settings table rendered from SETTINGS (run `pnpm docs:config` after a change)', () => {
    const doc = readFileSync(docPath, 'utf8');
    expect(doc).toContain(DOC_START);
    expect(doc).toContain(DOC_END);
    expect(doc).toBe(replaceSettingsDoc(doc, renderSettingsDoc()));
  });

  it('lists every variable once, with its default and range', () => {
    const text = renderSettingsDoc();
    for (const s of SETTINGS) {
      const rows = text.split('\n').filter((l) => l.startsWith(`| \`${s.name}\` `));
      expect(rows, s.name).toHaveLength(1);
      if (s.int) expect(rows[0]).toContain(`| \`${s.int.default}\` `);
    }
  });
});

describe('renderSettingsDoc', () => {
  it('pads every row of a table to the same width as its header', () => {
    for (const block of renderSettingsDoc()
      .split(/^### .*$/m)
      .slice(1)) {
      const lines = block.split('\n').filter((l) => l.startsWith('|'));
      expect(lines.length).toBeGreaterThan(2);
      const cells = (l: string): number => l.split(/(?<!\\)\|/).length;
      for (const l of lines) {
        expect(l.length).toBe(lines[0]!.length);
        expect(cells(l)).toBe(cells(lines[0]!));
      }
    }
  });

  it('escapes pipes inside cells', () => {
    const text = renderSettingsDoc([
      { name: 'PARLEY_X', section: 'runtime', help: 'a|b', values: 'c|d' },
    ]);
    expect(text).toContain('c\\|d');
    expect(text).toContain('a\\|b');
  });

  it('refuses a doc without markers', () => {
    expect(() => replaceSettingsDoc('# nothing here', '')).toThrow(/markers/);
  });
});
