import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { FederaError, seededSource } from '@federa/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { blobs, denseNet, maxDiff, useTestBackend } from '../adapter/fixtures.js';
import { TfjsModelAdapter } from '../adapter/model-adapter.js';
import { poissonLot } from './train-dp.js';

before(async () => {
  await useTestBackend();
});

test('σ = 0 and C = ∞ on the full batch is plain full-batch SGD, on both per-example paths', async () => {
  const data = blobs(40, 5, 3, 2);
  const plain = new TfjsModelAdapter(denseNet([5, 7, 3], 4));
  const w0 = plain.getWeights();
  const r0 = await plain.train(data, { epochs: 3, batchSize: 0, lr: 0.3, seed: 1 });
  for (const perExample of ['dense', 'generic'] as const) {
    const dp = new TfjsModelAdapter(denseNet([5, 7, 3], 4));
    const r = await dp.train(data, {
      epochs: 3,
      batchSize: 0,
      lr: 0.3,
      seed: 1,
      dpSgd: { clipNorm: Number.POSITIVE_INFINITY, noiseMultiplier: 0, seed: 1, perExample },
    });
    assert.equal(r.steps, 3);
    assert.equal(r.dpSgd?.path, perExample);
    assert.equal(r.dpSgd?.sampleRate, 1);
    assert.equal(r.dpSgd?.examples, 120);
    assert.ok(maxDiff(dp.getWeights().data, plain.getWeights().data) < 1e-5, `${perExample}: same weights`);
    assert.ok(maxDiff(dp.getWeights().data, w0.data) > 1e-3, 'training moved the weights');
    assert.ok(Math.abs(r.loss - r0.loss) < 1e-5, `${perExample}: loss ${r.loss} vs ${r0.loss}`);
    dp.dispose();
  }
  plain.dispose();
});

test('the noise on the update has std η·σ·C/B and mean 0 (seeded, same lot with and without noise)', async () => {
  const data = blobs(200, 20, 10, 6);
  const net = () => new TfjsModelAdapter(denseNet([20, 64, 10], 3));
  const [lr, C, sigma, B] = [0.5, 0.8, 1.3, 20];
  const delta = async (noiseMultiplier: number) => {
    const a = net();
    const w0 = a.getWeights();
    const r = await a.train(data, {
      epochs: 1,
      batchSize: B,
      lr,
      seed: 9,
      maxSteps: 1,
      dpSgd: { clipNorm: C, noiseMultiplier, seed: 'n' },
    });
    const d = a.getWeights().minus(w0);
    a.dispose();
    return { d, r };
  };
  const clean = await delta(0);
  const noisy = await delta(sigma);
  assert.equal(clean.r.dpSgd?.examples, noisy.r.dpSgd?.examples, 'the same Poisson lot');
  assert.ok((clean.r.dpSgd?.examples ?? 0) > 5, 'a non-trivial lot');
  const diff = noisy.d.minus(clean.d).data;
  let sum = 0;
  let sq = 0;
  for (const v of diff) {
    sum += v;
    sq += v * v;
  }
  const n = diff.length; // 2,058 parameters
  const mean = sum / n;
  const std = Math.sqrt(sq / n - mean * mean);
  const want = (lr * sigma * C) / B;
  assert.ok(Math.abs(std / want - 1) < 0.05, `noise std ${std} vs η·σ·C/B = ${want}`);
  assert.ok(Math.abs(mean) < (4 * want) / Math.sqrt(n), `noise mean ${mean}`);
});

test('Poisson lots: each example is drawn independently with probability q', () => {
  const src = seededSource(4);
  const sizes: number[] = [];
  const hits = new Float64Array(500);
  for (let t = 0; t < 200; t++) {
    const lot = poissonLot(500, 0.1, () => src.float());
    sizes.push(lot.length);
    for (const i of lot) hits[i] = (hits[i] as number) + 1;
    for (let j = 1; j < lot.length; j++) assert.ok((lot[j] as number) > (lot[j - 1] as number), 'distinct, sorted');
  }
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const variance = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sizes.length - 1);
  assert.ok(Math.abs(mean - 50) < 1.5, `mean lot ${mean} ≈ qN = 50`);
  assert.ok(variance > 30 && variance < 60, `lot size variance ${variance} ≈ Nq(1−q) = 45 (not a fixed-size lot)`);
  const perExample = Array.from(hits, (h) => h / 200);
  assert.ok(Math.min(...perExample) > 0.02 && Math.max(...perExample) < 0.2, 'every example has the same chance');
});

