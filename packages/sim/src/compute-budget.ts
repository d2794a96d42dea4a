import {
  type EvaluateIns,
  FederaError,
  type Grid,
  hashString,
  Rng,
  type SendOptions,
  type TrainIns,
} from '@federa/core';

export interface ComputeBudgetOptions {
  /** Local SGD steps the median device can do in one round. */
  readonly medianSteps: number;
  /**
   * σ of the log-normal spread of device speeds around the median: a device's speed is
   * exp(σ·N(0, 1)) times the median's (0 = all alike; 1 gives a 10× gap between the fastest
   * and slowest of a few dozen devices).
   */
  readonly spread: number;
  /** Round-to-round variation of a device's budget: ×U[1 − jitter, 1 + jitter] (default 0.25). */
  readonly jitter?: number;
  readonly seed: number;
}

/**
 * Per-client compute budgets and adaptive local work. Every client is a device with its
 * own speed (fixed for the run, drawn from (seed, client id)), and in each round it has time
 * for `medianSteps · speed · U[1 − jitter, 1 + jitter]` local steps (at least 1). A Grid
 * decorator: each training instruction gets `maxSteps` lowered to the client's budget, so a
 * fast device does all the epochs asked and a slow one stops early and reports the steps it
 * took (`metrics.steps`); the strategy decides what to make of the unequal work (FedNova
 * normalises by τ_k, FedProx keeps the partial work, FedProx's FedAvg baseline drops it).
 * Gradient requests (FedSGD) and evaluation are left alone. Depends only on (seed, round,
 * client), so a run is reproduced from its seed.
 *
 * @example
 * const grid = withComputeBudget(pool, { medianSteps: 50, spread: 1, seed: 1 });
 */
export function withComputeBudget(grid: Grid, opts: ComputeBudgetOptions): Grid {
  if (!(Number.isInteger(opts.medianSteps) && opts.medianSteps >= 1)) {
    throw new FederaError(
      'E_ARG',
      `compute budget medianSteps must be an integer ≥ 1, got ${opts.medianSteps}`,
      'e.g. 50 local steps per round',
    );
  }
  if (!(opts.spread >= 0 && Number.isFinite(opts.spread))) {
    throw new FederaError('E_ARG', `compute budget spread must be a number ≥ 0, got ${opts.spread}`, 'e.g. 1');
  }
  const jitter = opts.jitter ?? 0.25;
  if (!(jitter >= 0 && jitter < 1)) {
    throw new FederaError('E_ARG', `compute budget jitter must be in [0, 1), got ${jitter}`, 'e.g. 0.25');
  }
  const speeds = new Map<string, number>();
  const speed = (id: string) => {
    let s = speeds.get(id);
    if (s === undefined) {
      s = deviceSpeed(id, opts);
      speeds.set(id, s);
    }
    return s;
  };
  const budget = (ins: TrainIns): TrainIns => {
    if (ins.config.mode === 'gradient') return ins;
    const u = 1 + jitter * (2 * new Rng(hashString(`${opts.seed}:budget:${ins.round}:${ins.clientId}`)).float() - 1);
    const steps = Math.max(1, Math.round(opts.medianSteps * speed(ins.clientId) * u));
    const asked = ins.config.maxSteps === undefined ? Number.POSITIVE_INFINITY : Number(ins.config.maxSteps);
    return { ...ins, config: { ...ins.config, maxSteps: Math.min(asked, steps), budgetSteps: steps } };
  };
  return {
    nodes: () => grid.nodes(),
    train: (ins: readonly TrainIns[], o?: SendOptions) => grid.train(ins.map(budget), o),
    evaluate: (ins: readonly EvaluateIns[], o?: SendOptions) => grid.evaluate(ins, o),
    close: () => grid.close(),
  };
}

/** The speed factor of each client id under `opts` (the median device is 1), as withComputeBudget draws it. */
export function deviceSpeed(clientId: string, opts: Pick<ComputeBudgetOptions, 'spread' | 'seed'>): number {
  return new Rng(hashString(`${opts.seed}:device:${clientId}`)).lognormal(0, opts.spread);
}
