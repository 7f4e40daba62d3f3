import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A file held in memory, ready to serve. */
export interface StaticFile {
  type: string;
  body: Buffer;
  /** `Cache-Control`; `no-cache` when absent. */
  cacheControl?: string;
  /** Answer with `Access-Control-Allow-Origin: *` (scripts other sites load as modules). */
  cors?: boolean;
}

/**
 * Reads every file below `dir` into a map from URL path (`prefix` + relative path) to contents.
 * Small asset folders only (demo page, SDK and widget bundles); a missing folder yields nothing.
 */
export function loadStatic(dir: string, prefix: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const url = prefix + relative(dir, p).split('\\').join('/');
        files.set(url, {
          type: TYPES[extname(p)] ?? 'application/octet-stream',
          body: readFileSync(p),
        });
      }
    }
  };
  try {
    if (statSync(dir).isDirectory()) walk(dir);
  } catch {
    // absent: nothing to serve
  }
  return files;
}
