import {
  type AsyncStrategy,
  decodeWeights,
  decodeWeightsSequence,
  encodeWeights,
  encodeWeightsSequence,
  FederaError,
  type Weights,
} from '@federa/core';
import type { Checkpoint } from './store/store.js';

/** What an asynchronous checkpoint keeps in `strategyJson` (the tensors go in `strategyTensors`). */
interface AsyncStateJson {
  readonly asyncStrategy: string;
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * The checkpoint of an asynchronous run at server model version `version` (stored as its
 * `round`): the global weights and the strategy's `state()` — its counters as JSON, its
 * tensors (FedBuff's partial buffer) as codec messages back to back.
 */
export function makeAsyncCheckpoint(version: number, weights: Weights, strategy: AsyncStrategy): Checkpoint {
  const state = strategy.state();
  const json: AsyncStateJson = { asyncStrategy: strategy.name, counters: state.counters };
  return {
    round: version,
    weights: encodeWeights(weights, { kind: 'weights', round: version }),
    strategyTensors: state.tensors.length > 0 ? encodeWeightsSequence(state.tensors) : null,
    strategyJson: JSON.stringify(json),
  };
}

/**
 * Restores `strategy` from an asynchronous checkpoint and returns the global weights in it.
 * Throws E_STATE when the checkpoint was not written by an asynchronous run of the same
 * strategy (or the strategy refuses the state, e.g. another FedBuff buffer size).
 */
export function restoreAsyncCheckpoint(c: Checkpoint, strategy: AsyncStrategy): Weights {
  const state = c.strategyJson === null ? undefined : (JSON.parse(c.strategyJson) as Partial<AsyncStateJson>);
  if (!state || state.asyncStrategy !== strategy.name || typeof state.counters !== 'object') {
    throw new FederaError(
      'E_STATE',
      `the checkpoint at version ${c.round} was not written by an asynchronous '${strategy.name}' run`,
      'resume with the config the run started with, or use another run name or database',
    );
  }
  strategy.restore({
    counters: state.counters ?? {},
    tensors: c.strategyTensors ? decodeWeightsSequence(c.strategyTensors) : [],
  });
  return decodeWeights(c.weights, { copy: true }).weights;
}
