// Two Chromium tabs join a real federa server as clients (the esbuild bundle of
// packages/client/src/browser: protocol runtime + TF.js on the WASM backend, .wasm files served
// by the dashboard handler under /assets/), train logistic regression on MNIST shards passed in
// from the test, and a third tab watches the dashboard follow the run. Skips without Chromium.
// Leaves test-artifacts/browser-clients.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadShard } from '@federa/client';
import { FedAvg } from '@federa/core';
import { createModel, setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import { chromium } from 'playwright-core';
import { FederaServer } from '../server.js';
import { MemoryStore } from '../store/memory-store.js';
import { dashboardHandler } from './dashboard-handler.js';
import { MemoryDashboardSource } from './memory-source.js';
import { metricsHandler } from './metrics-handler.js';
import { browserClientAssets } from './static-assets.js';

const CHROMIUM = process.env.FEDERA_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set FEDERA_CHROMIUM)`;
const ROOT = new URL('../../../../', import.meta.url).pathname;
const MODEL = { name: 'logreg', options: { inputDim: 784, classes: 10, seed: 1 } } as const;
const TOKENS = ['browser-token-0001', 'browser-token-0002'];
const ROUNDS = 3;

// The page each client tab opens: loads the bundle and exposes it for page.evaluate.
const JOIN_HTML = `<!doctype html><meta charset="utf-8"><title>federa client</title>
<script type="module">import * as federa from './federa-client.js'; window.federa = federa;</script>`;

test('two browser tabs train over the network while the dashboard follows', { skip, timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'federa-browser-'));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-browser.js'), '--out', out], {
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);

  await setupBackend({ prefer: 'wasm' });
  const initial = new TfjsModelAdapter(createModel(MODEL.name, MODEL.options)).getWeights();
  const shards = await Promise.all(
    [0, 1].map((k) => loadShard({ dataset: 'mnist', shard: k, of: 2, maxSamples: 200 })),
  );

  const source = new MemoryDashboardSource({ runId: 'browser-run', strategy: 'FedAvg', totalRounds: ROUNDS });
  const dashboard = dashboardHandler(source, {
    assets: { 'join.html': new TextEncoder().encode(JOIN_HTML), ...browserClientAssets(out) },
  });
  const metrics = metricsHandler(source);
  const server = await FederaServer.start({
    store: new MemoryStore(),
    auth: { tokens: TOKENS },
    model: MODEL,
    http: (req, res) => dashboard(req, res) || metrics(req, res),
  });
  const offHub = server.hub.on((e) => {
    if (e.type === 'online') source.clientConnected(e.clientId, { platform: 'browser' });
    if (e.type === 'offline') source.clientDisconnected(e.clientId);
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    const watcher = await browser.newPage({ viewport: { width: 1200, height: 1300 } });
    await watcher.goto(`${server.httpUrl}/`);
    await watcher.waitForSelector('#live.on');

    const tabs = await Promise.all(shards.map(() => browser.newPage()));
    await Promise.all(
      tabs.map(async (tab, k) => {
        tab.on('pageerror', (e) => problems.push(`tab ${k}: ${e.message}`));
        await tab.goto(`${server.httpUrl}/assets/join.html`);
        await tab.waitForFunction(() => 'federa' in window);
        const d = shards[k];
        // A string, not a function: tsx's transform would put helpers into a function's source.
        const args = JSON.stringify({
          name: `tab-${k}`,
          token: TOKENS[k],
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
            onEvent: (e) => window.events.push(e.type),
            log: (line) => window.events.push(line),
          });
        })()`);
      }),
    );

    const onlineDuringRun: number[] = [];
    const result = await server.train({
      name: 'browser-run',
      config: { model: MODEL, rounds: ROUNDS },
      seed: 5,
      rounds: ROUNDS,
      strategy: new FedAvg({ fraction: 1, epochs: 1, batchSize: 20, lr: 0.1, evaluateFraction: 1 }),
      initial,
      minClients: 2,
      deadlineMs: 60_000,
      onRound: (record) => {
        source.roundFinished(record);
        onlineDuringRun.push(source.status().clientsOnline);
      },
    });
    assert.equal(result.stopReason, 'rounds');
    assert.equal(result.rounds.length, ROUNDS);
    const tabEvents = await Promise.all(tabs.map((t) => t.evaluate('window.events')));
    for (const r of result.rounds) {
      assert.equal(r.succeeded, 2, `round ${r.round}: ${JSON.stringify(r.clients)} ${JSON.stringify(tabEvents)}`);
    }
    const acc = result.rounds.map((r) => r.fedAccuracy ?? Number.NaN);
    assert.ok(acc[ROUNDS - 1] > 0.5, `the tabs learned: federated accuracy by round ${acc.join(', ')}`);
    const events = (await tabs[0].evaluate('window.events')) as string[];
    assert.ok(
      events.some((e) => /TF\.js backend: wasm/.test(e)),
      `WASM backend in the tab: ${events.join(' | ')}`,
    );

    await watcher.waitForFunction(`document.body.dataset.rounds === '${ROUNDS}'`);
    assert.equal(await watcher.textContent('#round'), String(ROUNDS));
    assert.deepEqual(onlineDuringRun, [2, 2, 2]);
    assert.equal(await watcher.textContent('#clients-total'), '2');
    const rows = await watcher.$$eval('#clients tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-client-id'), tr.children[4]?.textContent]),
    );
    assert.deepEqual(rows.sort(), [
      ['tab-0', String(ROUNDS)],
      ['tab-1', String(ROUNDS)],
    ]);
    const path = await watcher.getAttribute('#chart-accuracy path.series', 'd');
    assert.equal(path?.match(/[ML]/g)?.length, ROUNDS);
    const artifacts = join(ROOT, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await watcher.screenshot({ path: join(artifacts, 'browser-clients.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    offHub();
    await browser.close();
    dashboard.close();
    await server.stop();
    rmSync(out, { recursive: true, force: true });
  }
});
