// Two Chromium tabs join a real federa server as clients (the esbuild bundle of
// packages/client/src/browser: protocol runtime + TF.js on the WASM backend, .wasm files served
// by the dashboard handler under /assets/), train logistic regression on MNIST shards passed in
// from the test, and a third tab watches the dashboard follow the run. Skips without Chromium.
// Leaves test-artifacts/browser-clients.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadShard } from '@federa/client';
import { FedAvg } from '@federa/core';
import { createModel, setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import { chromium } from 'playwright-core';
import { FederaServer } from '../server.js';
import { MemoryStore } from '../store/memory-store.js';
import { buildBrowserBundle, CHROMIUM, chromiumSkip, JOIN_HTML, joinTabs } from '../testing/browser-tabs.js';
import { dashboardHandler } from './dashboard-handler.js';
import { MemoryDashboardSource } from './memory-source.js';
import { metricsHandler } from './metrics-handler.js';
import { browserClientAssets } from './static-assets.js';

const MODEL = { name: 'logreg', options: { inputDim: 784, classes: 10, seed: 1 } } as const;
const TOKENS = ['browser-token-0001', 'browser-token-0002'];
const ROUNDS = 3;

test('two browser tabs train over the network while the dashboard follows', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async () => {
  const bundle = buildBrowserBundle();

  await setupBackend({ prefer: 'wasm' });
  const initial = new TfjsModelAdapter(createModel(MODEL.name, MODEL.options)).getWeights();
  const shards = await Promise.all(
    [0, 1].map((k) => loadShard({ dataset: 'mnist', shard: k, of: 2, maxSamples: 200 })),
  );

  const source = new MemoryDashboardSource({ runId: 'browser-run', strategy: 'FedAvg', totalRounds: ROUNDS });
  const dashboard = dashboardHandler(source, {
    assets: { 'join.html': new TextEncoder().encode(JOIN_HTML), ...browserClientAssets(bundle.dir) },
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

    const tabs = await joinTabs(browser, server.httpUrl, shards, TOKENS, problems);

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
    const artifacts = join(new URL('../../../../', import.meta.url).pathname, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await watcher.screenshot({ path: join(artifacts, 'browser-clients.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    offHub();
    await browser.close();
    dashboard.close();
    await server.stop();
    bundle.remove();
  }
});
