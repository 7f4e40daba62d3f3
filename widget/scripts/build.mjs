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
 * The SDK loads `sockjs-client` lazily for its SockJS fallback. The lean build below leaves SockJS
 * out (WebSocket only), but `sockjs-factory.js` is still parsed (imported, then tree-shaken): its
 * `import('sockjs-client')` resolves to nothing rather than to a chunk of its own.
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
 * The widget builds a lean SDK: `@parley/sdk`'s `build-flags.js` (`FULL = true` in the SDK's own
 * builds) becomes `FULL = false`, so the minifier drops what the widget never reaches — direct
 * conversations (`client.dm()`, `client.on('dm')`), the SockJS switch (the widget is WebSocket
 * only) and the `blob:` Worker heart-beat probe (the widget asks for `heartbeatStrategy:
 * 'interval'`). Those throw `ParleyError` `unsupported` if ever called. stompjs's `Ticker` becomes
 * its interval half for the same reason (its Worker half is only reached with the Worker strategy).
 */
/**
 * stompjs methods the lean build leaves out: transactions and ACK/NACK, which the SDK never calls
 * (the relay's subscriptions are auto-ack), and stompjs's own reconnect scheduling, a no-op with
 * the `reconnectDelay: 0` the SDK always sets (the SDK reconnects itself).
 */
const UNUSED_STOMP = { begin: '', commit: '', abort: '', ack: '', nack: '' };
const STOMP_UNUSED = {
  client: { ...UNUSED_STOMP, scheduleReconnect: '\n    scheduleReconnect() {}' },
  'stomp-handler': UNUSED_STOMP,
};

/** `code` with each class method in `methods` replaced (4-space-indented, as stompjs's esm6). */
function replaceMethods(code, methods, file) {
  let out = code;
  for (const [name, replacement] of Object.entries(methods)) {
    const start = out.search(new RegExp(`\\n    ${name}\\([^)]*\\) \\{\\n`));
    const end = start < 0 ? -1 : out.indexOf('\n    }\n', start + 1);
    if (end < 0) throw new Error(`stompjs ${file}.js: no method ${name}() to replace`);
    out = out.slice(0, start) + replacement + out.slice(end + '\n    }'.length);
  }
  return out;
}

const LEAN_FLAGS = '\0parley:lean-flags';
const leanSdk = {
  name: 'parley-lean-sdk',
  resolveId(source, importer) {
    if (importer && /[\\/]sdk[\\/]dist[\\/]/.test(importer) && /\/build-flags\.js$/.test(source)) {
      return LEAN_FLAGS;
    }
    return null;
  },
  load: (id) => (id === LEAN_FLAGS ? 'export const FULL = false;' : null),
  transform(code, id) {
    const stomp = /[\\/]@stomp[\\/]stompjs[\\/]esm6[\\/](client|stomp-handler)\.js$/.exec(id);
    if (stomp) return { code: replaceMethods(code, STOMP_UNUSED[stomp[1]], stomp[1]), map: null };
    if (!/[\\/]@stomp[\\/]stompjs[\\/]esm6[\\/]ticker\.js$/.test(id)) return null;
    return {
      code: `export class Ticker {
  constructor(_interval) { this._interval = _interval; }
  start(tick) {
    this.stop();
    const startTime = Date.now();
    this._timer = setInterval(() => tick(Date.now() - startTime), this._interval);
  }
  stop() {
    if (this._timer) {
      clearInterval(this._timer);
      delete this._timer;
    }
  }
}
`,
      map: null,
    };
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
    plugins: [leanSdk, typescript, resolve(), noSockJs, quietStomp, minify()],
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
