import { check, FederaError, type LabeledData, type TensorSpec, Weights } from '@federa/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { trainDpSgd } from '../dp-sgd/train-dp.js';
import { type ModelArtifactFiles, saveArtifacts } from './artifacts.js';
import { fitData } from './batches.js';
import { evaluateModel } from './evaluate.js';
import type { EvalReport } from './metrics.js';
import { checkTrainOptions, fullGradient, type TrainOptions, type TrainResult, trainSgd } from './train.js';
import { assertLayout, layoutOf, readWeights, writeWeights } from './weights-io.js';

/** What `gradient` returns: ∇ of the mean loss, in the full weights layout. */
export interface GradientResult {
  /** Same layout as `getWeights()`; entries of non-trainable weights are 0. */
  readonly gradient: Weights;
  /** Mean loss over the data at the current weights. */
  readonly loss: number;
  readonly numExamples: number;
}

/**
 * Binds a TensorFlow.js LayersModel to federa: weights in and out as core `Weights`, local
 * SGD training (with FedProx's proximal term when asked), full-batch gradients (FedSGD),
 * evaluation with per-class metrics, and export in TF.js's Layers format.
 *
 * The model must take one input of shape [batch, ...sampleShape] (or any shape with as many
 * features per sample: samples are reshaped row-major) and output LOGITS of shape
 * [batch, numClasses] (no softmax: the loss is softmax cross-entropy on the logits). Give its
 * layers explicit names so that twin models get equal weight layouts. The set of trainable
 * weights is fixed when the adapter is built. The adapter does not own the backend: set it up
 * (`setupBackend`) before building the model. Layers that draw random numbers in training
 * (dropout) are reproducible only when given a seed.
 *
 * @example
 * const adapter = new TfjsModelAdapter(model);
 * adapter.setWeights(global);
 * const { loss } = await adapter.train(data, { epochs: 1, batchSize: 10, lr: 0.1, seed: 7 });
 * const delta = adapter.getWeights().minus(global);
 */
export class TfjsModelAdapter {
  readonly model: LayersModel;
  /** Names and shapes of `getWeights()`, in `model.weights` order. */
  readonly specs: readonly TensorSpec[];
  private readonly vars: LayersModel['weights'];
  private readonly trainable: tf.Variable[];
  /** Index in `vars` of each trainable variable. */
  private readonly trainableIndex: number[];
  private disposed = false;

  constructor(model: LayersModel) {
    this.model = model;
    this.vars = weightsOf(model);
    if (this.vars.length === 0) {
      throw new FederaError(
        'E_MODEL',
        `model '${model.name}' has no weights (it has not been built)`,
        'give its first layer an inputShape, or call model.build(shape) first',
      );
    }
    this.specs = layoutOf(this.vars);
    const index = new Map(this.vars.map((v, i) => [v.id, i]));
    this.trainableIndex = model.trainableWeights.map((v) => {
      const i = index.get(v.id);
      if (i === undefined) throw new FederaError('E_MODEL', `trainable weight '${v.name}' is not in model.weights`);
      return i;
    });
    this.trainable = model.trainableWeights.map((v) => v.read() as tf.Variable);
  }

  /** A copy of all weights (trainable and not), named 'layer/role' (see `stableNames`). */
  getWeights(): Weights {
    this.live();
    return readWeights(this.vars, this.specs);
  }

  /** Assigns `w`; throws E_SHAPE naming the first tensor whose count or shape differs. */
  setWeights(w: Weights): void {
    this.live();
    assertLayout(this.specs, w);
    writeWeights(this.vars, w);
  }

