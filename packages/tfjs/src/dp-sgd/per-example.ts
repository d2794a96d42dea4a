import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Batch } from '../adapter/batches.js';
import { batchLoss } from '../adapter/train.js';

/**
 * A lot's clipped gradient sum Σᵢ min(1, C/‖gᵢ‖)·gᵢ per variable (`vars` order), with the
 * sum of the examples' losses and how many gradients were clipped (‖gᵢ‖ > C). Tensors are
 * the caller's to dispose.
 */
export interface ClippedSum {
  readonly sums: tf.Tensor[];
  readonly lossSum: tf.Scalar;
  readonly clipped: tf.Scalar;
}

/** The clip factor min(1, C/‖g‖) from a squared norm, on the device (1 when C is infinite). */
export function clipFactors(sqNorm: tf.Tensor, clipNorm: number): tf.Tensor {
  if (clipNorm === Number.POSITIVE_INFINITY) return tf.onesLike(sqNorm);
  return tf.minimum(1, tf.div(clipNorm, tf.maximum(tf.sqrt(sqNorm), 1e-12)));
}

/**
 * The generic path: one `tf.variableGrads` per example (a microbatch of one), so it works
 * for any model (convolutional, recurrent, …) at the cost of one backward pass per example.
 * The gradient of example i is over all of `vars` jointly; the forward pass runs in
 * training mode as in plain training.
 */
export function clippedSumGeneric(model: LayersModel, vars: tf.Variable[], batch: Batch, clipNorm: number): ClippedSum {
  let sums: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  let lossSum: tf.Scalar = tf.scalar(0);
  let clipped: tf.Scalar = tf.scalar(0);
  const xShape = batch.x.shape.slice(1);
  const k = batch.y.shape[1];
  for (let i = 0; i < batch.size; i++) {
    const next = tf.tidy(() => {
      const x = tf.slice(batch.x, [i, ...xShape.map(() => 0)], [1, ...xShape]);
      const y = tf.slice(batch.y, [i, 0], [1, k]) as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(() => batchLoss(model, { x, y, size: 1 }, true), vars);
      const gs = vars.map((v) => grads[v.name] as tf.Tensor);
      const sq = tf.addN(gs.map((g) => tf.sum(tf.square(g))));
      const f = clipFactors(sq, clipNorm);
      return {
        sums: gs.map((g, j) => tf.add(sums[j] as tf.Tensor, tf.mul(g, f))),
        lossSum: tf.add(lossSum, value) as tf.Scalar,
        clipped: tf.add(clipped, tf.cast(tf.less(f, 1), 'float32')) as tf.Scalar,
      };
    });
    tf.dispose([...sums, lossSum, clipped]);
    ({ sums, lossSum, clipped } = next);
  }
  return { sums, lossSum, clipped };
}
