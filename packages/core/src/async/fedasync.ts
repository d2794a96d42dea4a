import { FederaError } from '../errors.js';
import type { Config, TrainRes } from '../messages.js';
import type { Weights } from '../weights.js';
import type { AsyncStep, AsyncStrategy, AsyncStrategyState } from './async-strategy.js';
import { type AsyncLocalTraining, localConfig, validateLocal } from './local-config.js';
import { type Staleness, stalenessWeight, validateStaleness } from './staleness.js';

export interface FedAsyncOptions extends AsyncLocalTraining {
  /** α ∈ (0, 1]: the mixing weight of a fresh (τ = 0) update. */
  readonly alpha: number;
  /** s(τ), the staleness function (default constant: α_t = α). */
  readonly staleness?: Staleness;
}

/**
 * FedAsync (Xie, Koyejo & Gupta 2019, "Asynchronous Federated Optimization", Algorithm 1):
 * every arriving update makes a new server version by mixing the client's model in,
 *
 *   w ← (1 − α_t)·w + α_t·w_k,   α_t = α·s(τ),
 *
 * where w_k = base + Δ_k is the client's locally trained model, base the version it started
 * from and τ = (current version) − (its version). The paper's optional proximal term ρ is
 * client-side: pass `extraConfig: { proximalMu: ρ }`.
 *
 * @example
 * const s = new FedAsync({ alpha: 0.6, staleness: { kind: 'polynomial', a: 0.5 }, epochs: 1, batchSize: 10, lr: 0.05 });
 */
export class FedAsync implements AsyncStrategy {
  readonly name = 'fedasync';
  /** Every folded-in update makes a new version. */
  readonly updatesPerVersion = 1;
  private readonly opts: FedAsyncOptions & { staleness: Staleness };
  private applied = 0;

  constructor(opts: FedAsyncOptions) {
    if (!(typeof opts.alpha === 'number' && opts.alpha > 0 && opts.alpha <= 1)) {
      throw new FederaError(
        'E_ARG',
        `FedAsync: alpha must be in (0, 1], got ${opts.alpha}`,
        'the paper uses 0.4–0.9; try 0.6',
      );
    }
    validateLocal(opts);
    const staleness = opts.staleness ?? { kind: 'constant' };
    validateStaleness(staleness, 'FedAsync');
    this.opts = { ...opts, staleness };
  }

  clientConfig(seed: number): Config {
    return localConfig(this.opts, seed);
  }

  /** α_t = α·s(τ) for an update of staleness τ. */
  mixingWeight(staleness: number): number {
    return this.opts.alpha * stalenessWeight(this.opts.staleness, staleness);
  }

  apply(global: Weights, base: Weights, res: TrainRes, staleness: number): AsyncStep {
    const a = this.mixingWeight(staleness);
    // (1 − α)·w + α·(base + Δ)
    const weights = global
      .clone()
      .scale(1 - a)
      .axpy(a, base)
      .axpy(a, res.update);
    this.applied++;
    return { weights, weight: a };
  }

  /** counters: { applied }; no tensors (FedAsync keeps no server state but the model). */
  state(): AsyncStrategyState {
    return { counters: { applied: this.applied }, tensors: [] };
  }

  restore(state: AsyncStrategyState): void {
    const n = state.counters.applied ?? 0;
    if (!(Number.isInteger(n) && n >= 0) || state.tensors.length !== 0) {
      throw new FederaError(
        'E_STATE',
        'FedAsync.restore: expected { counters: { applied ≥ 0 }, tensors: [] }',
        'pass what FedAsync.state() returned',
      );
    }
    this.applied = n;
  }
}
