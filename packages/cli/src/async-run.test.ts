import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './config/index.js';
import { simulate } from './run.js';

// FedBuff and FedAsync from the config, on FedProx's synthetic federation (logistic regression).
const base = {
  seed: 4,
  rounds: 6,
  data: { dataset: 'synthetic', partition: 'natural' },
  model: 'logreg',
  client: { epochs: 1, batchSize: 10, lr: 0.01 },
  evaluate: { on: 'train', clients: false, every: 3 },
  async: { concurrency: 4 },
  sim: { workers: 1 },
};

describe('asynchronous training from the config', () => {
  it('FedBuff applies one version per bufferSize updates and lowers the training loss', async () => {
    const sim = await simulate(parseConfig({ ...base, strategy: { name: 'fedbuff', bufferSize: 3 } }, 'test'), {
      log: () => {},
    });
    sim.model.dispose();
    const rounds = sim.result.history.rounds;
    assert.deepEqual(
      rounds.map((r) => r.round),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok(
      rounds.every((r) => r.succeeded === 3),
      'each version folds in 3 updates',
    );
    const evaluated = rounds.filter((r) => Number.isFinite(r.loss));
    assert.equal(evaluated.length, 2);
    assert.ok((evaluated[1]?.loss ?? 9) < (evaluated[0]?.loss ?? 0), `losses ${evaluated.map((r) => r.loss)}`);
    assert.ok(
      rounds.some((r) => (r.metrics.staleness_max ?? 0) > 0),
      'with 4 clients in flight some updates are stale',
    );
  });

  it('FedAsync is reproducible from the seed in start order, and refuses round-based options', async () => {
    const run = async () => {
      const sim = await simulate(parseConfig({ ...base, strategy: { name: 'fedasync', alpha: 0.5 } }, 'test'), {
        log: () => {},
      });
      sim.model.dispose();
      return sim.result;
    };
    const [a, b] = [await run(), await run()];
    assert.deepEqual([...a.weights.data], [...b.weights.data]);
    assert.equal(a.history.rounds.length, 6);
    assert.throws(
      () => parseConfig({ ...base, strategy: { name: 'fedasync' }, robust: { rule: 'median' } }, 'test'),
      /fedasync applies updates one by one/,
    );
  });
});