test('DP-SGD learns with moderate noise, is reproduced from its seeds, and reports its run', async () => {
  const data = blobs(300, 8, 3, 11);
  const run = async (seed: number | string) => {
    const a = new TfjsModelAdapter(denseNet([8, 16, 3], 2));
    const before = (await a.evaluate(data)).accuracy;
    const r = await a.train(data, {
      epochs: 4,
      batchSize: 30,
      lr: 0.5,
      seed: 3,
      dpSgd: { clipNorm: 1, noiseMultiplier: 1, seed },
    });
    const after = (await a.evaluate(data)).accuracy;
    const w = a.getWeights();
    a.dispose();
    return { before, after, r, w };
  };
  const a = await run(1);
  const b = await run(1);
  const c = await run(2);
  assert.equal(a.r.steps, 40, '4 epochs × ⌈300/30⌉');
  assert.equal(a.r.dpSgd?.sampleRate, 0.1);
  assert.equal(a.r.dpSgd?.path, 'dense');
  assert.ok(Math.abs((a.r.dpSgd?.examples ?? 0) / 40 - 30) < 5, 'lots of about B');
  assert.ok(a.after > 0.9 && a.after > a.before, `accuracy ${a.before} → ${a.after}`);
  assert.deepEqual(a.w.data, b.w.data, 'same seeds, same weights');
  assert.ok(maxDiff(a.w.data, c.w.data) > 1e-4, 'another DP seed draws other lots and noise');
  const ra = a.r.dpSgd?.clippedFraction ?? -1;
  assert.ok(ra >= 0 && ra <= 1);
});

test('DP-SGD works through the generic path for a model the fast path does not cover, and refuses batch norm', async () => {
  const input = tfl.input({ shape: [6] });
  const hidden = tfl.layers.dense({
    units: 5,
    activation: 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
  });
  const out = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) });
  const functional = tfl.model({ inputs: input, outputs: out.apply(hidden.apply(input)) as tfl.SymbolicTensor });
  const a = new TfjsModelAdapter(functional);
  const data = blobs(30, 6, 3, 1);
  const r = await a.train(data, {
    epochs: 1,
    batchSize: 10,
    lr: 0.1,
    seed: 1,
    dpSgd: { clipNorm: 1, noiseMultiplier: 0.5, seed: 1 },
  });
  assert.equal(r.dpSgd?.path, 'generic');
  assert.equal(r.steps, 3);
  await assert.rejects(
    a.train(data, {
      epochs: 1,
      batchSize: 10,
      lr: 0.1,
      seed: 1,
      dpSgd: { clipNorm: 1, noiseMultiplier: 0.5, perExample: 'dense' },
    }),
    (e: unknown) => e instanceof FederaError && e.code === 'E_MODEL',
  );
  a.dispose();
  const bn = new TfjsModelAdapter(denseNet([6, 4, 3], 1, { batchNorm: true }));
  await assert.rejects(
    bn.train(data, { epochs: 1, batchSize: 10, lr: 0.1, seed: 1, dpSgd: { clipNorm: 1, noiseMultiplier: 1 } }),
    (e: unknown) => e instanceof FederaError && /BatchNormalization/.test(e.message),
  );
  bn.dispose();
  const plain = new TfjsModelAdapter(denseNet([6, 3], 1));
  for (const dpSgd of [
    { clipNorm: 0, noiseMultiplier: 1 },
    { clipNorm: 1, noiseMultiplier: -1 },
    { clipNorm: Number.POSITIVE_INFINITY, noiseMultiplier: 1 },
  ]) {
    await assert.rejects(plain.train(data, { epochs: 1, batchSize: 10, lr: 0.1, seed: 1, dpSgd }), /dpSgd\./);
  }
  plain.dispose();
});
