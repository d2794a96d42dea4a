import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../rng.js';
import { completeGraph, hararyGraph, neighbourhoodSize, secAggPlusDegree } from './graph.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

/** Is the graph restricted to `alive` connected? */
function connected(g: ReadonlyMap<string, readonly string[]>, alive: ReadonlySet<string>): boolean {
  const start = [...alive][0]!;
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    for (const v of g.get(stack.pop()!) ?? []) {
      if (alive.has(v) && !seen.has(v)) {
        seen.add(v);
        stack.push(v);
      }
    }
  }
  return seen.size === alive.size;
}

describe('SecAgg+ neighbour graph (Harary graph over a random permutation)', () => {
  it('the default degree grows as O(log n): k ≤ 4·log2 n + 2, far below n', () => {
    let prev = 0;
    for (const n of [10, 30, 100, 500, 1000, 10_000, 100_000]) {
      const k = secAggPlusDegree(n);
      assert.ok(k <= 4 * Math.log2(n) + 2, `n = ${n}: k = ${k}`);
      assert.ok(k >= prev, 'non-decreasing');
      prev = k;
    }
    assert.equal(secAggPlusDegree(10), 9); // small n: complete (plain SecAgg)
    assert.equal(secAggPlusDegree(1000), 40);
    assert.ok(secAggPlusDegree(100_000) / 100_000 < 0.001);
    // Doubling n adds a constant (4) to the degree: logarithmic, not linear.
    assert.equal(secAggPlusDegree(2000) - secAggPlusDegree(1000), 4);
  });

  it('is k-regular, symmetric, irreflexive, and stays connected when k − 1 clients drop', () => {
    const n = 200;
    const k = secAggPlusDegree(n);
    const g = hararyGraph(ids(n), k, new Rng(3));
    assert.equal(neighbourhoodSize(n, 'harary'), k + 1);
    for (const [u, nb] of g) {
      assert.equal(nb.length, k);
      assert.equal(new Set(nb).size, k);
      assert.ok(!nb.includes(u));
      for (const v of nb) assert.ok(g.get(v)!.includes(u), `${u}–${v} not symmetric`);
    }
    const rng = new Rng(4);
    for (let trial = 0; trial < 20; trial++) {
      const drop = new Set(rng.sample(n, k - 1).map((i) => `c${i}`));
      assert.ok(connected(g, new Set(ids(n).filter((id) => !drop.has(id)))));
    }
  });

  it('the permutation depends on the seed; large degrees give the complete graph', () => {
    const a = hararyGraph(ids(50), 6, new Rng(1));
    const b = hararyGraph(ids(50), 6, new Rng(2));
    assert.notDeepEqual(a.get('c0'), b.get('c0'));
    assert.deepEqual(hararyGraph(ids(8), 7, new Rng(1)), completeGraph(ids(8)));
    assert.equal(hararyGraph(ids(50), 5, new Rng(1)).get('c3')!.length, 6); // odd k rounds up
    assert.throws(() => hararyGraph(ids(5), 0, new Rng(1)), /positive integer/);
  });
});
