// Secure aggregation with browser clients: three Chromium tabs (the esbuild bundle of
// packages/client/src/browser, TF.js on WASM, WebCrypto X25519/AES in the page) join a real
// federa server whose FedAvg runs under SecAgg: every tab keeps its update, answers the four
// protocol steps as signed tasks and uploads only its masked input. Skips without Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadShard } from '@federa/client';
import { FedAvg, withSecureAggregation } from '@federa/core';
import { createModel, setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import { chromium } from 'playwright-core';
import { NetworkSecAggChannel } from '../secagg-channel.js';
import { FederaServer } from '../server.js';
import { MemoryStore } from '../store/memory-store.js';
import { buildBrowserBundle, CHROMIUM, chromiumSkip, JOIN_HTML, joinTabs } from '../testing/browser-tabs.js';
import { dashboardHandler } from './dashboard-handler.js';
import { MemoryDashboardSource } from './memory-source.js';
import { browserClientAssets } from './static-assets.js';

const MODEL = { name: 'logreg', options: { inputDim: 784, classes: 10, seed: 1 } } as const;
const TOKENS = ['secagg-tab-token-0', 'secagg-tab-token-1', 'secagg-tab-token-2'];
const ROUNDS = 2;

test('browser tabs run SecAgg with the server: no update leaves a tab unmasked', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async () => {
  const bundle = buildBrowserBundle();
  await setupBackend({ prefer: 'wasm' });
  const initial = new TfjsModelAdapter(createModel(MODEL.name, MODEL.options)).getWeights();
  const shards = await Promise.all(
    TOKENS.map((_, k) => loadShard({ dataset: 'mnist', shard: k, of: TOKENS.length, maxSamples: 150 })),
  );
  const source = new MemoryDashboardSource({ runId: 'secagg-tabs', strategy: 'FedAvg+secagg', totalRounds: ROUNDS });
  const dashboard = dashboardHandler(source, {
    assets: { 'join.html': new TextEncoder().encode(JOIN_HTML), ...browserClientAssets(bundle.dir) },
  });
  const server = await FederaServer.start({
    store: new MemoryStore(),
    auth: { tokens: TOKENS },
    model: MODEL,
    http: (req, res) => dashboard(req, res),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    const tabs = await joinTabs(browser, server.httpUrl, shards, TOKENS, problems);
    const strategy = withSecureAggregation(
      new FedAvg({ fraction: 1, epochs: 1, batchSize: 20, lr: 0.1, evaluateFraction: 1 }),
      { clip: 1, mode: 'secagg', threshold: 2, channel: new NetworkSecAggChannel(server.hub, { deadlineMs: 60_000 }) },
    );
    const result = await server.train({
      name: 'secagg-tabs',
      config: { model: MODEL, rounds: ROUNDS, secagg: true },
      seed: 6,
      rounds: ROUNDS,
      strategy,
      initial,
      minClients: TOKENS.length,
      deadlineMs: 60_000,
    });
    const tabEvents = (await Promise.all(tabs.map((t) => t.evaluate('window.events')))) as string[][];
    assert.equal(result.stopReason, 'rounds');
    for (const r of result.rounds) {
      assert.equal(r.succeeded, 3, `round ${r.round}: ${JSON.stringify(r.clients)} ${JSON.stringify(tabEvents)}`);
      assert.equal(r.metrics.train_secagg_survivors, 3);
      assert.equal(r.bytesUp, 0, 'no plain update was uploaded');
      assert.ok((r.metrics.train_secagg_bytes_up ?? 0) >= 3 * 4 * initial.size);
    }
    // Each tab answered the four SecAgg steps every round.
    for (const ev of tabEvents) assert.equal(ev.filter((e) => e === 'task:secagg').length, 4 * ROUNDS, ev.join(' | '));
    const acc = result.rounds.map((r) => r.fedAccuracy ?? Number.NaN);
    assert.ok(acc[ROUNDS - 1]! > 0.5, `the tabs learned under SecAgg: federated accuracy by round ${acc.join(', ')}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    dashboard.close();
    await server.stop();
    bundle.remove();
  }
});
