import { check, type LabeledData, Rng, type Weights } from '@federa/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { checkDpSgdOptions, type DpSgdOptions } from '../dp-sgd/options.js';
import type { DpSgdReport } from '../dp-sgd/train-dp.js';
import { type Batch, makeBatch } from './batches.js';

/** Local training settings (McMahan et al.'s E, B, η, plus the optional FedProx term). */
export interface TrainOptions {
  /** E: passes over the local data (integer ≥ 1). */
  readonly epochs: number;
  /** B: samples per step; 0 or Infinity means the whole local set (one step per epoch). */
  readonly batchSize: number;
  /** η: plain SGD step size, w ← w − η·∇. */
  readonly lr: number;
  /** Seeds the per-epoch shuffling (core `Rng`), so a run is reproduced from it. */
  readonly seed: number;
  /** Stop after this many steps in total (across epochs). */
  readonly maxSteps?: number;
  /**
   * FedProx μ: adds μ/2·‖w − w₀‖² over the trainable weights to each step's loss, w₀ being
   * the weights at the start of this call. 0 or absent: plain FedAvg local training.
   */
  readonly proximalMu?: number;
  /**
   * Centre of the proximal term instead of the start weights, in the full `getWeights()`
   * layout (Ditto: the personal model is pulled towards w_t while it starts from v_k).
   */
  readonly proximalAnchor?: Weights;
  /**
   * A constant added to every step's gradient, in the full `getWeights()` layout (entries
   * of non-trainable weights are ignored): SCAFFOLD's c − c_i. Applied as one extra add per
   * variable per step, w ← (w − η·∇) − η·correction, with η·correction computed once.
   */
  readonly gradientCorrection?: Weights;
  /**
   * When given, only the trainable weights whose names (as in `getWeights()`) it accepts
   * take steps; the others stay fixed (FedRep's head-then-base schedule).
   */
  readonly trainOnly?: (name: string) => boolean;
  /**
   * Sample-level DP-SGD (Abadi et al. 2016) instead of plain SGD: Poisson-sampled lots of
   * expected size `batchSize`, per-example clipping to `clipNorm`, Gaussian noise of std
   * `noiseMultiplier·clipNorm` on the sum (see `trainDpSgd` in dp-sgd/).
   */
  readonly dpSgd?: DpSgdOptions;
}

/** Per-variable tensors (trainable-variable order) for the optional terms of `trainSgd`. */
export interface SgdTerms {
  /** Centre of the proximal term (default: the variables at the start of the call). Read once, at the start. */
  readonly anchor?: readonly tf.Tensor[];
  /** Added to every step's gradient. */
  readonly correction?: readonly tf.Tensor[];
}

/** What local training reports. */
export interface TrainResult {
  /** Local samples (n_k, the FedAvg weight), whatever the number of epochs or steps. */
  readonly numExamples: number;
  /** SGD steps taken. */
  readonly steps: number;
  /**
   * Mean data loss (softmax cross-entropy, without the proximal term) over the steps, each
   * measured on its batch before the step's update; NaN when no step was taken.
   */
  readonly loss: number;
  /** The same mean per epoch (one entry per completed or started epoch). */
  readonly epochLosses: number[];
  /** Present when `dpSgd` was asked: the DP-SGD run's sampling rate, steps and clipping. */
  readonly dpSgd?: DpSgdReport;
}

