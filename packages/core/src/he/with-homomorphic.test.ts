import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { subset } from '../data.js';
import { LocalGrid } from '../local-grid.js';
import { runFederated } from '../loop.js';
import type { Client, ClientInfo, Outcome, TrainRes } from '../messages.js';
import { Rng } from '../rng.js';
import { FedAvg } from '../strategy/fedavg.js';
import type { Strategy } from '../strategy.js';
import { blobs, evaluateSoftmax, SoftmaxClient } from '../testing/softmax-client.js';
import { Weights } from '../weights.js';
import { generatePaillierKeys } from './paillier.js';
import { splitPaillierKey } from './paillier-shares.js';
import { paillierRound } from './sessions.js';
import { withHomomorphicAggregation } from './with-homomorphic.js';

const layout = () =>
  Weights.fromTensors([
    { name: 'a', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) },
    { name: 'b', shape: [3], values: new Float32Array([0.5, -0.5, 0]) },
  ]);
const upd = (v: number[]) => new Weights(layout().specs, new Float32Array(v));
const nodes = (n: number): ClientInfo[] => Array.from({ length: n }, (_, i) => ({ id: `c${i}` }));
const ok = (clientId: string, update: Weights, numExamples: number, loss = 1): Outcome<TrainRes> => ({
  ok: true,
  clientId,
  value: { clientId, update, numExamples, metrics: { loss } },
});
async function* stream<T>(xs: T[]): AsyncIterable<T> {
  for (const x of xs) yield x;
}
const fedavg = () => new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1, serverLr: 0.5 });
const keys = generatePaillierKeys(512, { seed: 21 });

const replies = (): Outcome<TrainRes>[] => [
  ok('c0', upd([0.1, -0.2, 0.3, -0.4, 0.05, 0.06, -0.07]), 30, 2),
  ok('c1', upd([-0.3, 0.25, 0.0, 0.9, -0.15, 0.2, 0.33]), 10, 1),
  { ok: false, clientId: 'c2', error: { code: 'E_TIMEOUT', message: 'gone' } },
  ok('c3', upd([0.5, 0.5, -0.5, -0.5, 0.01, -0.01, 0.999]), 60, 0.5),
];

