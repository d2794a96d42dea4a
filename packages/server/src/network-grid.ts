import type {
  ClientInfo,
  EvaluateIns,
  EvaluateRes,
  Grid,
  Outcome,
  SendOptions,
  TrainIns,
  TrainRes,
} from '@federa/core';
import type { Hub } from './hub.js';

/**
 * The Grid over the network: `runFederated` and any Strategy run on it unchanged. `nodes()`
 * is the clients online now (sorted by id); each instruction goes to its client as a Task
 * and comes back as one Outcome — a validated reply, or a failure (E_DEADLINE,
 * E_DISCONNECTED, E_SHAPE, E_NONFINITE, …) that the round records as data.
 */
export class NetworkGrid implements Grid {
  constructor(
    private readonly hub: Hub,
    private readonly defaults: SendOptions = {},
  ) {}

  nodes(): readonly ClientInfo[] {
    return this.hub.online();
  }

  train(ins: readonly TrainIns[], opts?: SendOptions): AsyncIterable<Outcome<TrainRes>> {
    return this.hub.dispatch<TrainRes>(ins, 'train', { ...this.defaults, ...opts });
  }

  evaluate(ins: readonly EvaluateIns[], opts?: SendOptions): AsyncIterable<Outcome<EvaluateRes>> {
    return this.hub.dispatch<EvaluateRes>(ins, 'evaluate', { ...this.defaults, ...opts });
  }

  /** The hub's sockets belong to the server; closing the grid releases nothing. */
  async close(): Promise<void> {}
}