  /**
   * Local SGD: `epochs` passes over `data` in batches of `batchSize` (0 or Infinity: full
   * batch), reshuffled each epoch from `seed`, w ← w − lr·(∇(loss + μ/2‖w − a‖²) + g_c),
   * a being `proximalAnchor` (default w₀, the weights at the start) and g_c the constant
   * `gradientCorrection` (default none; SCAFFOLD's c − c_i). With `dpSgd`, the steps are
   * DP-SGD's instead (Poisson lots of expected size `batchSize`, per-example clipping,
   * Gaussian noise; see `trainDpSgd`) and the result carries `dpSgd`.
   */
  async train(data: LabeledData, opts: TrainOptions): Promise<TrainResult> {
    this.live();
    checkTrainOptions(opts);
    data = fitData(this.model, data, 'train');
    // Positions in `trainable` of the variables that take steps.
    const active = this.trainableIndex.flatMap((vi, k) =>
      !opts.trainOnly || opts.trainOnly(this.specs[vi]?.name ?? '') ? [k] : [],
    );
    const anchor =
      opts.proximalAnchor && (opts.proximalMu ?? 0) > 0
        ? this.trainableTensors(opts.proximalAnchor, 'proximalAnchor', active)
        : undefined;
    const correction = opts.gradientCorrection
      ? this.trainableTensors(opts.gradientCorrection, 'gradientCorrection', active)
      : undefined;
    check(active.length > 0, 'train: trainOnly accepts none of the trainable weights', 'check the name pattern');
    const vars = active.map((k) => this.trainable[k] as tf.Variable);
    try {
      const terms = { ...(anchor ? { anchor } : {}), ...(correction ? { correction } : {}) };
      return opts.dpSgd
        ? await trainDpSgd(this.model, vars, data, { ...opts, dpSgd: opts.dpSgd }, terms)
        : await trainSgd(this.model, vars, data, opts, terms);
    } finally {
      if (anchor) tf.dispose(anchor);
      if (correction) tf.dispose(correction);
    }
  }

  /** The entries of `w` (full layout, checked) for the trainable variables at `active` positions, as tensors. */
  private trainableTensors(w: Weights, what: string, active: readonly number[]): tf.Tensor[] {
    if (w.count !== this.specs.length) {
      throw new FederaError(
        'E_SHAPE',
        `train: ${what} has ${w.count} tensors, the model has ${this.specs.length}`,
        'pass it in the getWeights() layout',
      );
    }
    assertLayout(this.specs, w);
    return active.map((k) => {
      const vi = this.trainableIndex[k] as number;
      return tf.tensor(w.tensor(vi).slice(), this.specs[vi]?.shape as number[], 'float32');
    });
  }

  /**
   * The gradient of the mean loss over all of `data` at the current weights (what a FedSGD
   * client sends), computed in chunks of `chunkSize` samples (default 1000) so memory stays
   * bounded. The forward pass runs in training mode, exactly as in `train`, so one full-batch
   * step of `train` equals w − lr·gradient.
   */
  async gradient(data: LabeledData, opts: { chunkSize?: number } = {}): Promise<GradientResult> {
    this.live();
    const chunk = opts.chunkSize ?? 1000;
    check(Number.isInteger(chunk) && chunk > 0, `gradient: chunkSize must be a positive integer, got ${chunk}`);
    data = fitData(this.model, data, 'gradient');
    const { grads, loss } = await fullGradient(this.model, this.trainable, data, chunk);
    const gradient = new Weights(this.specs);
    this.trainableIndex.forEach((vi, k) => {
      gradient.data.set(grads[k] as Float32Array, gradient.offsets[vi]);
    });
    return { gradient, loss, numExamples: data.y.length };
  }

  /** Loss, accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix. */
  async evaluate(data: LabeledData, opts: { batchSize?: number } = {}): Promise<EvalReport> {
    this.live();
    const b = opts.batchSize ?? 1000;
    check(Number.isInteger(b) && b > 0, `evaluate: batchSize must be a positive integer, got ${b}`);
    data = fitData(this.model, data, 'evaluate');
    return evaluateModel(this.model, data, b);
  }

  /** The model (topology and current weights) in TF.js's Layers format; see `saveArtifacts`. */
  async toArtifacts(weightsFile = 'weights.bin'): Promise<ModelArtifactFiles> {
    this.live();
    return saveArtifacts(this.model, weightsFile);
  }

  /** Frees the model's tensors; the adapter cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private live(): void {
    if (this.disposed) {
      throw new FederaError('E_STATE', 'this TfjsModelAdapter was disposed', 'create a new adapter from a new model');
    }
  }
}

function weightsOf(model: LayersModel): LayersModel['weights'] {
  try {
    return model.weights;
  } catch (e) {
    throw new FederaError(
      'E_MODEL',
      `cannot read the weights of model '${model.name}': ${e instanceof Error ? e.message : String(e)}`,
      'give its first layer an inputShape, or call model.build(shape) first',
    );
  }
}
