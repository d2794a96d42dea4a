import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { ringScale, type SecAggPhase } from './params.js';
import { runSecAggRound, type SecAggRoundOptions } from './round.js';

const vectors = (n: number, m: number, seed: number, spread = 1) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: m }, () => (rng.float() * 2 - 1) * spread));
};

/** Σ_{u ∈ ids} w_u·x_u in float64. */
function plainSum(xs: readonly Float32Array[], ids: readonly string[], keep: ReadonlySet<string>, w?: number[]) {
  const out = new Float64Array(xs[0]!.length);
  xs.forEach((x, k) => {
    if (!keep.has(ids[k]!)) return;
    for (let i = 0; i < x.length; i++) out[i] += (w?.[k] ?? 1) * x[i]!;
  });
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
const pick = (n: number, k: number, seed: number) => new Rng(seed).sample(n, k).map((i) => `c${i}`);

async function rejectsThreshold(opts: SecAggRoundOptions, pattern: RegExp): Promise<void> {
  await assert.rejects(runSecAggRound(opts), (e: unknown) => {
    assert.ok(e instanceof FederaError, String(e));
    assert.equal(e.code, 'E_SECAGG_THRESHOLD');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('runSecAggRound (SecAgg, complete graph)', () => {
  const n = 16;
  const m = 2000;
  const xs = vectors(n, m, 1);
  // Quantization: each client's coordinate is off by less than one step 1/scale.
  const tol = n / ringScale(32, n, 1);

  for (const fraction of [0, 0.1, 0.3]) {
    it(`equals the plaintext sum with ${fraction * 100}% of clients dropping after sending y_u`, async () => {
      const dropped = pick(n, Math.round(fraction * n), 7);
      const r = await runSecAggRound({
        vectors: xs,
        threshold: 0.5,
        clip: 1,
        rng: new Rng(3),
        dropouts: [{ phase: 'unmasking', clientIds: dropped }],
      });
      // Their inputs are in the sum: their self-masks b_u were reconstructed from the others' shares.
      assert.equal(r.survivors.length, n);
      assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), new Set(ids(n)))) <= tol);
      assert.equal(r.weightSum, n);
      assert.equal(r.threshold, 8);
    });

    it(`equals the survivors' sum with ${fraction * 100}% dropping before sending y_u`, async () => {
      const dropped = pick(n, Math.round(fraction * n), 8);
      const r = await runSecAggRound({
        vectors: xs,
        threshold: 0.5,
        clip: 1,
        rng: new Rng(4),
        dropouts: [{ phase: 'maskedInputCollection', clientIds: dropped }],
      });
      const keep = new Set(ids(n).filter((id) => !dropped.includes(id)));
      assert.deepEqual(new Set(r.survivors), keep);
      assert.deepEqual(new Set(r.dropped), new Set(dropped));
      assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), keep)) <= tol, `${maxDiff(r.sum, plainSum(xs, ids(n), keep))}`);
      assert.ok(
        maxDiff(
          r.mean,
          Float64Array.from(plainSum(xs, ids(n), keep), (v) => v / keep.size),
        ) < 1e-6,
      );
    });
  }

  for (const phase of ['advertiseKeys', 'shareKeys'] as SecAggPhase[]) {
    it(`survives 25% dropping in ${phase} (their inputs are left out)`, async () => {
      const dropped = pick(n, 4, 9);
      const r = await runSecAggRound({
        vectors: xs,
        threshold: 0.5,
        clip: 1,
        rng: new Rng(5),
        dropouts: [{ phase, clientIds: dropped }],
      });
      const keep = new Set(ids(n).filter((id) => !dropped.includes(id)));
      assert.deepEqual(new Set(r.survivors), keep);
      assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), keep)) <= tol);
    });
  }

  it('survives dropouts in every phase at once', async () => {
    const [a, b, c, d] = [
      pick(n, 8, 10).slice(0, 2),
      pick(n, 8, 10).slice(2, 4),
      pick(n, 8, 10).slice(4, 6),
      pick(n, 8, 10).slice(6),
    ];
    const r = await runSecAggRound({
      vectors: xs,
      threshold: 0.5,
      clip: 1,
      rng: new Rng(6),
      dropouts: [
        { phase: 'advertiseKeys', clientIds: a! },
        { phase: 'shareKeys', clientIds: b! },
        { phase: 'maskedInputCollection', clientIds: c! },
        { phase: 'unmasking', clientIds: d! },
      ],
    });
    const keep = new Set(ids(n).filter((id) => ![...a!, ...b!, ...c!].includes(id)));
    assert.deepEqual(new Set(r.survivors), keep);
    assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), keep)) <= tol);
  });

  it('weighted: Σ n_u x_u and Σ n_u, hence the FedAvg mean', async () => {
    const w = Array.from({ length: n }, (_, i) => 10 + ((i * 37) % 91));
    const dropped = pick(n, 3, 11);
    const r = await runSecAggRound({
      vectors: xs,
      weights: w,
      threshold: 0.5,
      clip: 1,
      rng: new Rng(7),
      dropouts: [{ phase: 'maskedInputCollection', clientIds: dropped }],
    });
    const keep = new Set(ids(n).filter((id) => !dropped.includes(id)));
    const want = plainSum(xs, ids(n), keep, w);
    const wantW = w.filter((_, k) => keep.has(`c${k}`)).reduce((a, b) => a + b, 0);
    const cap = Math.max(...w);
    assert.ok(Math.abs(r.weightSum - wantW) <= (n * cap) / ringScale(32, n, 1));
    assert.ok(maxDiff(r.sum, want) <= (n * cap) / ringScale(32, n, 1) + 1e-9);
    assert.ok(
      maxDiff(
        r.mean,
        Float64Array.from(want, (v) => v / wantW),
      ) < 1e-6,
    );
  });

  it('clips coordinates to [−c, c] and stays within quantization error on a 12-bit ring', async () => {
    const big = vectors(6, 500, 12, 3); // values in [−3, 3], clipped to [−1, 1]
    const r = await runSecAggRound({ vectors: big, threshold: 3, clip: 1, bits: 12, rng: new Rng(8) });
    const clipped = big.map((x) => x.map((v) => Math.max(-1, Math.min(1, v))));
    const step = 1 / ringScale(12, 6, 1);
    assert.ok(step > 1e-3, 'a coarse ring, so the check below is not vacuous');
    const d = maxDiff(r.sum, plainSum(clipped, ids(6), new Set(ids(6))));
    assert.ok(d <= 6 * step, `${d} vs ${6 * step}`);
  });

  it('inputs at ±c from every client (and their weights) fill the ring without wrapping', async () => {
    const edge = [
      ...Array.from({ length: 6 }, () => new Float32Array(50).fill(1)),
      ...Array.from({ length: 6 }, () => new Float32Array(50).fill(5)),
    ];
    edge.forEach((x, k) => {
      if (k % 2) x.fill(-x[0]!);
    });
    for (const seed of [1, 2, 3, 4]) {
      const r = await runSecAggRound({
        vectors: edge,
        weights: new Array(12).fill(40),
        threshold: 7,
        clip: 1,
        rng: new Rng(seed),
      });
      assert.ok(Math.abs(r.weightSum - 480) < 1e-3, `Σw = ${r.weightSum}`);
      const up = await runSecAggRound({
        vectors: edge.map((x) => x.map(Math.abs)),
        threshold: 7,
        clip: 1,
        rng: new Rng(seed),
      });
      assert.ok(
        up.sum.every((v) => Math.abs(v - 12) < 1e-6),
        `${up.sum[0]}`,
      );
    }
  });

  it('refuses with E_SECAGG_THRESHOLD below t, in each phase, naming who remained and t', async () => {
    const base = { vectors: xs.slice(0, 10), threshold: 6, clip: 1, rng: new Rng(9) };
    const five = pick(10, 5, 12);
    await rejectsThreshold(
      { ...base, dropouts: [{ phase: 'advertiseKeys', clientIds: five }] },
      /5 of 10 clients remain after AdvertiseKeys, fewer than t = 6/,
    );
    await rejectsThreshold(
      { ...base, dropouts: [{ phase: 'shareKeys', clientIds: five }] },
      /5 of 10 clients remain after ShareKeys, fewer than t = 6/,
    );
    await rejectsThreshold(
      { ...base, dropouts: [{ phase: 'maskedInputCollection', clientIds: five }] },
      /5 of 10 clients sent masked inputs, fewer than t = 6/,
    );
    // All ten inputs arrived, but only five survivors answer: no b_u can be reconstructed.
    await rejectsThreshold(
      { ...base, dropouts: [{ phase: 'unmasking', clientIds: five }] },
      /only 5 of 6 shares of the self-mask seed b_u of client 'c\d' arrived in Unmasking/,
    );
  });
});

