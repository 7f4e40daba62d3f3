import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { StaticFile } from './static.js';

const require = createRequire(import.meta.url);
const JS = 'text/javascript; charset=utf-8';

/**
 * The Spring-style example (`examples/spring-style/`) for development mode, at
 * `/examples/spring-style/`: its page plus the two scripts it loads the way the tutorials do
 * (sockjs-client's `sockjs.min.js`, stompjs 2.x's `stomp.min.js`), from the workspace. Nothing
 * when the example or a script is not there (an installed relay).
 *
 * @param examplesDir the repository's `examples/` folder
 */
export function loadSpringExample(examplesDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const prefix = '/examples/spring-style/';
  try {
    files.set(`${prefix}index.html`, {
      type: 'text/html; charset=utf-8',
      body: readFileSync(resolve(examplesDir, 'spring-style/index.html')),
    });
    files.set(`${prefix}sockjs.min.js`, {
      type: JS,
      body: readFileSync(require.resolve('sockjs-client/dist/sockjs.min.js')),
    });
    files.set(`${prefix}stomp.min.js`, {
      type: JS,
      body: readFileSync(require.resolve('stompjs/lib/stomp.min.js')),
    });
  } catch {
    return new Map();
  }
  return files;
}
