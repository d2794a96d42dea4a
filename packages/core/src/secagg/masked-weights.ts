import { FederaError } from '../errors.js';
import type { SecAggResult } from './server.js';

/**
 * The weights clients mask with their inputs: w_k = min(n_k / cap, 1) with cap = `maxWeight`
 * or the largest n_k, so every w_k is in [0, 1] (one ring element). Undefined weights: a plain
 * sum (cap 1). Throws E_ARG for a count mismatch, a non-positive weight or cap.
 */
export function maskedWeights(
  weights: readonly number[] | undefined,
  n: number,
  maxWeight?: number,
): { readonly w: number[] | undefined; readonly cap: number } {
  if (!weights) return { w: undefined, cap: 1 };
  if (weights.length !== n || weights.some((x) => !(x > 0 && Number.isFinite(x)))) {
    throw new FederaError('E_ARG', `weights must be ${n} positive finite numbers`, 'pass each client’s example count');
  }
  const cap = maxWeight ?? Math.max(...weights);
  if (!(cap > 0 && Number.isFinite(cap))) throw new FederaError('E_ARG', `maxWeight must be positive, got ${cap}`);
  return { w: weights.map((x) => Math.min(x / cap, 1)), cap };
}

/** The server's result in the original weight units: Σ n·x, Σ n, and the weighted mean. */
export function unmaskedMean(
  res: SecAggResult,
  cap: number,
): Pick<SecAggResult, 'sum' | 'weightSum'> & { readonly mean: Float32Array } {
  const sum = cap === 1 ? res.sum : res.sum.map((x) => x * cap);
  const weightSum = res.weightSum * cap;
  const mean = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) mean[i] = sum[i]! / weightSum;
  return { sum, weightSum, mean };
}
