import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalGrid } from '../local-grid.js';
import type { Client, ClientInfo, TrainIns } from '../messages.js';
import { vec } from '../strategy/fixtures.js';
import { DelayedGrid } from './delayed-grid.js';

const instant: Client = {
  train: async (i: TrainIns) => ({ clientId: i.clientId, update: vec(), numExamples: 1, metrics: {} }),
  evaluate: async () => ({ clientId: 'x', loss: 0, numExamples: 1, metrics: {} }),
};
const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
const inner = () => new LocalGrid(ids.map((id) => [{ id }, instant] as [ClientInfo, Client]));

describe('DelayedGrid', () => {
  it('gives each client a fixed seeded log-normal delay', () => {
    const a = new DelayedGrid(inner(), { medianMs: 10, sigma: 1, seed: 1 });
    const b = new DelayedGrid(inner(), { medianMs: 10, sigma: 1, seed: 1 });
    const c = new DelayedGrid(inner(), { medianMs: 10, sigma: 1, seed: 2 });
    const d = ids.map((id) => a.delayOf(id));
    assert.deepEqual(
      ids.map((id) => b.delayOf(id)),
      d,
    );
    assert.notDeepEqual(
      ids.map((id) => c.delayOf(id)),
      d,
    );
    assert.ok(Math.max(...d) / Math.min(...d) > 2, 'σ = 1 spreads the speeds');
    assert.deepEqual(
      ids.map((id) => new DelayedGrid(inner(), { medianMs: 7, sigma: 0, seed: 1 }).delayOf(id)),
      ids.map(() => 7),
    );
    assert.throws(() => new DelayedGrid(inner(), { medianMs: -1, sigma: 0, seed: 1 }), /medianMs/);
  });

  it('delays the replies of one call concurrently (the slowest sets the pace), in instruction order', async () => {
    const g = new DelayedGrid(inner(), { medianMs: 20, sigma: 0.5, seed: 3 });
    const ins = ids.map((id) => ({ clientId: id, round: 0, weights: vec(), config: {} }));
    const t0 = performance.now();
    const got: string[] = [];
    for await (const o of g.train(ins)) got.push(o.clientId);
    const ms = performance.now() - t0;
    const delays = ids.map((id) => g.delayOf(id));
    assert.deepEqual(got, ids);
    assert.ok(ms >= Math.max(...delays) - 2, `took ${ms} ms, the slowest delay is ${Math.max(...delays)}`);
    assert.ok(
      ms < delays.reduce((s, x) => s + x, 0) * 0.7,
      `took ${ms} ms; the delays sum to ${delays.reduce((s, x) => s + x, 0)}`,
    );
  });
});
