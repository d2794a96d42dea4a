import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainRes } from '../messages.js';
import { vec } from '../strategy/fixtures.js';
import { FedAsync } from './fedasync.js';

const local = { epochs: 1, batchSize: 10, lr: 0.1 };
const res = (delta: number[]): TrainRes => ({ clientId: 'k', update: vec(delta), numExamples: 5, metrics: {} });

describe('FedAsync', () => {
  it('mixes the client model in: w ← (1 − α)w + α(base + Δ) (hand-computed)', () => {
    const s = new FedAsync({ ...local, alpha: 0.5 });
    const global = vec([1, 2, 3]);
    const base = vec([0, 0, 4]);
    // w_k = base + Δ = [2, 4, 2]; 0.5·[1,2,3] + 0.5·[2,4,2] = [1.5, 3, 2.5]
    const step = s.apply(global, base, res([2, 4, -2]), 0);
    assert.deepEqual([...(step.weights?.data ?? [])], [1.5, 3, 2.5]);
    assert.equal(step.weight, 0.5);
    assert.equal(s.updatesPerVersion, 1, 'every update makes a version');
    assert.deepEqual([...global.data], [1, 2, 3], 'global is not modified in place');
    assert.deepEqual([...base.data], [0, 0, 4], 'base is not modified in place');
  });

  it('scales α by s(τ): polynomial a=1 at τ=3 gives α_t = α/4; hinge keeps α up to b', () => {
    const poly = new FedAsync({ ...local, alpha: 0.8, staleness: { kind: 'polynomial', a: 1 } });
    assert.equal(poly.mixingWeight(3), 0.2);
    // (1 − 0.2)·[1,2,3] + 0.2·([0,0,0] + [5,5,5]) = [1.8, 2.6, 3.4]
    const step = poly.apply(vec([1, 2, 3]), vec([0, 0, 0]), res([5, 5, 5]), 3);
    assert.deepEqual(
      [...(step.weights?.data ?? [])].map((x) => Math.round(x * 1e6) / 1e6),
      [1.8, 2.6, 3.4],
    );
    const hinge = new FedAsync({ ...local, alpha: 0.6, staleness: { kind: 'hinge', a: 1, b: 2 } });
    assert.equal(hinge.mixingWeight(2), 0.6);
    assert.equal(hinge.mixingWeight(4), 0.6 / 3);
  });

  it('a fresh update with α = 1 replaces the model by the client model', () => {
    const s = new FedAsync({ ...local, alpha: 1 });
    const step = s.apply(vec([9, 9, 9]), vec([1, 2, 3]), res([1, 1, 1]), 0);
    assert.deepEqual([...(step.weights?.data ?? [])], [2, 3, 4]);
  });

  it('validates its options with clear errors and sends the local config', () => {
    assert.throws(() => new FedAsync({ ...local, alpha: 0 }), /FedAsync: alpha must be in \(0, 1\], got 0/);
    assert.throws(() => new FedAsync({ ...local, alpha: 1.5 }), /alpha/);
    assert.throws(() => new FedAsync({ ...local, alpha: 0.5, lr: -1 }), /lr must be a positive number/);
    assert.throws(
      () => new FedAsync({ ...local, alpha: 0.5, staleness: { kind: 'polynomial', a: Number.NaN } }),
      /FedAsync: staleness a/,
    );
    const s = new FedAsync({ ...local, alpha: 0.5, batchSize: Infinity, extraConfig: { proximalMu: 0.01 } });
    assert.deepEqual(s.clientConfig(7), { proximalMu: 0.01, mode: 'train', epochs: 1, batchSize: 0, lr: 0.1, seed: 7 });
  });

  it('state() counts applied updates and restore() takes it back, rejecting garbage', () => {
    const s = new FedAsync({ ...local, alpha: 0.5 });
    s.apply(vec(), vec(), res([0, 0, 0]), 0);
    s.apply(vec(), vec(), res([0, 0, 0]), 1);
    assert.deepEqual(s.state(), { counters: { applied: 2 }, tensors: [] });
    const t = new FedAsync({ ...local, alpha: 0.5 });
    t.restore(s.state());
    assert.deepEqual(t.state(), s.state());
    assert.throws(() => t.restore({ counters: { applied: -1 }, tensors: [] }), /E_STATE|FedAsync.restore/);
  });
});