describe('runSecAggRound (SecAgg+, Harary graph)', () => {
  const n = 30;
  const xs = vectors(n, 1000, 13);
  const tol = n / ringScale(32, n, 1);

  it('default degree 4·log2 n, t = 9 of 21: equals the sum with 30% dropping before and 10% after y_u', async () => {
    const out = pick(n, 12, 14);
    const before = out.slice(0, 9);
    const r = await runSecAggRound({
      vectors: xs,
      threshold: 0.4,
      neighbours: 'harary',
      clip: 1,
      rng: new Rng(15),
      dropouts: [
        { phase: 'maskedInputCollection', clientIds: before },
        { phase: 'unmasking', clientIds: out.slice(9) },
      ],
    });
    assert.equal(r.neighbourhood, 21);
    assert.equal(r.threshold, 9);
    const keep = new Set(ids(n).filter((id) => !before.includes(id)));
    assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), keep)) <= tol);
  });

  it('a sparse graph (degree 6, t = 4 of 7) survives 10% dropping, and a dropped neighbourhood refuses', async () => {
    const dropped = pick(n, 3, 16);
    const r = await runSecAggRound({
      vectors: xs,
      threshold: 4,
      neighbours: 6,
      clip: 1,
      rng: new Rng(17),
      dropouts: [{ phase: 'maskedInputCollection', clientIds: dropped }],
    });
    assert.equal(r.neighbourhood, 7);
    const keep = new Set(ids(n).filter((id) => !dropped.includes(id)));
    assert.ok(maxDiff(r.sum, plainSum(xs, ids(n), keep)) <= tol);
    // Half the clients gone: some 7-client neighbourhood keeps fewer than 4.
    await rejectsThreshold(
      {
        vectors: xs,
        threshold: 4,
        neighbours: 6,
        clip: 1,
        rng: new Rng(17),
        dropouts: [{ phase: 'maskedInputCollection', clientIds: pick(n, 15, 18) }],
      },
      /client 'c\d+' has [0-3] of its 7-client neighbourhood left after MaskedInputCollection, fewer than t = 4/,
    );
  });

  it('bytes per client grow with the degree, not with n', async () => {
    const small = await runSecAggRound({
      vectors: xs.slice(0, 20),
      threshold: 3,
      neighbours: 4,
      clip: 1,
      rng: new Rng(1),
    });
    const large = await runSecAggRound({ vectors: xs, threshold: 3, neighbours: 4, clip: 1, rng: new Rng(1) });
    const perClient = (r: typeof small, k: number) => (r.bytesUp + r.bytesDown) / k;
    assert.ok(Math.abs(perClient(large, 30) / perClient(small, 20) - 1) < 0.05);
  });
});

describe('runSecAggRound with distributed discrete Gaussian noise', () => {
  it('the sum of n clients carries noise of std z·S (less when clients drop)', async () => {
    const n = 10;
    const m = 4000;
    const zeros = Array.from({ length: n }, () => new Float32Array(m));
    for (const [drop, want] of [
      [0, 1.5],
      [4, 1.5 * Math.sqrt(6 / 10)],
    ] as const) {
      const r = await runSecAggRound({
        vectors: zeros,
        threshold: 0.5,
        clip: 1,
        dp: { clipNorm: 1, noiseMultiplier: 1.5 },
        rng: new Rng(20 + drop),
        dropouts: [{ phase: 'maskedInputCollection', clientIds: pick(n, drop, 21) }],
      });
      let s = 0;
      let s2 = 0;
      for (const v of r.sum) {
        s += v;
        s2 += v * v;
      }
      const mean = s / m;
      const std = Math.sqrt(s2 / m - mean * mean);
      assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
      assert.ok(Math.abs(std / want - 1) < 0.05, `std ${std} vs ${want}`);
    }
  });
});
