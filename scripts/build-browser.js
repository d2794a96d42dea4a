#!/usr/bin/env node
// Bundles federa's browser client (packages/client/src/browser: the protocol runtime, TF.js with
// the WASM backend, the model zoo) into one ES module, and copies TF.js's .wasm binaries next
// to it. Serve the output folder under the server's /assets/ (dashboardHandler's `assets`
// option, see browserClientAssets in @federa/server) and load it from a page with
//   <script type="module"> import { startBrowserClient } from '/assets/federa-client.js'; ... </script>
// Usage: node scripts/build-browser.js [--out DIR] [--minify]    (default DIR: .cache/browser)
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'packages/client/src/browser/index.ts');

/** The .wasm binaries TF.js's WASM backend fetches (plain, SIMD, threaded SIMD). */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/** Where tfjs-backend-wasm keeps its .wasm files. */
export function wasmDir() {
  const require = createRequire(join(ROOT, 'packages/tfjs/package.json'));
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'dist');
}

// Node built-ins reached only through Node-only code paths (reading model files from disk,
// test helpers): in the browser they become objects whose every function throws if called.
const BUILTIN = new RegExp(`^(node:.*|(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(/.*)?)$`);
const stubNodeBuiltins = {
  name: 'stub-node-builtins',
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (a) => ({ path: a.path, namespace: 'node-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
      contents:
        `const fail = (k) => () => { throw new Error(${JSON.stringify(a.path)} + '.' + String(k) + ' is not available in a browser'); };\n` +
        'module.exports = new Proxy({}, { get: (_, k) => (k === "__esModule" ? false : fail(k)) });\n',
      loader: 'js',
    }));
  },
};

/**
 * Builds the bundle into `outDir`; returns the files written with their sizes.
 * @param {{ outDir?: string, minify?: boolean, log?: (s: string) => void }} [o]
 */
export async function buildBrowser(o = {}) {
  const outDir = resolve(o.outDir ?? join(ROOT, '.cache/browser'));
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'federa-client.js');
  const result = await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: Boolean(o.minify),
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [stubNodeBuiltins],
  });
  for (const w of result.warnings) o.log?.(`warning: ${w.text}`);
  const src = wasmDir();
  for (const f of WASM_FILES) copyFileSync(join(src, f), join(outDir, f));
  const files = ['federa-client.js', ...WASM_FILES].map((name) => ({
    name,
    path: join(outDir, name),
    bytes: statSync(join(outDir, name)).size,
  }));
  return { outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const t0 = performance.now();
  const r = await buildBrowser({
    outDir: at >= 0 ? args[at + 1] : undefined,
    minify: args.includes('--minify'),
    log: (s) => console.error(s),
  });
  for (const f of r.files) console.log(`${(f.bytes / 1e6).toFixed(2).padStart(7)} MB  ${f.path}`);
  console.log(`built in ${Math.round(performance.now() - t0)} ms`);
}
