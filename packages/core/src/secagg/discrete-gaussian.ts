import { FederaError } from '../errors.js';
import type { RandomSource } from '../privacy/random-source.js';

/**
 * One draw from the discrete Gaussian N_Z(0, σ²) — P(x) ∝ exp(−x²/(2σ²)) on the integers —
 * by the rejection sampler of Canonne, Kamath & Steinke 2020 ("The Discrete Gaussian for
 * Differential Privacy", Algorithm 3): a discrete Laplace proposal with scale t = ⌊σ⌋ + 1
 * (itself Algorithm 2: U uniform in [0, t), accepted with prob. exp(−U/t), plus t·V with
 * V geometric), accepted with prob. exp(−(|Y| − σ²/t)²/(2σ²)). The Bernoulli(exp(−γ)) coins
 * use floating point (the paper's version is exact in rationals); expected draws per sample
 * are a small constant for every σ.
 *
 * @example
 * sampleDiscreteGaussian(3, seededSource(1)); // an integer, std ≈ 3
 */
export function sampleDiscreteGaussian(sigma: number, source: RandomSource): number {
  if (!(sigma >= 0 && Number.isFinite(sigma))) {
    throw new FederaError('E_ARG', `discrete Gaussian sigma must be a finite number ≥ 0, got ${sigma}`);
  }
  if (sigma === 0) return 0;
  const t = Math.floor(sigma) + 1;
  const s2 = sigma * sigma;
  const expMinusOne = Math.exp(-1);
  for (;;) {
    const u = Math.floor(source.float() * t);
    if (!(source.float() < Math.exp(-u / t))) continue;
    let v = 0;
    while (source.float() < expMinusOne) v++;
    const negative = source.float() < 0.5;
    if (negative && u === 0 && v === 0) continue;
    const y = u + t * v;
    const d = y - s2 / t;
    if (source.float() < Math.exp(-(d * d) / (2 * s2))) return negative ? -y : y;
  }
}

/** Adds N_Z(0, σ²) to each entry (as ring values: the sum wraps mod 2^32). */
export function addDiscreteGaussian(values: Uint32Array, sigma: number, source: RandomSource): void {
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + sampleDiscreteGaussian(sigma, source);
}
