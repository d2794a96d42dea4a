import {
  decodeWeights,
  decodeWeightsSequence,
  encodeWeights,
  encodeWeightsSequence,
  FederaError,
  isStateful,
  type Strategy,
  type Weights,
} from '@federa/core';
import type { Checkpoint } from './store/store.js';

/** A strategy that can save and restore JSON state (e.g. the DP wrapper's ledger and clip norm). */
interface JsonStateful {
  toJSON(): unknown;
  restore(state: unknown): void;
}

function isJsonStateful(s: Strategy): s is Strategy & JsonStateful {
  const c = s as Partial<JsonStateful>;
  return !isStateful(s) && typeof c.toJSON === 'function' && typeof c.restore === 'function';
}

/** The checkpoint after `round`: the global weights and whatever state the strategy keeps. */
export function makeCheckpoint(round: number, weights: Weights, strategy: Strategy): Checkpoint {
  return {
    round,
    weights: encodeWeights(weights, { kind: 'weights', round }),
    strategyTensors: isStateful(strategy) ? encodeWeightsSequence(strategy.state()) : null,
    strategyJson: isJsonStateful(strategy) ? JSON.stringify(strategy.toJSON()) : null,
  };
}

/** Restores the strategy's state from a checkpoint and returns the global weights in it. */
export function restoreCheckpoint(c: Checkpoint, strategy: Strategy): Weights {
  const { weights } = decodeWeights(c.weights, { copy: true });
  if (c.strategyTensors !== null) {
    if (!isStateful(strategy))
      throw new FederaError(
        'E_STATE',
        `the checkpoint holds strategy state but '${strategy.name}' keeps none`,
        'resume with the config the run started with',
      );
    strategy.restore(decodeWeightsSequence(c.strategyTensors));
  }
  if (c.strategyJson !== null && isJsonStateful(strategy)) strategy.restore(JSON.parse(c.strategyJson));
  return weights;
}
