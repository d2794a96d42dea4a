import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Batch } from '../adapter/batches.js';
import { type ClippedSum, clipFactors } from './per-example.js';

type Step =
  | { readonly kind: 'flatten' }
  | { readonly kind: 'activation'; readonly apply: (t: tf.Tensor) => tf.Tensor }
  | {
      readonly kind: 'dense';
      readonly kernel: tf.Variable;
      readonly bias: tf.Variable | null;
      /** Positions in `vars` of the kernel and bias (−1: not trained, no gradient wanted). */
      readonly kernelAt: number;
      readonly biasAt: number;
      readonly apply: (t: tf.Tensor) => tf.Tensor;
    };

/** A Sequential Dense network laid out for the outer-product per-example gradients (see `densePlan`). */
export interface DensePlan {
  readonly steps: readonly Step[];
}

function activation(name: unknown): (t: tf.Tensor) => tf.Tensor {
  if (name === undefined || name === null || name === 'linear') return (t) => t;
  const layer = tfl.layers.activation({ activation: name as 'relu' });
  return (t) => layer.apply(t) as tf.Tensor;
}

/**
 * The plan for the fast path, or null when the model does not allow it: a Sequential model
 * whose layers are only Dense (on rank-2 inputs), Flatten, Activation and InputLayer, every
 * variable of `vars` being a Dense kernel or bias of it (Dense layers outside `vars` are
 * frozen: they pass gradients through but get none).
 */
export function densePlan(model: tfl.LayersModel, vars: readonly tf.Variable[]): DensePlan | null {
  if (model.getClassName() !== 'Sequential') return null;
  const at = new Map<tf.Variable, number>(vars.map((v, i) => [v, i]));
  let rank = model.inputs[0]?.shape.length ?? 0;
  const steps: Step[] = [];
  let covered = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (cls === 'Flatten') {
      steps.push({ kind: 'flatten' });
      rank = 2;
    } else if (cls === 'Activation') {
      steps.push({ kind: 'activation', apply: activation(layer.getConfig().activation) });
    } else if (cls === 'Dense') {
      if (rank !== 2) return null;
      const w = layer.weights;
      const kernelLv = w.find((v) => v.originalName.endsWith('/kernel'));
      const biasLv = w.find((v) => v.originalName.endsWith('/bias'));
      if (!kernelLv || w.length !== (biasLv ? 2 : 1)) return null;
      const kernel = kernelLv.read() as tf.Variable;
      const bias = biasLv ? (biasLv.read() as tf.Variable) : null;
      const kernelAt = at.get(kernel) ?? -1;
      const biasAt = bias ? (at.get(bias) ?? -1) : -1;
      covered += (kernelAt >= 0 ? 1 : 0) + (biasAt >= 0 ? 1 : 0);
      steps.push({ kind: 'dense', kernel, bias, kernelAt, biasAt, apply: activation(layer.getConfig().activation) });
    } else {
      return null;
    }
  }
  return covered === vars.length ? { steps } : null;
}

/**
 * The fast path (Goodfellow 2015's trick for per-example gradient norms): for a Dense layer
 * z = a·W + b, example i's gradient is aᵢᵀδᵢ for W and δᵢ for b, with δᵢ = ∂ℓᵢ/∂zᵢ, so its
 * squared norm is exactly ‖aᵢ‖²‖δᵢ‖² + ‖δᵢ‖² and the clipped sum is Aᵀ·diag(c)·Δ and
 * Σᵢ cᵢδᵢ. One forward and one backward pass for the whole lot: δ comes from `tf.grads`
 * with respect to zero "probe" tensors added to every pre-activation. Same result as
 * `clippedSumGeneric` up to float rounding.
 */
export function clippedSumDense(
  plan: DensePlan,
  vars: readonly tf.Variable[],
  batch: Batch,
  clipNorm: number,
): ClippedSum {
  // Layer inputs and per-example losses are kept out of valueAndGrads' forward scope and
  // freed here once the sums are built.
  const inputs: tf.Tensor[] = [];
  let perExample: tf.Tensor | null = null;
  try {
    return sumsFor(plan, vars, batch, clipNorm, inputs, (t) => {
      perExample = t;
    });
  } finally {
    tf.dispose(inputs);
    if (perExample) tf.dispose(perExample);
  }
}

function sumsFor(
  plan: DensePlan,
  vars: readonly tf.Variable[],
  batch: Batch,
  clipNorm: number,
  inputs: tf.Tensor[],
  keepLosses: (t: tf.Tensor) => void,
): ClippedSum {
  return tf.tidy(() => {
    const b = batch.size;
    const dense = plan.steps.filter((s) => s.kind === 'dense');
    const probes = dense.map((s) => tf.zeros([b, s.kernel.shape[1] as number]));
    let perExample: tf.Tensor | null = null;
    const { grads: deltas } = tf.valueAndGrads((...p: tf.Tensor[]) => {
      let h = tf.cast(batch.x, 'float32');
      let d = 0;
      for (const s of plan.steps) {
        if (s.kind === 'flatten') h = tf.reshape(h, [b, -1]);
        else if (s.kind === 'activation') h = s.apply(h);
        else {
          inputs.push(tf.keep(h));
          let z = tf.matMul(h, s.kernel);
          if (s.bias) z = tf.add(z, s.bias);
          h = s.apply(tf.add(z, p[d++] as tf.Tensor));
        }
      }
      const losses = tf.losses.softmaxCrossEntropy(batch.y, h, undefined, undefined, tf.Reduction.NONE);
      perExample = tf.keep(losses);
      keepLosses(perExample);
      return tf.sum(losses) as tf.Scalar;
    })(probes);
    // Per-example squared norm over every trained weight.
    const terms: tf.Tensor[] = [];
    dense.forEach((s, l) => {
      const dsq = tf.sum(tf.square(deltas[l] as tf.Tensor), 1);
      if (s.kernelAt >= 0) terms.push(tf.mul(tf.sum(tf.square(inputs[l] as tf.Tensor), 1), dsq));
      if (s.biasAt >= 0) terms.push(dsq);
    });
    const f = clipFactors(terms.length > 0 ? tf.addN(terms) : tf.zeros([b]), clipNorm);
    const sums: tf.Tensor[] = new Array(vars.length);
    dense.forEach((s, l) => {
      const scaled = tf.mul(deltas[l] as tf.Tensor, tf.reshape(f, [b, 1]));
      if (s.kernelAt >= 0) sums[s.kernelAt] = tf.matMul(tf.transpose(inputs[l] as tf.Tensor), scaled);
      if (s.biasAt >= 0) sums[s.biasAt] = tf.sum(scaled, 0);
    });
    return {
      sums,
      lossSum: tf.sum(perExample as unknown as tf.Tensor) as tf.Scalar,
      clipped: tf.sum(tf.cast(tf.less(f, 1), 'float32')) as tf.Scalar,
    };
  });
}
