import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subset } from '../data.js';
import { LocalGrid } from '../local-grid.js';
import { runFederated } from '../loop.js';
import type { Client, ClientInfo, Outcome, TrainRes } from '../messages.js';
import { Rng } from '../rng.js';
import { FedAvg } from '../strategy/fedavg.js';
import { blobs, evaluateSoftmax, SoftmaxClient } from '../testing/softmax-client.js';
import { Weights } from '../weights.js';
import { withSecureAggregation } from './with-secure-aggregation.js';

const layout = () =>
  Weights.fromTensors([
    { name: 'a', shape: [2], values: new Float32Array([1, 2]) },
    { name: 'b', shape: [1], values: new Float32Array([3]) },
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
const fedavg = () => new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1 });

/** Four clients' updates and example counts: FedAvg's mean is Σ n_k Δ_k / Σ n_k. */
const replies = (): Outcome<TrainRes>[] => [
  ok('c0', upd([0.5, -0.25, 0.125]), 10, 2),
  ok('c1', upd([-0.3, 0.1, 0.9]), 30, 1),
  ok('c2', upd([0.05, 0.6, -0.7]), 20, 1),
  ok('c3', upd([0.2, 0.2, 0.2]), 40, 0.5),
  { ok: false, clientId: 'c4', error: { code: 'E_TIMEOUT', message: 'gone' } },
];

function close(a: Weights, b: Weights, tol: number): void {
  a.data.forEach((v, i) => {
    assert.ok(Math.abs(v - b.data[i]!) <= tol, `${i}: ${v} vs ${b.data[i]}`);
  });
}

