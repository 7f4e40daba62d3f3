// Code in docs/ that claims to run is a file under examples/, run by a test there. A doc marks
// the block with `<!-- example: examples/x/y.mjs -->` (the block is the whole file, verbatim) or
// `<!-- excerpt: examples/x/y.mjs -->` (the block's lines appear, in order and together, in the
// file). This checks every marked block, and that the docs in COVERED have no unmarked code: a
// program block there is an example, an excerpt, or says why not (`<!-- unbacked: reason -->`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const docs = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const COVERED = [
  'docs/getting-started.md',
  'docs/sdk.md',
  'docs/widget.md',
  'docs/migrating-from-spring.md',
];
const MARKED = /<!-- (example|excerpt): (\S+) -->\n\n```\w*\n([\s\S]*?)```/g;

function blocks(doc) {
  const text = readFileSync(new URL(doc, root), 'utf8');
  return [...text.matchAll(MARKED)].map(([, kind, path, code]) => ({ kind, path, code }));
}

describe('code blocks in the docs', () => {
  const marked = docs.flatMap((doc) => blocks(doc).map((b) => ({ doc, ...b })));

  it('getting-started.md shows examples/getting-started verbatim', () => {
    const paths = blocks('docs/getting-started.md').map((b) => b.path);
    for (const f of ['token-server.mjs', 'client.mjs', 'stomp-client.mjs']) {
      expect(paths).toContain(`examples/getting-started/${f}`);
    }
  });

  it.each(marked.map((b) => [`${b.doc}: ${b.kind} ${b.path}`, b]))('%s', (_, b) => {
    const file = readFileSync(new URL(b.path, root), 'utf8');
    if (b.kind === 'example') expect(b.code).toBe(file);
    else expect(file).toContain(b.code);
  });

  it('sdk.md shows the files of examples/sdk', () => {
    const paths = new Set(blocks('docs/sdk.md').map((b) => b.path));
    for (const f of ['client.ts', 'connection.ts', 'rooms.ts', 'features.ts', 'dm.ts']) {
      expect(paths).toContain(`examples/sdk/${f}`);
    }
  });

  it.each(COVERED)('%s has no program code that is not from an example file', (doc) => {
    const text = readFileSync(new URL(doc, root), 'utf8');
    const code = /```(js|ts|tsx|mjs|javascript|typescript|html)\n/g;
    const unbacked =
      /<!-- unbacked: [^>]*\S -->\n\n```(js|ts|tsx|mjs|javascript|typescript|html)\n/g;
    const all = [...text.matchAll(code)].length;
    expect(all).toBe(blocks(doc).length + [...text.matchAll(unbacked)].length);
  });
});

describe('tables in the docs', () => {
  const cells = (line) => line.trim().split(/(?<!\\)\|/).length - 2;
  it.each(docs)('%s: every row has as many cells as its header', (doc) => {
    const lines = readFileSync(new URL(doc, root), 'utf8').split('\n');
    let inCode = false;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].startsWith('```')) inCode = !inCode;
      if (inCode || !/^\|[\s:|-]+\|$/.test(lines[i + 1] ?? '') || !lines[i].startsWith('|')) {
        continue;
      }
      const want = cells(lines[i]);
      for (let j = i + 1; j < lines.length && lines[j].startsWith('|'); j++) {
        expect(cells(lines[j]), `${doc}:${j + 1}`).toBe(want);
      }
    }
  });
});

describe('examples/README.md', () => {
  const text = readFileSync(new URL('examples/README.md', root), 'utf8');
  const rows = [...text.matchAll(/^\| \[([\w-]+)\]\(\1\) .*\|([^|]*)\|$/gm)];

  it('lists every example folder', () => {
    const folders = readdirSync(new URL('examples/', root), { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() && existsSync(new URL(`examples/${d.name}/package.json`, root)),
      )
      .map((d) => d.name);
    expect(rows.map(([, name]) => name).sort()).toEqual(folders.sort());
  });

  it.each(rows.map(([, name, reads]) => [name, reads]))(
    '%s: the variables listed are the ones its programs read',
    (name, reads) => {
      const dir = new URL(`examples/${name}/`, root);
      const read = new Set();
      for (const f of readdirSync(dir).filter(
        (f) => /\.(m?js|ts)$/.test(f) && !f.includes('test'),
      )) {
        const code = readFileSync(new URL(f, dir), 'utf8');
        for (const [, v] of code.matchAll(/process\.env\.([A-Z_]+)/g)) read.add(v);
      }
      const listed = [...reads.matchAll(/`([A-Z_]+)`/g)].map(([, v]) => v);
      expect(listed.sort()).toEqual([...read].sort());
    },
  );
});
