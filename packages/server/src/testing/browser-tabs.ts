import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabeledData } from '@federa/core';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium (or FEDERA_CHROMIUM), and why browser tests skip when it is missing. */
export const CHROMIUM = process.env.FEDERA_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set FEDERA_CHROMIUM)`;

const ROOT = new URL('../../../../', import.meta.url).pathname;

/** The page each client tab opens: loads the bundle and exposes it for page.evaluate. */
export const JOIN_HTML = `<!doctype html><meta charset="utf-8"><title>federa client</title>
<script type="module">import * as federa from './federa-client.js'; window.federa = federa;</script>`;

/** Builds the browser client bundle (scripts/build-browser.js) into a temporary folder. */
export function buildBrowserBundle(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'federa-browser-'));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-browser.js'), '--out', dir], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`build-browser failed: ${built.stderr}`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Opens one tab per shard on `${httpUrl}/assets/join.html` and starts a browser client in
 * each (`startBrowserClient`, named `tab-<k>`, enrolled with `tokens[k]`, the shard passed
 * in). Each tab's client events (task events as `task:<kind>`) and log lines collect in
 * `window.events`; page errors go to `problems`.
 */
export async function joinTabs(
  browser: Browser,
  httpUrl: string,
  shards: readonly LabeledData[],
  tokens: readonly string[],
  problems: string[],
): Promise<Page[]> {
  const tabs = await Promise.all(shards.map(() => browser.newPage()));
  await Promise.all(
    tabs.map(async (tab, k) => {
      tab.on('pageerror', (e) => problems.push(`tab ${k}: ${e.message}`));
      await tab.goto(`${httpUrl}/assets/join.html`);
      await tab.waitForFunction(() => 'federa' in window);
      const d = shards[k] as LabeledData;
      // A string, not a function: tsx's transform would put helpers into a function's source.
      const args = JSON.stringify({
        name: `tab-${k}`,
        token: tokens[k],
        x: Array.from(d.x),
        y: Array.from(d.y),
        sampleShape: d.sampleShape,
        numClasses: d.numClasses,
      });
      await tab.evaluate(`(async () => {
        const a = ${args};
        window.events = [];
        await window.federa.startBrowserClient({
          name: a.name,
          token: a.token,
          identityKey: '',
          data: { x: new Float32Array(a.x), y: new Int32Array(a.y), sampleShape: a.sampleShape, numClasses: a.numClasses },
          onEvent: (e) => window.events.push(e.type === 'task' ? 'task:' + e.kind : e.type),
          log: (line) => window.events.push(line),
        });
      })()`);
    }),
  );
  return tabs;
}
