// Bundles the built SDK (dist/index.js) and @stomp/stompjs into one ES module for browsers:
//   <script type="module">import { createClient } from '/sdk/parley-sdk.js';</script>
// and a minified copy (dist/browser/parley-sdk.min.js) whose gzip size the size-limit budget
// in package.json checks (`pnpm --filter @parley/sdk size`, and src/package.test.ts).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const bundle = await rollup({
  input: `${root}dist/index.js`,
  // The SockJS fallback loads sockjs-client lazily (sockjs-factory.ts): it must not be in this
  // bundle. Pages using the prebuilt bundle include sockjs.min.js (a global SockJS) or map the
  // bare 'sockjs-client' in an import map; bundlers split the dynamic import into a lazy chunk.
  external: ['sockjs-client'],
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
  for (const [file, plugins] of [
    ['parley-sdk.js', []],
    [
      'parley-sdk.min.js',
      [
        terser({
          module: true,
          // `_name` properties are internal, never part of an API: stompjs's private members
          // (`_webSocket`, `_stompHandler`…) and the SDK's internal members (`_attach`,
          // `_needsResync`, `_typingDestination`…: methods and fields of internal classes and
          // records, never on the public surface). Mangled like locals (one name, one mangled
          // name across the bundle): −0.35 kB min+gzip for stompjs's, −0.12 kB for the SDK's.
          mangle: { properties: { regex: /^_[a-zA-Z]/ } },
        }),
      ],
    ],
  ]) {
    const { output } = await bundle.write({
      file: `${root}dist/browser/${file}`,
      format: 'es',
      sourcemap: true,
      plugins,
    });
    const size = output.reduce((n, c) => n + (c.type === 'chunk' ? c.code.length : 0), 0);
    console.log(`dist/browser/${file}: ${size} bytes`);
  }
} finally {
  await bundle.close();
}
