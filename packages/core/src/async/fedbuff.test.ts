import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainRes } from '../messages.js';
import { vec } from '../strategy/fixtures.js';
import { FedBuff } from './fedbuff.js';

const local = { epochs: 1, batchSize: 10, lr: 0.1 };
const res = (delta: number[]): TrainRes => ({ clientId: 'k', update: vec(delta), numExamples: 5, metrics: {} });

describe('FedBuff', () => {
  it('buffers K updates weighted 1/√(1+τ), then steps w + η_g·Σ/K (hand-computed)', () => {
    const s = new FedBuff({ ...local, bufferSize: 2, serverLr: 2 });
    const global = vec([1, 2, 3]);
    const a = s.apply(global, vec([0, 0, 0]), res([4, 0, 2]), 0); // s = 1
    assert.equal(a.weights, undefined, 'no new version before K updates');
    assert.equal(a.weight, 1);
    assert.equal(s.buffered, 1);
    assert.equal(s.updatesPerVersion, 2, 'K updates make a version');
    const b = s.apply(global, vec([0, 0, 0]), res([2, 2, -2]), 3); // s = 1/√4 = 0.5
    assert.equal(b.weight, 0.5);
    // Σ = [4,0,2] + 0.5·[2,2,-2] = [5, 1, 1]; w = [1,2,3] + 2·Σ/2 = [6, 3, 4]
    assert.deepEqual([...(b.weights?.data ?? [])], [6, 3, 4]);
    assert.equal(s.buffered, 0);
    assert.deepEqual([...global.data], [1, 2, 3], 'global is not modified in place');
    // The buffer restarts empty.
    s.apply(global, global, res([1, 1, 1]), 0);
    const c = s.apply(global, global, res([1, 1, 1]), 0);
    assert.deepEqual([...(c.weights?.data ?? [])], [3, 4, 5]);
  });

  it('uses the staleness function it is given, and K = 1 steps every update', () => {
    const s = new FedBuff({ ...local, bufferSize: 1, staleness: { kind: 'constant' } });
    const step = s.apply(vec([0, 0, 0]), vec([0, 0, 0]), res([1, 2, 3]), 99);
    assert.equal(step.weight, 1);
    assert.deepEqual([...(step.weights?.data ?? [])], [1, 2, 3]);
  });

  it('state()/restore() resumes a half-full buffer exactly', () => {
    const s = new FedBuff({ ...local, bufferSize: 3 });
    const g = vec([0, 0, 0]);
    s.apply(g, g, res([1, 2, 3]), 0);
    s.apply(g, g, res([2, 2, 2]), 1);
    const saved = s.state();
    assert.equal(saved.counters.buffered, 2);
    assert.equal(saved.tensors.length, 1);
    const t = new FedBuff({ ...local, bufferSize: 3 });
    t.restore(saved);
    const a = s.apply(g, g, res([3, 0, 1]), 0).weights;
    const b = t.apply(g, g, res([3, 0, 1]), 0).weights;
    assert.ok(a && b);
    assert.deepEqual([...b.data], [...a.data]);
    assert.deepEqual(new FedBuff({ ...local, bufferSize: 3 }).state(), { counters: { buffered: 0 }, tensors: [] });
    assert.throws(() => new FedBuff({ ...local, bufferSize: 2 }).restore(saved), /FedBuff.restore: expected/);
    assert.throws(() => t.restore({ counters: { buffered: 1 }, tensors: [] }), /E_STATE|FedBuff.restore/);
  });

  it('validates its options with clear errors', () => {
    assert.throws(
      () => new FedBuff({ ...local, bufferSize: 0 }),
      /FedBuff: bufferSize must be a positive integer, got 0/,
    );
    assert.throws(() => new FedBuff({ ...local, bufferSize: 2.5 }), /bufferSize/);
    assert.throws(() => new FedBuff({ ...local, bufferSize: 2, serverLr: 0 }), /FedBuff: serverLr must be a positive/);
    assert.throws(() => new FedBuff({ ...local, bufferSize: 2, epochs: 0 }), /epochs must be a positive integer/);
    assert.throws(
      () => new FedBuff({ ...local, bufferSize: 2, staleness: { kind: 'hinge', a: 1, b: -1 } }),
      /FedBuff: staleness b/,
    );
  });
});
