// Copies the non-TypeScript files the relay loads at run time (Lua scripts) from src/ to dist/,
// and the built widget (widget/dist) to dist/widget/, served under /widget/.
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = new URL('../src/', import.meta.url).pathname;
const dist = new URL('../dist/', import.meta.url).pathname;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === 'lua') cpSync(path, join(dist, relative(src, path)), { recursive: true });
    else walk(path);
  }
}
walk(src);

const widget = new URL('../../widget/dist/', import.meta.url).pathname;
rmSync(join(dist, 'widget'), { recursive: true, force: true });
if (existsSync(widget)) cpSync(widget, join(dist, 'widget'), { recursive: true });
