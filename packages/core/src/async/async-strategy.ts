import type { Config, TrainRes } from '../messages.js';
import type { Weights } from '../weights.js';

/** What folding one client update into the server model did. */
export interface AsyncStep {
  /**
   * The new global weights when this update produced a new server model version (the loop
   * then bumps the version); undefined when it was only buffered (FedBuff before K updates).
   */
  readonly weights: Weights | undefined;
  /** The weight this update received: α_t for FedAsync, s(τ) for FedBuff. */
  readonly weight: number;
}

/** An async strategy's checkpointable state: scalar counters and tensors, in an order the class documents. */
export interface AsyncStrategyState {
  readonly counters: Readonly<Record<string, number>>;
  readonly tensors: readonly Weights[];
}

/**
 * An asynchronous federated algorithm: the server folds each client update in as it arrives,
 * whatever version of the model the client started from. The loop that calls it is
 * `runAsynchronous`; the strategy never sees failed or invalid replies (the loop filters them
 * with `replyProblem`) and must not mutate `global` or `base` (return new weights).
 */
export interface AsyncStrategy {
  readonly name: string;
  /**
   * Folded-in updates that make one new server version (FedBuff: K; FedAsync: 1), for
   * progress displays; undefined when it varies.
   */
  readonly updatesPerVersion?: number;
  /** The config a client starting now is sent (local epochs, batch, lr); `seed` drives its shuffling. */
  clientConfig(seed: number): Config;
  /**
   * Folds one validated update in. `global` is the current model w (version v), `base` the
   * model the client trained from (version v − τ) and `res.update` its Δ = w_local − base.
   */
  apply(global: Weights, base: Weights, res: TrainRes, staleness: number): AsyncStep;
  /** A copy of the server state, to checkpoint with the global weights and version. */
  state(): AsyncStrategyState;
  /** Replaces the state with a copy of what `state()` returned. Throws E_STATE when it does not fit. */
  restore(state: AsyncStrategyState): void;
}
