// The audit chain is isomorphic: rows signed in Node verify in Chromium's WebCrypto, and the
// browser names the same bad row. Bundles this folder with esbuild, runs it in Debian's
// Chromium through playwright-core; skips when Chromium is not installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { AuditChain } from './chain.js';
import { exportAuditPublicKey, generateAuditKeys } from './keys.js';

const CHROMIUM = process.env.FEDERA_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set FEDERA_CHROMIUM)`;

test('rows signed in Node verify in Chromium, which names the same bad row', { skip, timeout: 20_000 }, async () => {
  const keys = await generateAuditKeys();
  const chain = new AuditChain({ privateKey: keys.privateKey });
  const rows = [];
  for (let r = 1; r <= 4; r++) {
    rows.push(
      await chain.append({
        round: r,
        strategy: 'FedAvg',
        weightsIn: String(r).repeat(64).slice(0, 64),
        weightsOut: String(r + 1)
          .repeat(64)
          .slice(0, 64),
        clients: [{ clientId: `c${r}`, updateHash: 'a'.repeat(64), numExamples: 10 * r }],
        metrics: { accuracy: r / 10, loss: 1 / r },
        time: `2026-01-01T00:00:0${r}.000Z`,
      }),
    );
  }
  const publicKey = await exportAuditPublicKey(keys.publicKey);
  const bundle = await build({
    entryPoints: [new URL('./index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0].text;
  const server = createServer((req, res) => {
    if (req.url === '/audit.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>audit</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const tampered = rows.map((r, i) => (i === 2 ? { ...r, metrics: { ...r.metrics, accuracy: 0.99 } } : r));
    const swapped = [rows[0], rows[2], rows[1], rows[3]];
    // A string, not a function: tsx's transform would put helpers into a function's source.
    const results = (await page.evaluate(`(async () => {
      const audit = await import('/audit.js');
      const key = ${JSON.stringify(publicKey)};
      const run = (rows) => audit.verifyAuditChain(rows, key);
      return [await run(${JSON.stringify(rows)}), await run(${JSON.stringify(tampered)}), await run(${JSON.stringify(swapped)})];
    })()`)) as { ok: boolean; index?: number; reason?: string; count?: number }[];
    assert.equal(results[0].ok, true);
    assert.equal(results[0].count, 4);
    assert.deepEqual([results[1].index, results[1].reason], [2, 'bad-hash']);
    assert.deepEqual([results[2].index, results[2].reason], [1, 'reordered']);
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
