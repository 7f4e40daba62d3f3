import { existsSync } from 'node:fs';
import { loadStatic } from './static.js';
import type { StaticFile } from './static.js';

/** The loader's `Cache-Control`: short, so a new release reaches pages within minutes. */
export const LOADER_CACHE = 'public, max-age=300';
/** Hashed chunks never change under their name. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** A content-hashed file name, e.g. `chat.3f9a0c1d2e.js`. */
const HASHED = /\.[0-9a-f]{8,}\.(js|css|map)$/;

/**
 * The built widget (`widget/dist`) as files under `/widget/`, served in every mode: hashed chunks
 * with a long immutable cache, everything else (the loader `parley.js`, the manifest) for five
 * minutes. Every file carries `Access-Control-Allow-Origin: *`: other sites load the chat chunk
 * with `import()`, which fetches in CORS mode. The first folder of `dirs` that exists is used.
 */
export function loadWidgetFiles(dirs: readonly string[]): Map<string, StaticFile> {
  const dir = dirs.find((d) => existsSync(d));
  const files = dir ? loadStatic(dir, '/widget/') : new Map<string, StaticFile>();
  for (const [url, file] of files) {
    file.cacheControl = HASHED.test(url) ? IMMUTABLE_CACHE : LOADER_CACHE;
    file.cors = true;
  }
  return files;
}
