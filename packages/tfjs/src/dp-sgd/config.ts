import { type Config, FederaError, type Metrics, RdpAccountant } from '@federa/core';
import { dpSgdSteps } from './accounting.js';
import type { DpSgdOptions } from './options.js';

/**
 * Train-config keys that ask a client for DP-SGD: `dpSgdClip` (C), `dpSgdNoise` (σ),
 * `dpSgdDelta` (δ of the reported ε, default 1e-5) and `dpSgdSeed` (seeded simulation only).
 */
export const DP_SGD_KEYS = {
  clip: 'dpSgdClip',
  noise: 'dpSgdNoise',
  delta: 'dpSgdDelta',
  seed: 'dpSgdSeed',
} as const;

/**
 * The DP-SGD options a train config asks for (keys `DP_SGD_KEYS`), or undefined when it has
 * no `dpSgdClip`. Throws E_CONFIG when `dpSgdClip` is given without `dpSgdNoise` or a value
 * is out of range.
 *
 * @example
 * dpSgdFromConfig({ epochs: 1, batchSize: 64, lr: 0.1, dpSgdClip: 1, dpSgdNoise: 1.1 }); // { clipNorm: 1, noiseMultiplier: 1.1 }
 */
export function dpSgdFromConfig(c: Config): DpSgdOptions | undefined {
  if (c[DP_SGD_KEYS.clip] === undefined) return undefined;
  const clipNorm = Number(c[DP_SGD_KEYS.clip]);
  const noiseMultiplier = Number(c[DP_SGD_KEYS.noise]);
  if (!(clipNorm > 0)) {
    throw new FederaError('E_CONFIG', `dpSgdClip must be a number > 0, got ${c[DP_SGD_KEYS.clip]}`);
  }
  if (!(noiseMultiplier >= 0 && Number.isFinite(noiseMultiplier))) {
    throw new FederaError(
      'E_CONFIG',
      `dpSgdNoise must be a finite number ≥ 0, got ${c[DP_SGD_KEYS.noise]}`,
      'set dpSgdNoise with dpSgdClip',
    );
  }
  const seed = c[DP_SGD_KEYS.seed];
  return {
    clipNorm,
    noiseMultiplier,
    ...(seed !== undefined && typeof seed !== 'boolean' ? { seed } : {}),
  };
}

/**
 * The train metrics a DP-SGD client adds to its reply: `dpsgd_epsilon`, the ε (at the
 * config's `dpSgdDelta`, default 1e-5) of its examples after `round` rounds of this schedule
 * — an upper bound, as if it had trained in every round so far (`dpSgdEpsilon`) — and
 * `dpsgd_sigma`. FedRep's head pass (`personalLayers` with `headEpochs` > 0) reads the data
 * before the update leaves too, so its steps count as well (each pass capped by `maxSteps`,
 * as `trainLocal` runs them). Empty when the config asks no DP-SGD.
 *
 * @example
 * const m = dpSgdMetrics(ins.config, ins.round, trainData.y.length); // { dpsgd_epsilon: 0.83, dpsgd_sigma: 1.1 }
 */
export function dpSgdMetrics(c: Config, round: number, examples: number): Metrics {
  const dp = dpSgdFromConfig(c);
  if (!dp || examples === 0) return {};
  const delta = Number(c[DP_SGD_KEYS.delta] ?? 1e-5);
  const b = Number(c.batchSize ?? 0);
  const pass = (epochs: number) =>
    dpSgdSteps({
      examples,
      batchSize: b === Number.POSITIVE_INFINITY ? 0 : b,
      epochs,
      rounds: 1,
      ...(c.maxSteps !== undefined ? { maxSteps: Number(c.maxSteps) } : {}),
    });
  const base = pass(Number(c.epochs ?? 1));
  const head = c.personalLayers !== undefined ? Number(c.headEpochs ?? 0) : 0;
  const perRound = base.steps + (head > 0 ? pass(head).steps : 0);
  if (perRound === 0) return { dpsgd_epsilon: 0, dpsgd_sigma: dp.noiseMultiplier };
  const rounds = Math.max(1, round);
  const acc = new RdpAccountant().step(base.sampleRate, dp.noiseMultiplier, rounds * perRound);
  return { dpsgd_epsilon: acc.epsilon(delta).epsilon, dpsgd_sigma: dp.noiseMultiplier };
}