/** Mean softmax cross-entropy of the model's logits on a batch (training-mode forward pass). */
export function batchLoss(model: LayersModel, batch: Batch, training: boolean): tf.Scalar {
  const logits = model.apply(batch.x, { training }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
}

/** Validates TrainOptions, throwing E_ARG naming the bad option. */
export function checkTrainOptions(o: TrainOptions): void {
  check(Number.isInteger(o.epochs) && o.epochs >= 1, `train: epochs must be an integer ≥ 1, got ${o.epochs}`);
  check(
    o.batchSize === Number.POSITIVE_INFINITY || (Number.isInteger(o.batchSize) && o.batchSize >= 0),
    `train: batchSize must be a positive integer, or 0 / Infinity for the full batch; got ${o.batchSize}`,
  );
  check(Number.isFinite(o.lr) && o.lr >= 0, `train: lr must be a finite number ≥ 0, got ${o.lr}`);
  check(Number.isFinite(o.seed), `train: seed must be a finite number, got ${o.seed}`);
  check(
    o.maxSteps === undefined || (Number.isInteger(o.maxSteps) && o.maxSteps >= 0),
    `train: maxSteps must be an integer ≥ 0, got ${o.maxSteps}`,
  );
  const mu = o.proximalMu ?? 0;
  check(Number.isFinite(mu) && mu >= 0, `train: proximalMu must be a finite number ≥ 0, got ${o.proximalMu}`);
  for (const [key, w] of [
    ['proximalAnchor', o.proximalAnchor],
    ['gradientCorrection', o.gradientCorrection],
  ] as const) {
    check(w === undefined || w.firstNonFinite() < 0, `train: ${key} has a non-finite value at ${w?.firstNonFinite()}`);
  }
  if (o.dpSgd) checkDpSgdOptions(o.dpSgd);
}

/** The per-call tensors of an SGD step with the proximal term and correction in closed form. */
export interface ClosedFormTerms {
  /** −η. */
  readonly negLr: tf.Scalar;
  /** 1 − ημ, or null without a proximal term. */
  readonly decay: tf.Scalar | null;
  /** k = ημ·a − η·correction per variable, or null when both are absent. */
  readonly constant: tf.Tensor[] | null;
}

/**
 * The proximal gradient μ(w − a) and the correction are applied in closed form, not
 * differentiated: w ← (1 − ημ)·w − η·∇F + k, with the per-call constant
 * k = ημ·a − η·correction (one mul and one add per variable per step over plain SGD).
 * Release the tensors with `disposeTerms`.
 */
export function closedFormTerms(
  vars: readonly tf.Variable[],
  opts: Pick<TrainOptions, 'lr' | 'proximalMu'>,
  terms: SgdTerms,
): ClosedFormTerms {
  const mu = opts.proximalMu ?? 0;
  const negLr = tf.scalar(-opts.lr);
  const decay = mu > 0 ? tf.scalar(1 - opts.lr * mu) : null;
  const constant: tf.Tensor[] | null =
    mu > 0 || terms.correction
      ? tf.tidy(() =>
          vars.map((v, i) => {
            let k: tf.Tensor | null = null;
            if (mu > 0) k = tf.mul(terms.anchor?.[i] ?? v, tf.scalar(opts.lr * mu));
            const c = terms.correction?.[i];
            if (c) k = k ? tf.add(k, tf.mul(c, negLr)) : tf.mul(c, negLr);
            return k as tf.Tensor;
          }),
        )
      : null;
  return { negLr, decay, constant };
}

/** Releases what `closedFormTerms` made. */
export function disposeTerms(t: ClosedFormTerms): void {
  t.negLr.dispose();
  t.decay?.dispose();
  if (t.constant) tf.dispose(t.constant);
}

/**
 * Plain minibatch SGD on `vars` (the model's trainable variables) in a tight loop: each batch
 * is gathered into typed arrays in JS, one `variableGrads` step runs inside `tf.tidy`, and
 * the loss is summed on the device and read back once per epoch. Samples are reshuffled
 * every epoch with `Rng(seed)`; the last partial batch is kept. `terms` (owned by the
 * caller) give the proximal centre and the gradient correction; the `Weights` forms in
 * `opts` are ignored here (the adapter turns them into `terms`). Leaves no tensors behind.
 */
export async function trainSgd(
  model: LayersModel,
  vars: tf.Variable[],
  data: LabeledData,
  opts: TrainOptions,
  terms: SgdTerms = {},
): Promise<TrainResult> {
  const n = data.y.length;
  const full = opts.batchSize === 0 || opts.batchSize >= n;
  const b = full ? n : opts.batchSize;
  const maxSteps = opts.maxSteps ?? Number.POSITIVE_INFINITY;
  const rng = new Rng(opts.seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  const { negLr, decay, constant } = closedFormTerms(vars, opts, terms);
  const epochLosses: number[] = [];
  let steps = 0;
  let lossTotal = 0;
  try {
    for (let epoch = 0; epoch < opts.epochs && steps < maxSteps && n > 0; epoch++) {
      rng.shuffle(order);
      let epochSum: tf.Scalar = tf.scalar(0);
      let epochSteps = 0;
      for (let start = 0; start < n && steps < maxSteps; start += b) {
        const batch = makeBatch(data, order, start, Math.min(start + b, n));
        const next = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => batchLoss(model, batch, true), vars);
          vars.forEach((v, i) => {
            const stepped = tf.add(decay ? tf.mul(v, decay) : v, tf.mul(grads[v.name] as tf.Tensor, negLr));
            v.assign(constant ? tf.add(stepped, constant[i] as tf.Tensor) : stepped);
          });
          return tf.add(epochSum, value) as tf.Scalar;
        });
        epochSum.dispose();
        epochSum = next;
        batch.x.dispose();
        batch.y.dispose();
        epochSteps++;
        steps++;
      }
      const sum = (await epochSum.data())[0] as number;
      epochSum.dispose();
      epochLosses.push(sum / epochSteps);
      lossTotal += sum;
    }
  } finally {
    disposeTerms({ negLr, decay, constant });
  }
  return { numExamples: n, steps, loss: steps > 0 ? lossTotal / steps : Number.NaN, epochLosses };
}

/**
 * The gradient of the mean loss over all of `data` at the current weights, for `vars`, as
 * flat arrays in `vars` order. Computed in chunks of at most `chunkSize` samples: each
 * chunk's mean gradient is weighted by its share of the samples and summed on the device.
 */
export async function fullGradient(
  model: LayersModel,
  vars: tf.Variable[],
  data: LabeledData,
  chunkSize: number,
): Promise<{ grads: Float32Array[]; loss: number }> {
  const n = data.y.length;
  let acc: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let lossAcc: tf.Tensor = tf.scalar(0);
  try {
    for (let start = 0; start < n; start += chunkSize) {
      const batch = makeBatch(data, null, start, Math.min(start + chunkSize, n));
      const share = batch.size / n;
      const next = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => batchLoss(model, batch, true), vars);
        const w = tf.scalar(share);
        return {
          acc: vars.map((v, i) => tf.add(acc[i] as tf.Tensor, tf.mul(grads[v.name] as tf.Tensor, w))),
          loss: tf.add(lossAcc, tf.mul(value, w)),
        };
      });
      batch.x.dispose();
      batch.y.dispose();
      tf.dispose(acc);
      lossAcc.dispose();
      acc = next.acc;
      lossAcc = next.loss;
    }
    const grads = await Promise.all(acc.map((t) => t.data() as Promise<Float32Array>));
    const loss = n > 0 ? ((await lossAcc.data())[0] as number) : Number.NaN;
    return { grads, loss };
  } finally {
    tf.dispose(acc);
    lossAcc.dispose();
  }
}
