import { FederaError } from '../errors.js';
import type { Config, TrainRes } from '../messages.js';
import type { Weights } from '../weights.js';
import type { AsyncStep, AsyncStrategy, AsyncStrategyState } from './async-strategy.js';
import { type AsyncLocalTraining, localConfig, validateLocal } from './local-config.js';
import { type Staleness, stalenessWeight, validateStaleness } from './staleness.js';

export interface FedBuffOptions extends AsyncLocalTraining {
  /** K: updates buffered before the server steps (the paper uses 10). */
  readonly bufferSize: number;
  /** η_g: the server learning rate (default 1). */
  readonly serverLr?: number;
  /** s(τ) (default the paper's 1/√(1+τ): polynomial with a = 0.5). */
  readonly staleness?: Staleness;
}

/**
 * FedBuff (Nguyen et al. 2022, "Federated Learning with Buffered Asynchronous Aggregation",
 * Algorithm 1): clients send Δ_k = w_local − base; the server adds s(τ_k)·Δ_k to a buffer
 * and, once it holds K updates, steps
 *
 *   w ← w + η_g · (Σ_k s(τ_k)·Δ_k) / K,   s(τ) = 1/√(1+τ),
 *
 * empties the buffer and bumps the version. Updates are weighted equally (not by examples),
 * as in the paper. A buffer still partial when the run stops is not applied (it is in `state()`).
 *
 * @example
 * const s = new FedBuff({ bufferSize: 10, serverLr: 1, epochs: 1, batchSize: 10, lr: 0.05 });
 */
export class FedBuff implements AsyncStrategy {
  readonly name = 'fedbuff';
  private readonly opts: FedBuffOptions & { serverLr: number; staleness: Staleness };
  private sum: Weights | undefined;
  private count = 0;

  constructor(opts: FedBuffOptions) {
    if (!(Number.isInteger(opts.bufferSize) && opts.bufferSize >= 1)) {
      throw new FederaError(
        'E_ARG',
        `FedBuff: bufferSize must be a positive integer, got ${opts.bufferSize}`,
        'the paper uses K = 10',
      );
    }
    const serverLr = opts.serverLr ?? 1;
    if (!(typeof serverLr === 'number' && serverLr > 0 && Number.isFinite(serverLr))) {
      throw new FederaError(
        'E_ARG',
        `FedBuff: serverLr must be a positive number, got ${serverLr}`,
        'use 1 to apply the buffered mean as is',
      );
    }
    validateLocal(opts);
    const staleness = opts.staleness ?? { kind: 'polynomial', a: 0.5 };
    validateStaleness(staleness, 'FedBuff');
    this.opts = { ...opts, serverLr, staleness };
  }

  clientConfig(seed: number): Config {
    return localConfig(this.opts, seed);
  }

  /** K: a new version every `bufferSize` folded-in updates. */
  get updatesPerVersion(): number {
    return this.opts.bufferSize;
  }

  /** Updates in the buffer now (0 ≤ buffered < K between calls). */
  get buffered(): number {
    return this.count;
  }

  apply(global: Weights, _base: Weights, res: TrainRes, staleness: number): AsyncStep {
    const s = stalenessWeight(this.opts.staleness, staleness);
    this.sum ??= global.zerosLike();
    this.sum.axpy(s, res.update);
    this.count++;
    if (this.count < this.opts.bufferSize) return { weights: undefined, weight: s };
    const weights = global.clone().axpy(this.opts.serverLr / this.opts.bufferSize, this.sum);
    this.sum = undefined;
    this.count = 0;
    return { weights, weight: s };
  }

  /** counters: { buffered }; tensors: [Σ s(τ_k)·Δ_k] while the buffer is not empty, else []. */
  state(): AsyncStrategyState {
    return { counters: { buffered: this.count }, tensors: this.sum && this.count > 0 ? [this.sum.clone()] : [] };
  }

  restore(state: AsyncStrategyState): void {
    const n = state.counters.buffered ?? 0;
    const fits =
      Number.isInteger(n) &&
      n >= 0 &&
      n < this.opts.bufferSize &&
      state.tensors.length === (n > 0 ? 1 : 0) &&
      state.tensors.every((t) => t.firstNonFinite() < 0);
    if (!fits) {
      throw new FederaError(
        'E_STATE',
        `FedBuff.restore: expected { counters: { buffered: 0…${this.opts.bufferSize - 1} }, tensors: [sum] when buffered > 0 }`,
        'pass what FedBuff.state() returned, to a FedBuff with the same bufferSize',
      );
    }
    this.count = n;
    this.sum = n > 0 ? (state.tensors[0] as Weights).clone() : undefined;
  }
}
