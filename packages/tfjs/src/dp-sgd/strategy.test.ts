import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FedAvg, type Outcome, Rng, type TrainRes, Weights } from '@federa/core';
import { dpSgdFromConfig } from './config.js';
import { withDpSgd } from './strategy.js';

async function* replies(list: Outcome<TrainRes>[]): AsyncIterable<Outcome<TrainRes>> {
  yield* list;
}

test('withDpSgd sends the DP-SGD keys to every client and reports the largest client ε', async () => {
  const inner = new FedAvg({ fraction: 1, epochs: 2, batchSize: 32, lr: 0.5 });
  const s = withDpSgd(inner, { clipNorm: 1.5, noiseMultiplier: 0.9, seed: 'sim' });
  assert.equal(s.name, 'fedavg+dpsgd');
  const w = new Weights([{ name: 'w', shape: [2] }], new Float32Array([1, 2]));
  const ins = s.configureTrain(1, w, [{ id: 'a' }, { id: 'b' }], new Rng(1));
  assert.equal(ins.length, 2);
  for (const i of ins) {
    assert.equal(i.config.epochs, 2, 'inner config kept');
    assert.deepEqual(dpSgdFromConfig(i.config), { clipNorm: 1.5, noiseMultiplier: 0.9, seed: 'sim' });
    assert.equal(i.config.dpSgdDelta, 1e-5);
  }
  const reply = (id: string, e: number, d: number): Outcome<TrainRes> => ({
    ok: true,
    clientId: id,
    value: {
      clientId: id,
      update: new Weights(w.specs, new Float32Array([d, d])),
      numExamples: 10,
      metrics: { loss: 1, dpsgd_epsilon: e },
    },
  });
  const agg = await s.aggregateTrain(1, w, replies([reply('a', 0.7, 1), reply('b', 1.3, 3)]));
  assert.equal(agg.metrics.dpsgd_epsilon, 1.3);
  assert.deepEqual(Array.from(agg.weights.data), [3, 4], "inner's FedAvg step");
  const none = await s.aggregateTrain(2, w, replies([]));
  assert.equal(none.metrics.dpsgd_epsilon, undefined);
  assert.throws(() => withDpSgd(inner, { clipNorm: -1, noiseMultiplier: 1 }), /dpSgdClip/);
});
