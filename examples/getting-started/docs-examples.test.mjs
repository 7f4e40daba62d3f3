// Code in docs/ that claims to run is a file under examples/, run by a test there. A doc marks
// the block with `<!-- example: examples/x/y.mjs -->` (the block is the whole file, verbatim) or
// `<!-- excerpt: examples/x/y.mjs -->` (the block's lines appear, in order and together, in the
// file). This checks every marked block, and that getting-started.md has no unmarked code.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const docs = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
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

  it('getting-started.md has no JavaScript or TypeScript that is not an example file', () => {
    const text = readFileSync(new URL('docs/getting-started.md', root), 'utf8');
    const all = [...text.matchAll(/```(js|ts|mjs|javascript|typescript)\n/g)].length;
    expect(all).toBe(blocks('docs/getting-started.md').length);
  });
});
