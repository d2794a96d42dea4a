import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FederaError, RdpAccountant } from '@federa/core';
import { dpSgdEpsilon, dpSgdNoiseMultiplier, dpSgdSteps } from './accounting.js';
import { dpSgdFromConfig, dpSgdMetrics } from './config.js';

test('dpSgdEpsilon is a direct RdpAccountant composition with q = B/N and T·E·⌈N/B⌉ steps', () => {
  const s = { examples: 60_000, batchSize: 256, epochs: 2, rounds: 15, noiseMultiplier: 1.1, delta: 1e-5 };
  const got = dpSgdEpsilon(s);
  assert.equal(got.steps, 15 * 2 * Math.ceil(60_000 / 256));
  assert.equal(got.sampleRate, 256 / 60_000);
  const direct = new RdpAccountant();
  // Round by round, as a client that trained in every round would add it up.
  for (let t = 0; t < 15; t++) direct.step(256 / 60_000, 1.1, 2 * 235);
  const want = direct.epsilon(1e-5);
  assert.ok(Math.abs(got.epsilon - want.epsilon) < 1e-9, `${got.epsilon} vs ${want.epsilon}`);
  assert.equal(got.order, want.order);
  // Abadi et al.'s MNIST setting (q = 0.01, σ = 4, 10,000 steps) gives ε ≈ 1.04 at δ = 1e-5 by the improved conversion.
  const abadi = dpSgdEpsilon({
    examples: 60_000,
    batchSize: 600,
    epochs: 100,
    rounds: 1,
    noiseMultiplier: 4,
    delta: 1e-5,
  });
  assert.equal(abadi.steps, 10_000);
  assert.ok(abadi.epsilon > 0.9 && abadi.epsilon < 1.2, `ε ${abadi.epsilon}`);
  // Fewer rounds spend less: the bound is monotone.
  assert.ok(dpSgdEpsilon({ ...s, rounds: 5 }).epsilon < got.epsilon);
});

test('full batch, maxSteps and zero rounds', () => {
  assert.deepEqual(dpSgdSteps({ examples: 100, batchSize: 0, epochs: 3, rounds: 4 }), { sampleRate: 1, steps: 12 });
  assert.deepEqual(dpSgdSteps({ examples: 100, batchSize: 500, epochs: 1, rounds: 2 }), { sampleRate: 1, steps: 2 });
  assert.deepEqual(dpSgdSteps({ examples: 100, batchSize: 30, epochs: 2, rounds: 3, maxSteps: 5 }), {
    sampleRate: 0.3,
    steps: 15,
  });
  const full = dpSgdEpsilon({ examples: 100, batchSize: 0, epochs: 1, rounds: 10, noiseMultiplier: 5, delta: 1e-5 });
  const direct = new RdpAccountant().step(1, 5, 10).epsilon(1e-5).epsilon;
  assert.ok(Math.abs(full.epsilon - direct) < 1e-12);
  assert.equal(
    dpSgdEpsilon({ examples: 100, batchSize: 10, epochs: 1, rounds: 0, noiseMultiplier: 1, delta: 1e-5 }).epsilon,
    0,
  );
  assert.throws(() => dpSgdSteps({ examples: 0, batchSize: 10, epochs: 1, rounds: 1 }), FederaError);
  assert.throws(() => dpSgdSteps({ examples: 10, batchSize: 1.5, epochs: 1, rounds: 1 }), /batchSize/);
});

test('dpSgdNoiseMultiplier finds the smallest σ within the target ε', () => {
  const s = { examples: 15_000, batchSize: 150, epochs: 1, rounds: 5, delta: 1e-5 };
  for (const epsilon of [1, 2, 8]) {
    const sigma = dpSgdNoiseMultiplier({ ...s, epsilon });
    const at = dpSgdEpsilon({ ...s, noiseMultiplier: sigma }).epsilon;
    const below = dpSgdEpsilon({ ...s, noiseMultiplier: sigma * 0.99 }).epsilon;
    assert.ok(at <= epsilon && below > epsilon, `ε ${epsilon}: σ ${sigma} gives ${at}, 1% less gives ${below}`);
  }
});

test('dpSgdFromConfig and dpSgdMetrics read the train config keys', () => {
  assert.equal(dpSgdFromConfig({ epochs: 1, lr: 0.1 }), undefined);
  assert.deepEqual(dpSgdMetrics({ epochs: 1, lr: 0.1 }, 3, 100), {});
  assert.deepEqual(dpSgdFromConfig({ dpSgdClip: 1, dpSgdNoise: 1.1, dpSgdSeed: 'x' }), {
    clipNorm: 1,
    noiseMultiplier: 1.1,
    seed: 'x',
  });
  assert.throws(() => dpSgdFromConfig({ dpSgdClip: 1 }), /dpSgdNoise/);
  assert.throws(() => dpSgdFromConfig({ dpSgdClip: -1, dpSgdNoise: 1 }), /dpSgdClip/);
  const c = { epochs: 2, batchSize: 50, lr: 0.1, dpSgdClip: 1, dpSgdNoise: 1.2, dpSgdDelta: 1e-6 };
  const m = dpSgdMetrics(c, 7, 1000);
  const want = dpSgdEpsilon({ examples: 1000, batchSize: 50, epochs: 2, rounds: 7, noiseMultiplier: 1.2, delta: 1e-6 });
  assert.equal(m.dpsgd_epsilon, want.epsilon);
  assert.equal(m.dpsgd_sigma, 1.2);
  // FedRep: the head epochs read the data too.
  const rep = dpSgdMetrics({ ...c, personalLayers: '^out/', headEpochs: 1 }, 7, 1000);
  const repWant = dpSgdEpsilon({
    examples: 1000,
    batchSize: 50,
    epochs: 3,
    rounds: 7,
    noiseMultiplier: 1.2,
    delta: 1e-6,
  });
  assert.equal(rep.dpsgd_epsilon, repWant.epsilon);
  assert.ok((rep.dpsgd_epsilon as number) > (m.dpsgd_epsilon as number));
  // maxSteps caps each pass: 2 + 2 steps per round here.
  const capped = dpSgdMetrics({ ...c, personalLayers: '^out/', headEpochs: 1, maxSteps: 2 }, 7, 1000);
  const cappedWant = new RdpAccountant().step(50 / 1000, 1.2, 7 * 4).epsilon(1e-6).epsilon;
  assert.ok(Math.abs((capped.dpsgd_epsilon as number) - cappedWant) < 1e-12);
});
