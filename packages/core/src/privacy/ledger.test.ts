import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalGrid } from '../local-grid.js';
import { runFederated } from '../loop.js';
import { Rng } from '../rng.js';
import { FedAvg } from '../strategy/fedavg.js';
import { blobs, SoftmaxClient } from '../testing/softmax-client.js';
import { withPrivacyLedger } from './ledger.js';
import { RdpAccountant } from './rdp.js';

test('withPrivacyLedger reports the ε of one sampled Gaussian per round, as the RDP accountant composes it', async () => {
  const data = blobs(40, 2, 2, new Rng(1));
  const grid = new LocalGrid(
    Array.from({ length: 10 }, (_, i) => [{ id: `c${i}`, numExamples: 40 }, new SoftmaxClient(data, `c${i}`)] as const),
  );
  const strategy = withPrivacyLedger(new FedAvg({ fraction: 0.3, epochs: 1, batchSize: 10, lr: 0.1 }), {
    noiseMultiplier: 1.2,
    delta: 1e-5,
  });
  const r = await runFederated({ grid, strategy, initial: SoftmaxClient.initialWeights(2, 2), rounds: 4, seed: 1 });
  const eps = r.history.rounds.map((x) => x.metrics.train_dp_epsilon);
  const expected = [1, 2, 3, 4].map((t) => new RdpAccountant().step(0.3, 1.2, t).epsilon(1e-5).epsilon);
  assert.deepEqual(eps, expected);
  assert.ok((eps[3] as number) > (eps[0] as number));
  assert.throws(() => withPrivacyLedger(strategy, { noiseMultiplier: 0 }), /noiseMultiplier must be a positive number/);
});