describe('withSecureAggregation', () => {
  it("equals FedAvg's step within quantization error (weighted by examples), with the round's metrics", async () => {
    const global = layout();
    const plain = await fedavg().aggregateTrain(1, global, stream(replies()));
    const sa = withSecureAggregation(fedavg(), { clip: 1, mode: 'secagg' });
    assert.equal(sa.name, 'fedavg+secagg');
    sa.configureTrain(1, global, nodes(5), new Rng(1));
    const agg = await sa.aggregateTrain(1, global, stream(replies()));
    close(agg.weights, plain.weights, 1e-6);
    // Not vacuous: the step moved the weights.
    assert.ok(Math.abs(agg.weights.data[2]! - 3) > 0.01);
    assert.equal(agg.metrics.secagg_survivors, 4);
    assert.equal(agg.metrics.secagg_dropped, 0);
    assert.equal(agg.metrics.secagg_threshold, 3);
    assert.equal(agg.metrics.examples, 100);
    assert.ok(Math.abs((agg.metrics.loss as number) - (2 * 10 + 30 + 20 + 0.5 * 40) / 100) < 1e-12);
    assert.ok((agg.metrics.secagg_bytes_up as number) > 0 && (agg.metrics.secagg_bytes_down as number) > 0);
    assert.ok((agg.metrics.secagg_ms as number) > 0);
    assert.equal(agg.clients.find((c) => c.clientId === 'c4')?.ok, false);
    assert.deepEqual([...global.data], [1, 2, 3]);
  });

  it('uniform weighting averages the updates equally', async () => {
    const global = layout();
    const sa = withSecureAggregation(fedavg(), { clip: 1, weighting: 'uniform' });
    const agg = await sa.aggregateTrain(1, global, stream(replies()));
    const mean = [0.45 / 4, 0.65 / 4, 0.525 / 4];
    agg.weights.data.forEach((v, i) => {
      assert.ok(Math.abs(v - (global.data[i]! + mean[i]!)) < 1e-6);
    });
  });

  it('a seeded dropout model: the dropped client is left out, the rest still average correctly', async () => {
    const global = layout();
    const sa = withSecureAggregation(fedavg(), { clip: 1, dropout: { fraction: 0.25 }, seed: 3 });
    const agg = await sa.aggregateTrain(1, global, stream(replies()));
    const dropped = agg.clients.filter((c) => c.error?.startsWith('E_SECAGG_DROPOUT'));
    assert.equal(dropped.length, 1);
    assert.equal(agg.metrics.secagg_dropped, 1);
    assert.equal(agg.metrics.secagg_survivors, 3);
    const rest = replies().filter((r) => r.clientId !== dropped[0]!.clientId);
    const plain = await fedavg().aggregateTrain(1, global, stream(rest));
    close(agg.weights, plain.weights, 1e-6);
    // After masking ('unmasking'), a dropped client's input still counts.
    const late = withSecureAggregation(fedavg(), { clip: 1, dropout: { fraction: 0.25, phase: 'unmasking' } });
    const all = await late.aggregateTrain(1, global, stream(replies()));
    assert.equal(all.metrics.secagg_survivors, 4);
    close(all.weights, (await fedavg().aggregateTrain(1, global, stream(replies()))).weights, 1e-6);
  });

  it('below the threshold the round is aborted, not the run: weights unchanged, the reason recorded', async () => {
    const global = layout();
    const sa = withSecureAggregation(fedavg(), { clip: 1, threshold: 4, dropout: { fraction: 0.5 } });
    const agg = await sa.aggregateTrain(1, global, stream(replies()));
    assert.deepEqual([...agg.weights.data], [1, 2, 3]);
    assert.equal(agg.metrics.secagg_aborted, 1);
    assert.ok(agg.clients.filter((c) => !c.ok).every((c) => c.error !== undefined));
    assert.match(
      agg.clients.find((c) => c.clientId === 'c0')!.error!,
      /E_SECAGG_THRESHOLD: 2 of 4 clients sent masked inputs, fewer than t = 4/,
    );
  });

  it('a count threshold above the number of valid replies aborts the round the same way', async () => {
    const sa = withSecureAggregation(fedavg(), { clip: 1, threshold: 6 });
    const agg = await sa.aggregateTrain(1, layout(), stream(replies()));
    assert.equal(agg.metrics.secagg_aborted, 1);
    assert.match(agg.clients[1]!.error!, /4 valid updates \(neighbourhoods of 4\), fewer than t = 6/);
  });

  it('with dp: the mean is (Σ Δ_k + noise)/n and the metric reports the noise std z·S', async () => {
    const global = layout();
    const sa = withSecureAggregation(fedavg(), { clip: 1, dp: { clipNorm: 1, noiseMultiplier: 0.001 } });
    const agg = await sa.aggregateTrain(1, global, stream(replies()));
    assert.equal(agg.metrics.secagg_noise_std, 0.001);
    const mean = [0.45 / 4, 0.65 / 4, 0.525 / 4];
    // Noise of std 0.001/4 on each coordinate of the mean (c1's norm 0.95 is under S = 1).
    agg.weights.data.forEach((v, i) => {
      assert.ok(Math.abs(v - (global.data[i]! + mean[i]!)) < 0.002);
    });
  });

  it('validates its options with clear errors', () => {
    const bad = (o: object, re: RegExp) => assert.throws(() => withSecureAggregation(fedavg(), { clip: 1, ...o }), re);
    bad({ clip: 0 }, /clip must be a positive number/);
    bad({ bits: 40 }, /bits must be an integer in \[2, 32\]/);
    bad({ mode: 'secagg', degree: 6 }, /degree applies to mode 'secagg\+' only/);
    bad({ threshold: 1 }, /threshold must be in \(0, 1\) or an integer ≥ 2/);
    bad({ dp: { clipNorm: 1, noiseMultiplier: 1 }, weighting: 'examples' }, /dp needs weighting 'uniform'/);
    bad({ dropout: { fraction: 1 } }, /dropout.fraction must be in \[0, 1\)/);
    bad({ dropout: { fraction: 0.1, phase: 'later' } }, /dropout.phase must be one of/);
  });

  it('trains a federated task in runFederated like FedAvg, with 20% of clients dropping each round', async () => {
    const rng = new Rng(4);
    const all = blobs(12 * 40 + 300, 5, 3, rng, 4);
    const pairs = (): [ClientInfo, Client][] =>
      Array.from({ length: 12 }, (_, k) => {
        const idx = Array.from({ length: 40 }, (_, i) => k * 40 + i);
        return [{ id: `c${k}` }, new SoftmaxClient(subset(all, idx), `c${k}`)];
      });
    const test = subset(
      all,
      Array.from({ length: 300 }, (_, i) => 12 * 40 + i),
    );
    const run = (secure: boolean) =>
      runFederated({
        grid: new LocalGrid(pairs()),
        strategy: secure
          ? withSecureAggregation(fedavg(), { clip: 20, dropout: { fraction: 0.2, phase: 'unmasking' } })
          : fedavg(),
        initial: SoftmaxClient.initialWeights(5, 3),
        rounds: 5,
        seed: 2,
        evaluate: async (w) => evaluateSoftmax(w, test),
      });
    const [sa, plain] = [await run(true), await run(false)];
    // Dropping after masking loses no input: the same model as FedAvg, up to quantization.
    close(sa.weights, plain.weights, 1e-5);
    assert.ok((sa.history.last?.accuracy as number) > 0.7);
    assert.equal(sa.history.rounds[0]!.metrics.train_secagg_survivors, 12);
  });
});
