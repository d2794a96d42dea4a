import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config/index.js';
import { simulate, strategyFor } from './run.js';

// Server-side training from a config: FedDF distils on, and FLTrust trusts, samples held out
// on the server (data.serverSamples) that no client holds.
const base = {
  seed: 5,
  rounds: 2,
  data: {
    dataset: 'mnist',
    partition: 'iid',
    clients: 10,
    maxClientSamples: 150,
    serverSamples: 400,
    testSubset: 1000,
  },
  model: 'mlp2nn',
  client: { epochs: 1, batchSize: 10, lr: 0.1 },
  evaluate: { clients: false },
  sim: { workers: 1 },
};

describe('server-side data from the config', () => {
  it('strategy feddf without held-out data is refused by the config check', () => {
    assert.throws(
      () => parseConfig({ ...base, data: { ...base.data, serverSamples: 0 }, strategy: { name: 'feddf' } }, 'test'),
      /data\.serverSamples.*set data\.serverSamples/s,
    );
    assert.throws(
      () => strategyFor(parseConfig({ ...base, strategy: { name: 'feddf' } }, 'test')),
      /set data\.serverSamples/,
    );
  });

  it('FedDF distils the averaged model on the held-out inputs every round', async () => {
    const config = parseConfig(
      { ...base, strategy: { name: 'feddf', fraction: 0.5 }, distill: { steps: 10, batchSize: 50 } },
      'test',
    );
    const sim = await simulate(config, { log: () => {} });
    try {
      const rounds = sim.result.history.rounds;
      assert.equal(rounds.length, 2);
      assert.equal(sim.federation.server?.y.length, 400);
      for (const r of rounds) {
        assert.equal(r.metrics.train_distill_teachers, 5);
        assert.ok((r.metrics.train_distill_shift ?? 0) > 0, 'distillation moved the averaged model');
      }
      const acc = rounds.map((r) => r.accuracy);
      assert.ok((acc[1] ?? 0) > 0.6, `accuracy after 2 rounds ${acc}`);
    } finally {
      sim.model.dispose();
    }
  });

  it('FLTrust scores each update against the root update trained on the held-out set', async () => {
    const config = parseConfig({ ...base, strategy: { fraction: 0.5 }, robust: { rule: 'fltrust' } }, 'test');
    const sim = await simulate(config, { log: () => {} });
    try {
      const r = sim.result.history.rounds[1];
      assert.ok(r);
      const trust = r.clients.map((c) => c.metrics?.trust_score);
      assert.equal(trust.length, 5);
      assert.ok(
        trust.every((t) => typeof t === 'number' && t >= 0 && t <= 1),
        `trust ${trust}`,
      );
      assert.ok((r.metrics.train_fltrust_root_norm ?? 0) > 0);
      assert.ok(r.accuracy > 0.6, `accuracy ${r.accuracy}, trust ${trust}`);
    } finally {
      sim.model.dispose();
    }
  });
});

describe('clients of several architectures (FedDF)', () => {
  it('trains an MLP and a CNN federation side by side, fused by distillation on the server', async () => {
    const config = parseConfig(
      {
        ...base,
        data: { ...base.data, maxClientSamples: 60 },
        model: 'mlp2nn',
        models: ['mlp2nn', 'cnnMnist'],
        strategy: { name: 'feddf', fraction: 0.4 },
        distill: { steps: 5, batchSize: 50 },
      },
      'test',
    );
    const sim = await simulate(config, { log: () => {} });
    try {
      const rounds = sim.result.history.rounds;
      for (const r of rounds) {
        const mlp = r.metrics.train_teachers_mlp2nn ?? 0;
        const cnn = r.metrics.train_teachers_cnnMnist ?? 0;
        assert.equal(mlp + cnn, 4, 'the 4 sampled clients train one architecture each');
        assert.equal(r.metrics.train_distill_teachers, 4);
        assert.ok(Number.isFinite(r.metrics.accuracy_cnnMnist), 'the CNN is evaluated too');
      }
      const last = rounds.at(-1);
      assert.ok(
        last && last.accuracy > 0.3 && (last.metrics.accuracy_cnnMnist ?? 0) > 0.2,
        JSON.stringify(last?.metrics),
      );
      // Each client answers an update of the joined layout; only its own part travels (zeros tensors).
      const own =
        (last.metrics.train_teachers_mlp2nn ?? 0) * 199210 * 4 +
        (last.metrics.train_teachers_cnnMnist ?? 0) * 1663370 * 4;
      assert.ok(last.bytesUp >= own && last.bytesUp < own * 1.01, `bytes up ${last.bytesUp}, own parts ${own}`);
      assert.equal(sim.model.getWeights().size, 199210, 'the headline model (mlp2nn) is what the run keeps');
    } finally {
      sim.model.dispose();
    }
  });

  it('refuses models without feddf, or a headline model outside them', () => {
    assert.throws(() => parseConfig({ ...base, models: ['mlp2nn', 'cnnMnist'] }, 'test'), /fused by FedDF/);
    assert.throws(
      () =>
        parseConfig({ ...base, model: 'mlp2nn', models: ['cnnMnist', 'logreg'], strategy: { name: 'feddf' } }, 'test'),
      /model mlp2nn is not one of models[\s\S]*logreg is built for synthetic/,
    );
  });
});
