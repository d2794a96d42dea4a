import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalGrid, SoftmaxClient, type TrainIns, Weights } from '@federa/core';
import { deviceSpeed, withComputeBudget } from './compute-budget.js';
import { drain, recordingGrid } from './testing/recording-grid.js';

const w = new Weights([{ name: 'a', shape: [1] }]);
const ins = (n: number, round: number, extra: Record<string, number | string> = {}): TrainIns[] =>
  Array.from({ length: n }, (_, i) => ({
    clientId: `c${i}`,
    round,
    weights: w,
    config: { epochs: 5, batchSize: 10, lr: 0.1, ...extra },
  }));

describe('withComputeBudget', () => {
  it("caps each client's local steps at its device budget: fixed speed per device, ±jitter per round", async () => {
    const { grid, seen } = recordingGrid(20);
    const opts = { medianSteps: 40, spread: 1, seed: 7 };
    const g = withComputeBudget(grid, opts);
    await drain(g.train(ins(20, 1)));
    await drain(g.train(ins(20, 2)));
    const r1 = seen.slice(0, 20).map((i) => Number(i.config.maxSteps));
    const r2 = seen.slice(20).map((i) => Number(i.config.maxSteps));
    for (let k = 0; k < 20; k++) {
      const expected = 40 * deviceSpeed(`c${k}`, opts);
      for (const steps of [r1[k] as number, r2[k] as number]) {
        assert.ok(steps >= Math.max(1, Math.floor(expected * 0.75)) && steps <= Math.ceil(expected * 1.25) + 1);
      }
    }
    assert.ok(Math.max(...r1) / Math.min(...r1) > 5, 'σ = 1 spreads devices widely');
    assert.notDeepEqual(r1, r2, 'budgets vary from round to round');
    seen.length = 0;
    await drain(withComputeBudget(grid, opts).train(ins(20, 1)));
    assert.deepEqual(
      seen.map((i) => Number(i.config.maxSteps)),
      r1,
      'the same seed gives the same budgets',
    );
  });

  it('keeps a lower maxSteps already asked, and leaves gradient requests alone', async () => {
    const { grid, seen } = recordingGrid(3);
    const g = withComputeBudget(grid, { medianSteps: 1000, spread: 0, seed: 1 });
    await drain(g.train(ins(3, 1, { maxSteps: 2 })));
    assert.deepEqual(
      seen.map((i) => i.config.maxSteps),
      [2, 2, 2],
    );
    seen.length = 0;
    await drain(g.train(ins(3, 1, { mode: 'gradient' })));
    assert.ok(seen.every((i) => i.config.maxSteps === undefined));
  });

  it('a real client does only the steps its budget allows and reports them', async () => {
    const data = {
      x: Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)),
      y: Int32Array.from({ length: 100 }, (_, i) => i % 2),
      sampleShape: [2],
      numClasses: 2,
    };
    const client = new SoftmaxClient(data);
    const grid = new LocalGrid([[{ id: 'c0', numExamples: 100 }, client] as const]);
    const g = withComputeBudget(grid, { medianSteps: 3, spread: 0, jitter: 0, seed: 1 });
    const weights = SoftmaxClient.initialWeights(2, 2);
    for await (const o of g.train([
      { clientId: 'c0', round: 1, weights, config: { epochs: 2, batchSize: 10, lr: 0.1 } },
    ])) {
      assert.ok(o.ok);
      assert.equal(o.value.metrics.steps, 3, 'asked for 2 epochs × 10 batches, the device had time for 3');
    }
  });

  it('rejects bad options', () => {
    const { grid } = recordingGrid(1);
    assert.throws(
      () => withComputeBudget(grid, { medianSteps: 0, spread: 1, seed: 1 }),
      /medianSteps must be an integer ≥ 1/,
    );
    assert.throws(
      () => withComputeBudget(grid, { medianSteps: 5, spread: -1, seed: 1 }),
      /spread must be a number ≥ 0/,
    );
  });
});
