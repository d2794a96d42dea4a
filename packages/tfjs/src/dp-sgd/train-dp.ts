import { FederaError, type LabeledData } from '@federa/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { makeBatch } from '../adapter/batches.js';
import { closedFormTerms, disposeTerms, type SgdTerms, type TrainOptions, type TrainResult } from '../adapter/train.js';
import { clippedSumDense, densePlan } from './dense-fast.js';
import { checkDpSgdOptions, type DpSgdOptions, dpSgdSource } from './options.js';
import { type ClippedSum, clippedSumGeneric } from './per-example.js';

/** What a DP-SGD call reports besides the usual TrainResult (`TrainResult.dpSgd`). */
export interface DpSgdReport {
  /** Which per-example gradient path ran. */
  readonly path: 'dense' | 'generic';
  /** q: the Poisson sampling rate B/N (1 for the full batch). */
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  /** Noisy steps taken (each one a sampled Gaussian mechanism for the accountant). */
  readonly steps: number;
  /** Examples drawn over all lots (its mean per step is ≈ B). */
  readonly examples: number;
  /** Fraction of the drawn examples whose gradient norm exceeded C (not private: a diagnostic). */
  readonly clippedFraction: number;
}

/**
 * DP-SGD (Abadi et al. 2016, Algorithm 1) on `vars`, the drop-in for `trainSgd` when the
 * train options carry `dpSgd`. Each epoch takes ⌈N/B⌉ steps (one for the full batch); each
 * step draws its lot by Poisson sampling (every example independently with probability
 * q = B/N, so lot sizes vary and may be 0), clips every example's gradient (over all of `vars`
 * jointly) to L2 norm C, sums, adds N(0, σ²C²) per coordinate — also to an empty lot — and
 * divides by the expected lot size B: w ← w − η·(Σ clip(gᵢ) + N(0, σ²C²I))/B. The proximal
 * term and the gradient correction of `terms` are applied in closed form as in `trainSgd`
 * (they depend on no example of this call). The lots and the noise come from
 * `dpSgdSource` (secure unless seeded). Layers that mix examples (BatchNormalization) are
 * refused. Loss figures are per-example means over the drawn examples and are not private.
 */
export async function trainDpSgd(
  model: LayersModel,
  vars: tf.Variable[],
  data: LabeledData,
  opts: TrainOptions & { readonly dpSgd: DpSgdOptions },
  terms: SgdTerms = {},
): Promise<TrainResult & { readonly dpSgd: DpSgdReport }> {
  const dp = opts.dpSgd;
  checkDpSgdOptions(dp);
  const mixing = model.layers.find((l) => l.getClassName() === 'BatchNormalization');
  if (mixing) {
    throw new FederaError(
      'E_MODEL',
      `train: DP-SGD needs per-example gradients, and layer '${mixing.name}' (BatchNormalization) mixes the examples of a batch`,
      'use a model without batch normalization (e.g. layer normalization) for DP-SGD',
    );
  }
  const n = data.y.length;
  const full = opts.batchSize === 0 || opts.batchSize >= n;
  const lot = full ? n : opts.batchSize;
  const q = n > 0 ? lot / n : 0;
  const stepsPerEpoch = full ? 1 : Math.ceil(n / lot);
  const maxSteps = opts.maxSteps ?? Number.POSITIVE_INFINITY;
  const source = dpSgdSource(dp, opts.seed);
  const mode = dp.perExample ?? 'auto';
  const plan = mode === 'generic' ? null : densePlan(model, vars);
  if (mode === 'dense' && !plan) {
    throw new FederaError(
      'E_MODEL',
      `train: dpSgd.perExample 'dense' needs a Sequential model of Dense/Flatten/Activation layers; '${model.name}' is not`,
      "use perExample 'auto' or 'generic'",
    );
  }
  const clippedSum = (batch: ReturnType<typeof makeBatch>): ClippedSum =>
    plan ? clippedSumDense(plan, vars, batch, dp.clipNorm) : clippedSumGeneric(model, vars, batch, dp.clipNorm);
  const noiseStd = dp.noiseMultiplier === 0 ? 0 : dp.noiseMultiplier * dp.clipNorm;

  const scale = tf.scalar(-opts.lr / Math.max(lot, 1));
  const step = closedFormTerms(vars, opts, terms);
  const { decay, constant } = step;
  const epochLosses: number[] = [];
  let steps = 0;
  let drawn = 0;
  let clippedTotal = 0;
  let lossTotal = 0;
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  try {
    for (let epoch = 0; epoch < opts.epochs && steps < maxSteps && n > 0; epoch++) {
      let epochLoss = 0;
      let epochDrawn = 0;
      for (let s = 0; s < stepsPerEpoch && steps < maxSteps; s++) {
        const picked = full ? all : poissonLot(n, q, () => source.float());
        let sum: ClippedSum | null = null;
        if (picked.length > 0) {
          const batch = makeBatch(data, picked, 0, picked.length);
          try {
            sum = clippedSum(batch);
          } finally {
            batch.x.dispose();
            batch.y.dispose();
          }
        }
        const noise = noiseStd > 0 ? vars.map((v) => gaussian(v.size, noiseStd, () => source.normal())) : null;
        tf.tidy(() => {
          vars.forEach((v, i) => {
            let g: tf.Tensor = sum ? (sum.sums[i] as tf.Tensor) : tf.zerosLike(v);
            const z = noise?.[i];
            if (z) g = tf.add(g, tf.tensor(z, v.shape));
            const stepped = tf.add(decay ? tf.mul(v, decay) : v, tf.mul(g, scale));
            v.assign(constant ? tf.add(stepped, constant[i] as tf.Tensor) : stepped);
          });
        });
        if (sum) {
          epochLoss += (await sum.lossSum.data())[0] as number;
          clippedTotal += (await sum.clipped.data())[0] as number;
          tf.dispose([...sum.sums, sum.lossSum, sum.clipped]);
        }
        epochDrawn += picked.length;
        steps++;
      }
      drawn += epochDrawn;
      lossTotal += epochLoss;
      epochLosses.push(epochDrawn > 0 ? epochLoss / epochDrawn : Number.NaN);
    }
  } finally {
    scale.dispose();
    disposeTerms(step);
  }
  return {
    numExamples: n,
    steps,
    loss: drawn > 0 ? lossTotal / drawn : Number.NaN,
    epochLosses,
    dpSgd: {
      path: plan ? 'dense' : 'generic',
      sampleRate: q,
      noiseMultiplier: dp.noiseMultiplier,
      clipNorm: dp.clipNorm,
      steps,
      examples: drawn,
      clippedFraction: drawn > 0 ? clippedTotal / drawn : 0,
    },
  };
}

/** The indices i in [0, n) kept by independent coin flips with probability q (Poisson sampling). */
export function poissonLot(n: number, q: number, float: () => number): Int32Array {
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (float() < q) out[k++] = i;
  return out.subarray(0, k);
}

function gaussian(size: number, std: number, normal: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * normal();
  return out;
}
