import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TrainIns, Weights } from '@federa/core';
import { withStragglers } from './stragglers.js';
import { drain, recordingGrid } from './testing/recording-grid.js';

const w = new Weights([{ name: 'a', shape: [1] }]);
const ins = (n: number, epochs: number, round = 1): TrainIns[] =>
  Array.from({ length: n }, (_, i) => ({ clientId: `c${i}`, round, weights: w, config: { epochs, lr: 0.1 } }));

describe('withStragglers', () => {
  it('gives a fraction of the sampled clients 1..E-1 epochs, reproducibly per round', async () => {
    const { grid, seen } = recordingGrid(10);
    const g = withStragglers(grid, { fraction: 0.5, seed: 4 });
    await drain(g.train(ins(10, 20)));
    const slow = seen.filter((i) => i.config.straggler === true);
    assert.equal(slow.length, 5);
    assert.ok(slow.every((i) => Number(i.config.epochs) >= 1 && Number(i.config.epochs) <= 19));
    assert.equal(seen.filter((i) => i.config.epochs === 20).length, 5);
    const first = seen.map((i) => i.config.epochs);
    seen.length = 0;
    await drain(g.train(ins(10, 20)));
    assert.deepEqual(
      seen.map((i) => i.config.epochs),
      first,
    );
    seen.length = 0;
    await drain(g.train(ins(10, 20, 2)));
    assert.notDeepEqual(
      seen.map((i) => i.config.epochs),
      first,
    );
  });

  it('leaves one-epoch clients, zero fractions and gradient requests alone, and rejects bad fractions', async () => {
    const { grid, seen } = recordingGrid(4);
    await drain(withStragglers(grid, { fraction: 0.9, seed: 1 }).train(ins(4, 1)));
    await drain(withStragglers(grid, { fraction: 0, seed: 1 }).train(ins(4, 5)));
    assert.ok(seen.every((i) => i.config.straggler === undefined));
    assert.throws(() => withStragglers(grid, { fraction: 1.5, seed: 1 }), /straggler fraction must be in \[0, 1\]/);
  });
});
