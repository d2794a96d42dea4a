import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config/index.js';
import { simulate, strategyFor } from './run.js';

// Secure aggregation, homomorphic encryption and DP from the config, on FedProx's synthetic
// federation with multinomial logistic regression (610 parameters: fast even under Paillier).
const base = {
  seed: 2,
  rounds: 3,
  data: { dataset: 'synthetic', partition: 'natural' },
  model: 'logreg',
  strategy: { name: 'fedavg', fraction: 0.34 },
  client: { epochs: 2, batchSize: 10, lr: 0.01 },
  evaluate: { on: 'train', clients: false },
  privacy: { seeded: true },
  sim: { workers: 1 },
};

async function run(extra: Record<string, unknown>) {
  const sim = await simulate(parseConfig({ ...base, ...extra }, 'test'), { log: () => {} });
  sim.model.dispose();
  return sim.result.history.rounds;
}

describe('protected aggregation from the config', () => {
  it('SecAgg+ and Paillier give the plain FedAvg model to within quantization error', async () => {
    const plain = await run({});
    const secagg = await run({ secure: { aggregation: 'secaggPlus', clip: 4 } });
    const paillier = await run({ secure: { aggregation: 'paillier', clip: 4, keyBits: 512 } });
    for (const [name, rounds] of [
      ['secaggPlus', secagg],
      ['paillier', paillier],
    ] as const) {
      for (const [i, r] of rounds.entries()) {
        assert.ok(
          Math.abs(r.loss - (plain[i]?.loss ?? 0)) < 1e-3,
          `${name} round ${i + 1}: ${r.loss} vs ${plain[i]?.loss}`,
        );
      }
    }
    assert.equal(secagg[0]?.metrics.train_secagg_dropped, 0);
    assert.ok((secagg[0]?.metrics.train_secagg_bytes_up ?? 0) > 0);
    assert.ok((paillier[0]?.metrics.train_he_bytes_up ?? 0) > 0);
  });

  it('SecAgg with dropouts and distributed DP noise survives and reports ε every round', async () => {
    const rounds = await run({
      secure: { aggregation: 'secagg', clip: 4, dropout: 0.2 },
      privacy: { seeded: true, clipNorm: 2, noiseMultiplier: 0.5 },
    });
    const eps = rounds.map((r) => r.metrics.train_dp_epsilon ?? Number.NaN);
    assert.ok(
      eps.every((e, i) => e > 0 && (i === 0 || e > (eps[i - 1] as number))),
      `ε ${eps}`,
    );
    assert.ok(
      rounds.every((r) => (r.metrics.train_secagg_dropped ?? 0) >= 1),
      'someone dropped each round',
    );
    assert.ok(rounds.every((r) => r.metrics.train_secagg_aborted !== 1));
  });

  it('refuses what secure aggregation cannot do, naming the field', () => {
    assert.throws(
      () => parseConfig({ ...base, strategy: { name: 'scaffold' }, secure: { aggregation: 'secagg' } }, 'test'),
      /secure\.aggregation.*strategy scaffold needs each client's update/s,
    );
    assert.throws(
      () => parseConfig({ ...base, robust: { rule: 'median' }, secure: { aggregation: 'ckks' } }, 'test'),
      /cannot inspect it/,
    );
    assert.throws(
      () => parseConfig({ ...base, privacy: { clipNorm: 1 }, secure: { aggregation: 'paillier' } }, 'test'),
      /privacy\.clipNorm.*hides/s,
    );
    assert.equal(strategyFor(parseConfig({ ...base, secure: { aggregation: 'ckks' } }, 'test')).name, 'fedavg+he');
    assert.equal(strategyFor(parseConfig({ ...base, privacy: { sampleClipNorm: 1 } }, 'test')).name, 'fedavg+dpsgd');
  });
});

describe('DP-SGD from the config', () => {
  it('every client trains with per-example clipping and noise, and reports its ε', async () => {
    const rounds = await run({ privacy: { seeded: true, sampleClipNorm: 1, sampleNoiseMultiplier: 1.1 }, rounds: 2 });
    const plain = await run({ rounds: 2 });
    for (const r of rounds) {
      assert.ok((r.metrics.train_dpsgd_epsilon ?? 0) > 0, JSON.stringify(r.metrics));
      assert.ok(r.clients.every((c) => (c.metrics?.dpsgd_epsilon ?? 0) > 0));
    }
    assert.ok((rounds[1]?.metrics.train_dpsgd_epsilon ?? 0) > (rounds[0]?.metrics.train_dpsgd_epsilon ?? 0));
    assert.notEqual(rounds[1]?.loss, plain[1]?.loss, 'the noisy, clipped training is not the plain one');
  });
});
