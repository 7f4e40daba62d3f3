import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

const require = createRequire(import.meta.url);

/** The loaded uWS module and whether it is the native binary or the slow `ws` fallback. */
export interface LoadedUws {
  uws: typeof UWS;
  native: boolean;
}

/**
 * Loads uWebSockets.js. The package silently falls back to a `ws` shim when its binary cannot
 * load; the native build has `getParts`, the shim does not (it is the package's `dist/index`).
 */
export function loadUws(): LoadedUws {
  const warn = console.warn;
  const log = console.log;
  const swallowed: string[] = [];
  console.warn = (...args: unknown[]) => void swallowed.push(args.join(' '));
  console.log = (...args: unknown[]) => void swallowed.push(args.join(' '));
  let uws: typeof UWS;
  try {
    uws = require('uWebSockets.js') as typeof UWS;
  } finally {
    console.warn = warn;
    console.log = log;
  }
  const native = typeof (uws as unknown as Record<string, unknown>).getParts === 'function';
  return { uws, native };
}
