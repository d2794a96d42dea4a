import { DEFAULT_ORDERS, FederaError, noiseMultiplierFor, RdpAccountant } from '@federa/core';

/** A client's DP-SGD schedule, for accounting (see `dpSgdEpsilon`). */
export interface DpSgdSchedule {
  /** N: the client's local examples. */
  readonly examples: number;
  /** B: the expected lot size (the train `batchSize`; 0 or ≥ N: the full batch, q = 1). */
  readonly batchSize: number;
  /** E: local epochs per round. */
  readonly epochs: number;
  /** T: rounds the client trains in (use the rounds so far for an upper bound, see `dpSgdEpsilon`). */
  readonly rounds: number;
  /** The train option `maxSteps`, when it caps the steps per round. */
  readonly maxSteps?: number;
}

function checkSchedule(s: DpSgdSchedule): void {
  const int = (name: string, v: number | undefined, min: number) => {
    if (!(v !== undefined && Number.isInteger(v) && v >= min)) {
      throw new FederaError('E_ARG', `DP-SGD accounting: ${name} must be an integer ≥ ${min}, got ${v}`);
    }
  };
  int('examples', s.examples, 1);
  if (!(s.batchSize === Number.POSITIVE_INFINITY || (Number.isInteger(s.batchSize) && s.batchSize >= 0))) {
    throw new FederaError('E_ARG', `DP-SGD accounting: batchSize must be an integer ≥ 0, got ${s.batchSize}`);
  }
  int('epochs', s.epochs, 0);
  int('rounds', s.rounds, 0);
  if (s.maxSteps !== undefined) int('maxSteps', s.maxSteps, 0);
}

/**
 * The sampling rate and number of noisy steps of a DP-SGD schedule, as `trainDpSgd` runs it:
 * q = B/N (1 for the full batch) and steps = T·min(E·⌈N/B⌉, maxSteps) (E per round for the
 * full batch).
 */
export function dpSgdSteps(s: DpSgdSchedule): { sampleRate: number; steps: number } {
  checkSchedule(s);
  const full = s.batchSize === 0 || s.batchSize >= s.examples;
  const perEpoch = full ? 1 : Math.ceil(s.examples / s.batchSize);
  const perRound = Math.min(s.epochs * perEpoch, s.maxSteps ?? Number.POSITIVE_INFINITY);
  return { sampleRate: full ? 1 : s.batchSize / s.examples, steps: s.rounds * perRound };
}

/**
 * The (ε, δ) sample-level guarantee of DP-SGD for one client's examples, by core's
 * `RdpAccountant` (sampled Gaussian RDP, Poisson sampling, improved RDP→(ε, δ) conversion):
 * `steps` mechanisms with rate q and noise multiplier σ (`dpSgdSteps`). `rounds` counts the
 * rounds the client trains in; a client picked in only some rounds spent less, so passing
 * the rounds of the run (or so far) gives an upper bound. The guarantee covers what leaves
 * the client (its updates); its reported metrics are not noised.
 *
 * @example
 * dpSgdEpsilon({ examples: 60_000, batchSize: 600, epochs: 1, rounds: 100, noiseMultiplier: 1.1, delta: 1e-5 });
 */
export function dpSgdEpsilon(
  s: DpSgdSchedule & { readonly noiseMultiplier: number; readonly delta: number; readonly orders?: readonly number[] },
): { epsilon: number; order: number; sampleRate: number; steps: number } {
  const { sampleRate, steps } = dpSgdSteps(s);
  if (!(s.noiseMultiplier >= 0 && Number.isFinite(s.noiseMultiplier))) {
    throw new FederaError(
      'E_ARG',
      `DP-SGD accounting: noiseMultiplier must be a finite number ≥ 0, got ${s.noiseMultiplier}`,
    );
  }
  if (steps === 0) return { epsilon: 0, order: Number.NaN, sampleRate, steps };
  const acc = new RdpAccountant(s.orders ?? DEFAULT_ORDERS).step(sampleRate, s.noiseMultiplier, steps);
  return { ...acc.epsilon(s.delta), sampleRate, steps };
}

/**
 * The smallest noise multiplier σ (to 0.1%) for which the schedule stays within (ε, δ) —
 * core's `noiseMultiplierFor` on `dpSgdSteps(s)`. Throws E_ARG when no σ ≤ 1e4 reaches it.
 *
 * @example
 * dpSgdNoiseMultiplier({ examples: 15_000, batchSize: 150, epochs: 1, rounds: 5, epsilon: 2, delta: 1e-5 });
 */
export function dpSgdNoiseMultiplier(
  s: DpSgdSchedule & { readonly epsilon: number; readonly delta: number; readonly orders?: readonly number[] },
): number {
  const { sampleRate, steps } = dpSgdSteps(s);
  if (steps === 0) {
    throw new FederaError('E_ARG', 'DP-SGD accounting: the schedule takes no step', 'give epochs and rounds ≥ 1');
  }
  return noiseMultiplierFor({
    q: sampleRate,
    steps,
    epsilon: s.epsilon,
    delta: s.delta,
    ...(s.orders ? { orders: s.orders } : {}),
  });
}