describe('withHomomorphicAggregation', () => {
  const wrappers: { dispose(): void }[] = [];
  after(() => {
    for (const w of wrappers) w.dispose();
  });

  for (const scheme of ['paillier', 'ckks'] as const) {
    it(`${scheme}: equals FedAvg (with its server step) within quantisation error, and reports he_* metrics`, async () => {
      const global = layout();
      const plain = await fedavg().aggregateTrain(1, global, stream(replies()));
      const he = withHomomorphicAggregation(
        fedavg(),
        scheme === 'paillier' ? { scheme, range: 1, keys, maxExamples: 100 } : { scheme },
      );
      wrappers.push(he);
      assert.equal(he.configureTrain(1, global, nodes(4), new Rng(1)).length, 4);
      const agg = await he.aggregateTrain(1, global, stream(replies()));
      const tol = 1e-6; // float32 rounding of weights ≈ 4 dominates (Paillier quantisation ≈ 1e-8 here)
      agg.weights.data.forEach((v, i) => {
        assert.ok(Math.abs(v - (plain.weights.data[i] as number)) < tol, `${i}: ${v} vs ${plain.weights.data[i]}`);
      });
      assert.equal(he.name, 'fedavg+he');
      assert.equal(agg.metrics.examples, 100);
      assert.ok(Math.abs((agg.metrics.loss as number) - (2 * 30 + 10 + 0.5 * 60) / 100) < 1e-12);
      assert.deepEqual(
        agg.clients.map((c) => c.ok),
        [true, true, false, true],
      );
      assert.ok((agg.metrics.he_bytes_up as number) > 3 * 4 * 7, 'ciphertexts are bigger than the floats');
      assert.ok((agg.metrics.he_expansion as number) > 1);
      for (const k of ['he_encrypt_ms', 'he_add_ms', 'he_decrypt_ms']) assert.ok((agg.metrics[k] as number) >= 0, k);
      assert.deepEqual([...global.data], [1, 2, 3, 4, 0.5, -0.5, 0]);
    });
  }

  it('paillier: clips coordinates beyond ±range (counted) and refuses an example count above maxExamples', async () => {
    const global = layout();
    const he = withHomomorphicAggregation(fedavg(), { scheme: 'paillier', range: 0.5, keys, maxExamples: 50 });
    he.configureTrain(1, global, nodes(3), new Rng(1));
    const agg = await he.aggregateTrain(
      1,
      global,
      stream([ok('c0', upd([2, -2, 0, 0, 0, 0, 0]), 10), ok('c1', upd([0, 0, 0, 0, 0, 0, 0]), 51)]),
    );
    assert.equal(agg.metrics.he_clipped, 2);
    assert.equal(agg.clients[1]?.ok, false);
    assert.match(agg.clients[1]?.error ?? '', /E_HE_WEIGHT.*maxExamples = 50/);
    // The mean is c0's clipped update alone: w + 0.5·[0.5, −0.5, 0…].
    assert.ok(Math.abs((agg.weights.data[0] as number) - 1.25) < 1e-6);
    assert.ok(Math.abs((agg.weights.data[1] as number) - 1.75) < 1e-6);
  });

  it('paillier: decrypts with n-of-n key shares to the same result as the key holder', async () => {
    const global = layout();
    const results = [];
    for (const shares of [undefined, splitPaillierKey(keys.privateKey, 3)]) {
      const he = withHomomorphicAggregation(fedavg(), {
        scheme: 'paillier',
        range: 1,
        keys,
        maxExamples: 100,
        ...(shares ? { shares } : {}),
      });
      he.configureTrain(1, global, nodes(4), new Rng(1));
      results.push([...(await he.aggregateTrain(1, global, stream(replies()))).weights.data]);
    }
    assert.deepEqual(results[1], results[0]);
    assert.throws(
      () =>
        withHomomorphicAggregation(fedavg(), {
          scheme: 'paillier',
          range: 1,
          shares: splitPaillierKey(keys.privateKey, 2),
        }),
      /shares need/,
    );
  });

  it("paillier round: the server refuses a client's ciphertext that claims a weight other than 1", () => {
    const r = paillierRound({ keys, length: 3, range: 1, clients: 2, maxWeight: 10 });
    const { bytes } = r.clientEncrypt(new Float32Array([0.5, 0, -0.5]), 4);
    const forged = bytes.slice();
    new DataView(forged.buffer).setFloat64(24, 0, true); // header weight field
    assert.throws(() => r.serverAdd(forged, 4), /must carry weight 1/);
    assert.throws(() => r.serverAdd(bytes, 11), /E_HE_WEIGHT|maxExamples = 10/);
    r.serverAdd(bytes, 4);
    const sum = r.keyHolderDecrypt();
    assert.ok(Math.abs((sum[0] as number) - 2) < 1e-6 && Math.abs((sum[2] as number) + 2) < 1e-6, `${sum}`);
  });

  it('keeps the global weights when nobody answered, and validates its options', async () => {
    const global = layout();
    const he = withHomomorphicAggregation(fedavg(), { scheme: 'paillier', range: 1, keys, weighting: 'uniform' });
    he.configureTrain(1, global, nodes(2), new Rng(1));
    const agg = await he.aggregateTrain(
      1,
      global,
      stream([{ ok: false, clientId: 'c0', error: { code: 'E_X', message: 'x' } }]),
    );
    assert.deepEqual([...agg.weights.data], [...global.data]);
    assert.throws(
      () => withHomomorphicAggregation(fedavg(), { scheme: 'paillier', range: 0 }),
      /range must be a positive/,
    );
    assert.throws(() => withHomomorphicAggregation(fedavg(), { scheme: 'rsa' } as never), /scheme must be/);
    await assert.rejects(he.aggregateTrain(9, global, stream([])), /not configured/);
  });

  it('runs federated training end to end with the same trajectory as plain FedAvg (5 rounds)', async () => {
    const rng = new Rng(4);
    const all = blobs(10 * 30 + 200, 5, 3, rng, 4);
    const pairs: [ClientInfo, Client][] = [];
    for (let k = 0; k < 10; k++) {
      const idx = Array.from({ length: 30 }, (_, i) => k * 30 + i);
      pairs.push([{ id: `c${k}` }, new SoftmaxClient(subset(all, idx), `c${k}`)]);
    }
    const test = subset(
      all,
      Array.from({ length: 200 }, (_, i) => 300 + i),
    );
    const strategy = () => new FedAvg({ fraction: 0.4, epochs: 1, batchSize: 10, lr: 0.01 });
    const run = (s: Strategy) =>
      runFederated({
        grid: new LocalGrid(pairs),
        strategy: s,
        initial: SoftmaxClient.initialWeights(5, 3),
        rounds: 5,
        seed: 2,
        evaluate: async (w) => evaluateSoftmax(w, test),
      });
    const he = await run(
      withHomomorphicAggregation(strategy(), { scheme: 'paillier', range: 4, keys, maxExamples: 30 }),
    );
    const plain = await run(strategy());
    const diff = he.weights.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (plain.weights.data[i] as number))), 0);
    assert.ok(diff < 1e-5, `max |w_he − w_plain| = ${diff}`);
    assert.equal(he.history.last?.accuracy, plain.history.last?.accuracy);
    const bytes = he.history.rounds.map((r) => r.metrics.train_he_bytes_up as number);
    assert.ok(
      bytes.every((b) => b > 0),
      `he_bytes_up per round ${bytes}`,
    );
    assert.equal(he.history.rounds[0]?.metrics.train_he_clipped, 0);
  });
});
