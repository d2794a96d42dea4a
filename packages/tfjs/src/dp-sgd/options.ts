import { FederaError, type RandomSource, secureSource, seededSource } from '@federa/core';

/**
 * Sample-level DP-SGD (Abadi et al. 2016) for `TfjsModelAdapter.train`: each step draws a
 * lot by Poisson sampling (every local example independently with probability q = B/N, B
 * being the train option `batchSize`), clips each example's gradient to L2 norm `clipNorm`
 * over all the trained weights jointly, sums them, adds N(0, (noiseMultiplier·clipNorm)²) to
 * every coordinate of the sum and divides by the expected lot size B.
 */
export interface DpSgdOptions {
  /** C: per-example L2 clip norm over all trained weights jointly (> 0; Infinity only with noiseMultiplier 0). */
  readonly clipNorm: number;
  /** σ: noise std on the clipped sum = σ·C; the accountant's noise multiplier (≥ 0; 0 is not private). */
  readonly noiseMultiplier: number;
  /**
   * Seeds the lot sampling and the noise for reproducible simulation (combined with the train
   * option `seed`, so rounds and clients differ). Not private: whoever knows it can remove the
   * noise. Absent: both come from core's `secureSource()` (the platform CSPRNG).
   */
  readonly seed?: number | string;
  /** An explicit source for sampling and noise (overrides `seed`). */
  readonly source?: RandomSource;
  /**
   * How per-example gradients are computed: 'generic' (microbatches of one through
   * `tf.variableGrads`: any model), 'dense' (the outer-product trick: Sequential models of
   * Dense / Flatten / Activation layers only; throws otherwise), 'auto' (default: 'dense'
   * when the model allows it, else 'generic'). Both give the same result up to float error.
   */
  readonly perExample?: 'auto' | 'generic' | 'dense';
}

/** Validates DpSgdOptions, throwing E_ARG naming the bad option and the fix. */
export function checkDpSgdOptions(o: DpSgdOptions): void {
  const c = o.clipNorm;
  if (!(c > 0)) {
    throw new FederaError('E_ARG', `train: dpSgd.clipNorm must be a number > 0, got ${c}`, 'e.g. 1');
  }
  const z = o.noiseMultiplier;
  if (!(z >= 0 && Number.isFinite(z))) {
    throw new FederaError('E_ARG', `train: dpSgd.noiseMultiplier must be a finite number ≥ 0, got ${z}`, 'e.g. 1.1');
  }
  if (c === Number.POSITIVE_INFINITY && z > 0) {
    throw new FederaError(
      'E_ARG',
      'train: dpSgd.clipNorm is Infinity with noiseMultiplier > 0 (infinite noise)',
      'give a finite clipNorm, or noiseMultiplier 0 for a non-private baseline',
    );
  }
  const p = o.perExample ?? 'auto';
  if (p !== 'auto' && p !== 'generic' && p !== 'dense') {
    throw new FederaError('E_ARG', `train: dpSgd.perExample must be 'auto', 'generic' or 'dense', got '${String(p)}'`);
  }
}

/** The source DP-SGD draws its lots and noise from: `source`, else seeded from `seed` and the train seed, else secure. */
export function dpSgdSource(o: DpSgdOptions, trainSeed: number): RandomSource {
  if (o.source) return o.source;
  return o.seed !== undefined ? seededSource(`dpsgd:${o.seed}:${trainSeed}`) : secureSource();
}
