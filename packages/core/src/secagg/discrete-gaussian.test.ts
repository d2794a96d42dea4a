import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededSource } from '../privacy/random-source.js';
import { Rng } from '../rng.js';
import { sampleDiscreteGaussian } from './discrete-gaussian.js';
import { dequantize, quantize } from './quantize.js';

describe('discrete Gaussian sampler (Canonne, Kamath & Steinke 2020)', () => {
  it('has the probabilities ∝ exp(−x²/2σ²) at σ = 1.5', () => {
    const sigma = 1.5;
    const src = seededSource(1);
    const N = 40_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const x = sampleDiscreteGaussian(sigma, src);
      assert.ok(Number.isInteger(x));
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    let z = 0;
    for (let x = -30; x <= 30; x++) z += Math.exp(-(x * x) / (2 * sigma * sigma));
    for (let x = -4; x <= 4; x++) {
      const p = Math.exp(-(x * x) / (2 * sigma * sigma)) / z;
      const got = (counts.get(x) ?? 0) / N;
      // 4 standard errors of a binomial proportion.
      assert.ok(Math.abs(got - p) < 4 * Math.sqrt((p * (1 - p)) / N), `P(${x}) = ${got}, want ${p}`);
    }
  });

  for (const sigma of [3, 1e3, 1e7]) {
    it(`mean 0 and variance σ² at σ = ${sigma}`, () => {
      const src = seededSource(sigma);
      const N = 20_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < N; i++) {
        const x = sampleDiscreteGaussian(sigma, src);
        s += x;
        s2 += x * x;
      }
      assert.ok(Math.abs(s / N) < (4 * sigma) / Math.sqrt(N));
      assert.ok(Math.abs(s2 / N / (sigma * sigma) - 1) < 0.04, `var ratio ${s2 / N / sigma ** 2}`);
    });
  }

  it('σ = 0 is no noise; a bad σ throws', () => {
    assert.equal(sampleDiscreteGaussian(0, seededSource(1)), 0);
    assert.throws(() => sampleDiscreteGaussian(Number.NaN, seededSource(1)), /sigma/);
  });
});

describe('quantize (stochastic rounding into Z_2^k)', () => {
  it('is unbiased: the mean of many roundings of 0.3 steps is 0.3 steps, and negatives wrap', () => {
    const x = new Float32Array(50_000).fill(0.3);
    const q = quantize(x, { clip: 1, scale: 1, weight: 1, l2Clip: 0, extra: false }, new Rng(1));
    const back = dequantize(q, 32, 1);
    const mean = back.reduce((a, b) => a + b, 0) / back.length;
    assert.ok(Math.abs(mean - 0.3) < 0.01, `${mean}`);
    assert.ok(back.every((v) => v === 0 || v === 1));
    const neg = dequantize(
      quantize(Float32Array.of(-0.75), { clip: 1, scale: 4, weight: 1, l2Clip: 0, extra: false }, new Rng(1)),
      32,
      4,
    );
    assert.equal(neg[0], -0.75);
  });

  it('clips each coordinate, L2-clips when asked, appends the weight, and rejects NaN', () => {
    const opts = { clip: 1, scale: 1000, weight: 0.5, l2Clip: 0, extra: true };
    const q = dequantize(quantize(Float32Array.of(5, -5, 0.25), opts, new Rng(1)), 32, 1000);
    assert.deepEqual([...q], [0.5, -0.5, 0.125, 0.5]);
    const l2 = dequantize(
      quantize(Float32Array.of(3, 4), { ...opts, weight: 1, l2Clip: 1, clip: 10, extra: false }, new Rng(1)),
      32,
      1000,
    );
    assert.deepEqual([...l2], [0.6, 0.8]);
    assert.throws(() => quantize(Float32Array.of(Number.NaN), opts, new Rng(1)), /non-finite value at index 0/);
  });
});
