import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FederaError } from '@federa/core';

/** A file served as-is: its bytes in memory, or a path read on each request (large files, e.g. .wasm). */
export type AssetSource = string | Uint8Array;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Type for a file name, by extension (application/octet-stream when unknown). */
export function contentType(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks an asset name is a plain file name (no slashes, no '..'), so a URL can never reach outside. */
export function checkAssetName(name: string): void {
  if (!ASSET_NAME.test(name)) {
    throw new FederaError(
      'E_ARG',
      `asset name '${name}' must be a plain file name ([A-Za-z0-9._-], no slash)`,
      "serve each file under its own name, e.g. { 'tfjs-backend-wasm.wasm': path }",
    );
  }
}

/** The dashboard's own files (index.html, dashboard.js, dashboard.css), read once. */
export function dashboardFiles(): { html: Uint8Array; js: Uint8Array; css: Uint8Array } {
  const dir = new URL('../dashboard/', import.meta.url);
  return {
    html: readFileSync(new URL('index.html', dir)),
    js: readFileSync(new URL('dashboard.js', dir)),
    css: readFileSync(new URL('dashboard.css', dir)),
  };
}

/** Size of an asset, or undefined when its file cannot be read (answered as 404). */
export async function assetSize(src: AssetSource): Promise<number | undefined> {
  if (typeof src !== 'string') return src.byteLength;
  try {
    const s = await stat(src);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** The files `node scripts/build-browser.js` writes: the client bundle and TF.js's .wasm binaries. */
export const BROWSER_CLIENT_FILES = [
  'federa-client.js',
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/**
 * The browser client's files in `dir` (the output of `node scripts/build-browser.js --out dir`,
 * default `.cache/browser`) as `dashboardHandler` assets, so tabs load them from /assets/.
 *
 * @example
 * dashboardHandler(source, { assets: browserClientAssets('.cache/browser') });
 */
export function browserClientAssets(dir: string): Record<string, string> {
  return Object.fromEntries(BROWSER_CLIENT_FILES.map((name) => [name, join(dir, name)]));
}
