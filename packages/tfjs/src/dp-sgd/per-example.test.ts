import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type LabeledData, subset } from '@federa/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeBatch } from '../adapter/batches.js';
import { blobs, denseNet, maxDiff, useTestBackend } from '../adapter/fixtures.js';
import { TfjsModelAdapter } from '../adapter/model-adapter.js';
import { registerWasmKernels } from '../backend/kernels/register.js';
import { clippedSumDense, densePlan } from './dense-fast.js';
import { type ClippedSum, clippedSumGeneric } from './per-example.js';

before(async () => {
  await useTestBackend();
});

const trainable = (m: tfl.LayersModel) => m.trainableWeights.map((v) => v.read() as tf.Variable);

async function read(s: ClippedSum): Promise<{ sums: Float32Array[]; loss: number; clipped: number }> {
  const out = {
    sums: await Promise.all(s.sums.map((t) => t.data() as Promise<Float32Array>)),
    loss: (await s.lossSum.data())[0] as number,
    clipped: (await s.clipped.data())[0] as number,
  };
  tf.dispose([...s.sums, s.lossSum, s.clipped]);
  return out;
}

/** Per-example gradients of softmax cross-entropy for logits x·W + b, by hand: (xᵢᵀδᵢ, δᵢ), δᵢ = softmax(zᵢ) − yᵢ. */
function handGrads(W: number[][], b: number[], data: LabeledData): { gW: number[]; gb: number[] }[] {
  const d = W.length;
  return Array.from(data.y, (label, i) => {
    const x = Array.from({ length: d }, (_, j) => data.x[i * d + j] as number);
    const z = b.map((bc, c) => bc + x.reduce((s, xj, j) => s + xj * (W[j]?.[c] as number), 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    const delta = e.map((v, c) => v / sum - (c === label ? 1 : 0));
    return { gW: x.flatMap((xj) => delta.map((dc) => xj * dc)), gb: delta };
  });
}

test('per-example clipping of a 2-example linear model matches the hand computation, C tiny and C huge, both paths', async () => {
  const model = denseNet([3, 2], 1);
  const W = [
    [0.5, -0.3],
    [0.2, 0.8],
    [-0.6, 0.1],
  ];
  const bias = [0.1, -0.2];
  model.setWeights([tf.tensor2d(W), tf.tensor1d(bias)]);
  const data: LabeledData = {
    x: new Float32Array([1, 2, -1, 3, -0.5, 0.25]),
    y: new Int32Array([0, 1]),
    sampleShape: [3],
    numClasses: 2,
  };
  const [g0, g1] = handGrads(W, bias, data) as [{ gW: number[]; gb: number[] }, { gW: number[]; gb: number[] }];
  const g = [g0, g1];
  const norms = g.map((e) => Math.hypot(...e.gW, ...e.gb));
  assert.ok(Math.abs((norms[0] as number) - (norms[1] as number)) > 0.1, 'the two norms differ, so clipping matters');
  const vars = trainable(model);
  const batch = makeBatch(data, null, 0, 2);
  const plan = densePlan(model, vars);
  assert.ok(plan, 'a Dense-only Sequential model has a fast plan');
  for (const [label, C] of [
    ['tiny', 1e-4],
    ['huge', 1e6],
  ] as const) {
    // Σᵢ min(1, C/‖gᵢ‖)·gᵢ by hand.
    const f = norms.map((n) => Math.min(1, C / n));
    const wantW = g0.gW.map((v, j) => v * (f[0] as number) + (g1.gW[j] as number) * (f[1] as number));
    const wantB = g0.gb.map((v, j) => v * (f[0] as number) + (g1.gb[j] as number) * (f[1] as number));
    for (const [path, s] of [
      ['generic', clippedSumGeneric(model, vars, batch, C)],
      ['dense', clippedSumDense(plan, vars, batch, C)],
    ] as const) {
      const r = await read(s);
      const tol = C < 1 ? 1e-8 : 1e-5;
      assert.ok(maxDiff(r.sums[0] as Float32Array, wantW) < tol, `${path} C ${label}: kernel ${r.sums[0]} vs ${wantW}`);
      assert.ok(maxDiff(r.sums[1] as Float32Array, wantB) < tol, `${path} C ${label}: bias`);
      assert.equal(r.clipped, C < 1 ? 2 : 0, `${path} C ${label}: clipped count`);
      if (C < 1) {
        // Each clipped gradient has norm exactly C, so the sum's norm is at most 2C.
        const n = Math.hypot(...(r.sums[0] as Float32Array), ...(r.sums[1] as Float32Array));
        assert.ok(n <= 2 * C * (1 + 1e-5), `${path}: ‖sum‖ ${n} ≤ 2C`);
      }
    }
  }
  batch.x.dispose();
  batch.y.dispose();
  model.dispose();
});

test('the dense fast path equals the generic microbatch-of-one path on a 3-layer MLP (some clipped, some not)', async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ name: 'flatten', inputShape: [2, 3] }),
      tfl.layers.dense({
        name: 'fc1',
        units: 8,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.dense({
        name: 'fc2',
        units: 6,
        activation: 'tanh',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
      tfl.layers.dense({
        name: 'out',
        units: 4,
        useBias: false,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
  const data = { ...blobs(24, 6, 4, 5), sampleShape: [2, 3] };
  const vars = trainable(model);
  const plan = densePlan(model, vars);
  assert.ok(plan);
  const batch = makeBatch(data, null, 0, 24);
  // Find the median per-example norm, so about half the examples get clipped.
  const big = await read(clippedSumGeneric(model, vars, batch, Number.POSITIVE_INFINITY));
  assert.equal(big.clipped, 0);
  const norms: number[] = [];
  for (let i = 0; i < 24; i++) {
    const one = makeBatch(data, new Int32Array([i]), 0, 1);
    const r = await read(clippedSumGeneric(model, vars, one, Number.POSITIVE_INFINITY));
    norms.push(Math.hypot(...r.sums.flatMap((a) => Array.from(a))));
    one.x.dispose();
    one.y.dispose();
  }
  const C = [...norms].sort((a, b) => a - b)[12] as number;
  const generic = await read(clippedSumGeneric(model, vars, batch, C));
  const dense = await read(clippedSumDense(plan, vars, batch, C));
  assert.equal(generic.clipped, dense.clipped);
  assert.ok(generic.clipped >= 8 && generic.clipped <= 14, `about half clipped, got ${generic.clipped}`);
  for (let i = 0; i < vars.length; i++) {
    const scale = Math.max(...Array.from(generic.sums[i] as Float32Array, Math.abs));
    assert.ok(
      maxDiff(generic.sums[i] as Float32Array, dense.sums[i] as Float32Array) < 1e-5 * Math.max(1, scale),
      `variable ${vars[i]?.name}`,
    );
  }
  assert.ok(Math.abs(generic.loss - dense.loss) < 1e-4, `loss sum ${generic.loss} vs ${dense.loss}`);
  // Frozen layers: the plan covers only the trained variables and still matches.
  const part = vars.slice(2);
  const partPlan = densePlan(model, part);
  assert.ok(partPlan);
  const g2 = await read(clippedSumGeneric(model, part, batch, C));
  const d2 = await read(clippedSumDense(partPlan, part, batch, C));
  for (let i = 0; i < part.length; i++)
    assert.ok(maxDiff(g2.sums[i] as Float32Array, d2.sums[i] as Float32Array) < 1e-5);
  batch.x.dispose();
  batch.y.dispose();
  model.dispose();
});

test('densePlan refuses models the outer-product trick does not cover', () => {
  const withBn = denseNet([4, 5, 3], 1, { batchNorm: true });
  assert.equal(densePlan(withBn, trainable(withBn)), null);
  const input = tfl.input({ shape: [4] });
  const functional = tfl.model({
    inputs: input,
    outputs: tfl.layers.dense({ units: 3 }).apply(input) as tfl.SymbolicTensor,
  });
  assert.equal(densePlan(functional, trainable(functional)), null);
  const conv = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  assert.equal(densePlan(conv, trainable(conv)), null);
  for (const m of [withBn, functional, conv]) m.dispose();
});

test('the generic path on a small CNN: Σ clip(gᵢ) equals clipping the one-example gradients of adapter.gradient', async () => {
  if (tf.getBackend() === 'wasm') registerWasmKernels(); // WASM's missing conv-gradient kernel
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv',
        inputShape: [5, 5, 1],
        filters: 2,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
      }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ name: 'out', units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }),
    ],
  });
  const adapter = new TfjsModelAdapter(model);
  const data = { ...blobs(6, 25, 3, 8), sampleShape: [5, 5, 1] };
  const per: Float32Array[] = [];
  for (let i = 0; i < 6; i++) per.push((await adapter.gradient(subset(data, [i]))).gradient.data.slice());
  const norms = per.map((g) => Math.hypot(...g));
  const C = [...norms].sort((a, b) => a - b)[3] as number;
  const want = new Float64Array(per[0]?.length ?? 0);
  per.forEach((g, i) => {
    const f = Math.min(1, C / (norms[i] as number));
    for (let j = 0; j < g.length; j++) want[j] = (want[j] as number) + f * (g[j] as number);
  });
  const vars = trainable(model);
  assert.equal(densePlan(model, vars), null, 'a CNN takes the generic path');
  const batch = makeBatch(data, null, 0, 6);
  const r = await read(clippedSumGeneric(model, vars, batch, C));
  const got = new Float32Array(want.length);
  let at = 0;
  for (const s of r.sums) {
    got.set(s, at);
    at += s.length;
  }
  assert.ok(maxDiff(got, want) < 1e-5, 'generic clipped sum');
  assert.equal(r.clipped, 2, 'the two largest of six are clipped');
  batch.x.dispose();
  batch.y.dispose();
  adapter.dispose();
});
