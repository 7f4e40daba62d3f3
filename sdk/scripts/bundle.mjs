// Bundles the built SDK (dist/index.js) and @stomp/stompjs into one ES module for browsers:
//   <script type="module">import { createClient } from '/sdk/parley-sdk.js';</script>
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const bundle = await rollup({
  input: `${root}dist/index.js`,
  // `browser` picks browser builds where a package has them; stompjs's ESM comes from `exports`.
  plugins: [
    nodeResolve({ exportConditions: ['browser', 'import', 'default'], preferBuiltins: false }),
  ],
  onwarn(warning, warn) {
    // Any unresolved import would be a bare specifier that browsers cannot load: fail instead.
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
    warn(warning);
  },
});
try {
  const { output } = await bundle.write({
    file: `${root}dist/browser/parley-sdk.js`,
    format: 'es',
    sourcemap: true,
  });
  const size = output.reduce((n, chunk) => n + (chunk.type === 'chunk' ? chunk.code.length : 0), 0);
  console.log(`dist/browser/parley-sdk.js: ${size} bytes`);
} finally {
  await bundle.close();
}
