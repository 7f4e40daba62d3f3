// Builds the widget into dist/:
//   parley.js            the loader: one IIFE, ≤ 5 kB min+gzip, served with a 5-minute cache
//   chat.<hash>.js       the chat chunk: Preact + SDK + stompjs, one ES module, ≤ 30 kB min+gzip
//   agent.<hash>.js      agent mode (the support inbox), imported by the chat chunk for agents only
//   manifest.json        file names and sizes
// The loader finds the chunk beside itself: its hashed name is baked into the loader here.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { transform } from 'esbuild';
import { rollup } from 'rollup';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/`;

/** TypeScript and TSX (Preact's automatic JSX runtime) through esbuild's transform. */
const typescript = {
  name: 'parley-typescript',
  async transform(code, id) {
    if (!/\.tsx?$/.test(id)) return null;
    const out = await transform(code, {
      loader: id.endsWith('x') ? 'tsx' : 'ts',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      target: 'es2022',
      sourcefile: id,
    });
    return { code: out.code, map: null };
  },
  resolveId(source, importer) {
    // Sources import './x.js' for './x.ts(x)' (NodeNext style).
    if (
      importer &&
      source.startsWith('.') &&
      source.endsWith('.js') &&
      !importer.includes('node_modules')
    ) {
      return this.resolve(source.replace(/\.js$/, '.ts'), importer, { skipSelf: true }).then(
        (r) => r ?? this.resolve(source.replace(/\.js$/, '.tsx'), importer, { skipSelf: true }),
      );
    }
    return null;
  },
};

/** The chunk's file name, as a module the loader imports. */
const manifest = (chatFile, stringsFiles) => ({
  name: 'parley-manifest',
  resolveId: (id) => (id === 'parley:manifest' ? '\0parley:manifest' : null),
  load: (id) =>
    id === '\0parley:manifest'
      ? `export const CHAT_FILE = ${JSON.stringify(chatFile)};\n` +
        `export const STRINGS_FILES = ${JSON.stringify(stringsFiles)};`
      : null,
});

/**
 * The SDK loads `sockjs-client` lazily for its SockJS fallback. The widget ships WebSocket only
 * (SockJS would cost more than the whole panel): the import resolves to nothing, so a fallback
 * fails cleanly, unless the page itself provides a global `SockJS` (the SDK uses it then).
 */
const noSockJs = {
  name: 'parley-no-sockjs',
  transform(code, id) {
    if (!code.includes('sockjs-client') || id.includes('node_modules')) return null;
    // `{}` like a module without a default export (rather than a chunk of its own).
    return { code: code.replace(/import\(\s*['"]sockjs-client['"]\s*\)/g, 'Promise.resolve({})') };
  },
};

/**
 * stompjs logs through its `debug` option, and the SDK passes it a no-op unless the app gives the
 * SDK a `debug` function — the widget never does. Its log calls (`this.debug(\`…\`)`, long
 * strings) are marked pure here so the minifier drops them: −0.7 kB min+gzip in the chat chunk.
 * Only the widget does this; the SDK's own bundle keeps them (its `debug` option shows them).
 */
const STOMP_DEBUG_CALL = /(?<![\w$.])((?:this\.(?:_client\.)?_?)?debug)\(/g;
const quietStomp = {
  name: 'parley-quiet-stompjs',
  transform(code, id) {
    if (!/[\\/]@stomp[\\/]stompjs[\\/]/.test(id)) return null;
    return { code: code.replace(STOMP_DEBUG_CALL, '/*@__PURE__*/$1('), map: null };
  },
};

const minify = () =>
  terser({
    ecma: 2020,
    module: true,
    toplevel: true,
    compress: {
      passes: 3,
      pure_getters: true,
      unsafe_arrows: true,
      unsafe_methods: true,
      unsafe: true,
    },
    // `_name` properties are internal: stompjs's private members (`_webSocket`, `_stompHandler`…,
    // −0.37 kB) and the SDK's internal members (`_attach`, `_needsResync`…, −0.12 kB), never on
    // a public surface; mangled like locals, one name to one mangled name across the chunk. The
    // widget has no `_x` properties, Preact's internals are `__x` (left alone).
    mangle: { properties: { regex: /^_[a-zA-Z]/ } },
    format: { comments: false },
  });

const resolve = () =>
  nodeResolve({
    extensions: ['.ts', '.tsx', '.mjs', '.js'],
    exportConditions: ['browser', 'import', 'default'],
    preferBuiltins: false,
  });

async function build(input, format, plugins) {
  const bundle = await rollup({
    input,
    plugins: [typescript, resolve(), ...plugins, minify()],
    onwarn(warning, warn) {
      if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
      warn(warning);
    },
  });
  try {
    const { output } = await bundle.generate({
      format,
      name: undefined,
      inlineDynamicImports: true,
    });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

/** The chat chunk, and the lazy chunks it imports (agent mode): hex-hashed names. */
async function buildChat() {
  const bundle = await rollup({
    input: `${root}src/chat/index.tsx`,
    // The entry may export more than `mount` (what agent.js imports from it): no facade chunk.
    preserveEntrySignatures: 'allow-extension',
    plugins: [typescript, resolve(), noSockJs, quietStomp, minify()],
    onwarn(warning, warn) {
      if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
      warn(warning);
    },
  });
  try {
    const { output } = await bundle.generate({
      format: 'es',
      hashCharacters: 'hex',
      entryFileNames: 'chat.[hash:10].js',
      chunkFileNames: '[name].[hash:10].js',
    });
    return output.filter((o) => o.type === 'chunk');
  } finally {
    await bundle.close();
  }
}

const size = (code) => ({
  min: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
});

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const chunks = await buildChat();
for (const c of chunks) writeFileSync(dist + c.fileName, c.code);
const entry = chunks.find((c) => c.isEntry);
const chat = entry.code;
const chatFile = entry.fileName;
const lazy = Object.fromEntries(chunks.filter((c) => !c.isEntry).map((c) => [c.name, c.fileName]));
const hashed = (prefix, code) =>
  `${prefix}.${createHash('sha256').update(code).digest('hex').slice(0, 10)}.js`;
const stringsFiles = {};
for (const locale of ['ko', 'ar']) {
  const code = await build(`${root}src/shared/strings/${locale}.ts`, 'es', []);
  stringsFiles[locale] = hashed(`strings-${locale}`, code);
  writeFileSync(dist + stringsFiles[locale], code);
}
const loader = await build(`${root}src/loader/index.ts`, 'iife', [
  manifest(chatFile, stringsFiles),
]);
writeFileSync(`${dist}parley.js`, loader);
const sizes = {
  loader: size(loader),
  chat: size(chat),
  ...Object.fromEntries(chunks.filter((c) => !c.isEntry).map((c) => [c.name, size(c.code)])),
};
writeFileSync(
  `${dist}manifest.json`,
  `${JSON.stringify({ loader: 'parley.js', chat: chatFile, lazy, strings: stringsFiles, sizes }, null, 2)}\n`,
);
for (const [name, s] of Object.entries(sizes)) {
  console.log(`widget ${name}: ${s.min} B min, ${s.gzip} B min+gzip`);
}
