// Drives the dashboard in a real Chromium (Debian's /usr/bin/chromium through playwright-core):
// simulated rounds go in through MemoryDashboardSource, the DOM must show them live over SSE.
// Skips when Chromium is not installed. Leaves a screenshot in test-artifacts/dashboard.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { dashboardHandler } from './dashboard-handler.js';
import { MemoryDashboardSource } from './memory-source.js';
import { metricsHandler } from './metrics-handler.js';
import { feedRound, simulatedRound } from './simulated-run.js';

const CHROMIUM = process.env.FEDERA_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set FEDERA_CHROMIUM)`;
const ARTIFACTS = new URL('../../../../test-artifacts/', import.meta.url);

const source = new MemoryDashboardSource({
  runId: 'demo-7',
  name: 'MNIST demo',
  strategy: 'DP-FedAvg',
  totalRounds: 8,
});
const dashboard = dashboardHandler(source);
const metrics = metricsHandler(source);
const server = createServer((req, res) => {
  if (!(dashboard(req, res) || metrics(req, res))) res.writeHead(404).end();
});
let browser: Browser | undefined;
let page: Page;
let base = '';
const problems: string[] = [];

before(async () => {
  if (skip) return;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 1500 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
});

after(async () => {
  await browser?.close();
  dashboard.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const EVIL = '<img src=x onerror="window.__xss=1">';

test('the dashboard shows rounds, curves, clients and exclusions live over SSE', {
  skip,
  timeout: 20_000,
}, async () => {
  await page.goto(base);
  await page.waitForSelector('#live.on');
  assert.equal(await page.textContent('#state'), 'waiting');

  const ids = ['hospital-a', 'hospital-b', 'bank-c', EVIL];
  for (const id of ids)
    source.clientConnected(id, { numExamples: 600, platform: id === 'bank-c' ? 'browser' : 'node' });
  for (let r = 1; r <= 5; r++) {
    feedRound(
      source,
      simulatedRound(r, {
        seed: 7,
        clientIds: ids,
        privacy: true,
        ...(r === 3 ? { failed: { 'bank-c': 'E_TIMEOUT: no reply within 30 s' } } : {}),
        ...(r === 4 ? { flagged: { 'hospital-b': 'norm 41.2 above the clipping bound 10' } } : {}),
      }),
    );
  }
  // Round 6 is in progress: 1 of 4 clients has answered.
  source.roundStarted(6, 4);
  source.clientDone(6, 1, 4);

  await page.waitForFunction(() => document.body.dataset.rounds === '5');
  await page.waitForFunction(() => document.getElementById('round-progress')?.textContent === '1 / 4');
  assert.equal(await page.textContent('#round'), '6');
  assert.equal(await page.textContent('#total-rounds'), '8');
  assert.equal(await page.textContent('#state'), 'training');
  assert.equal(await page.textContent('#clients-online'), '4');
  const bar = await page.$eval('#round-bar', (e) => (e as HTMLElement).style.width);
  assert.equal(bar, '25%');
  assert.match((await page.textContent('#round-elapsed')) ?? '', /elapsed$/);

  // Curves: one accuracy path through 5 rounds, loss and train loss, bytes, ε.
  const accPath = await page.getAttribute('#chart-accuracy path.series', 'd');
  assert.equal(accPath?.match(/[ML]/g)?.length, 5);
  assert.equal(await page.locator('#chart-loss path.series').count(), 2);
  assert.equal(await page.locator('#chart-bytes path.series').count(), 2);
  assert.equal(await page.isVisible('#privacy-card'), true);
  const eps = source.status().epsilon!;
  assert.equal(await page.textContent('#epsilon'), String(Number(eps.toFixed(3))));
  const acc = source.rounds()[4].accuracy!;
  assert.equal(await page.textContent('#accuracy'), `${(acc * 100).toFixed(2)}%`);

  // Clients, including one whose id is HTML: shown as text, never run.
  assert.equal(await page.locator('#clients tbody tr').count(), 4);
  const evilCell = page.locator('#clients tbody tr td.id', { hasText: 'onerror' });
  assert.equal(await evilCell.textContent(), EVIL);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  const bankRow = page.locator('#clients tbody tr[data-client-id="bank-c"]');
  assert.match((await bankRow.textContent()) ?? '', /browser/);

  // Exclusions: the failed and the flagged client, newest first, with reasons.
  const excluded = await page.$$eval('#excluded tbody tr', (rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)),
  );
  assert.deepEqual(excluded, [
    ['4', 'hospital-b', 'flagged', 'norm 41.2 above the clipping bound 10'],
    ['3', 'bank-c', 'failed', 'E_TIMEOUT: no reply within 30 s'],
  ]);
  assert.equal(await page.locator('#rounds tbody tr').count(), 5);

  // A client going offline shows without a reload.
  source.clientDisconnected('bank-c');
  await page.waitForFunction(() => document.getElementById('clients-online')?.textContent === '3');
  assert.match((await bankRow.textContent()) ?? '', /offline/);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true });
  assert.deepEqual(problems, [], 'no script errors or CSP violations in the page');
});

test('/metrics agrees with what the page shows', { skip }, async () => {
  const text = await (await fetch(`${base}metrics`)).text();
  assert.match(text, /^federa_round 6$/m);
  assert.match(text, /^federa_clients_online 3$/m);
  assert.match(text, /^federa_client_updates_total\{outcome="flagged"\} 1$/m);
});
