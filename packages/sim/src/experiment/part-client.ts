import {
  type Client,
  type EvaluateIns,
  type EvaluateRes,
  partOf,
  placePart,
  type TrainIns,
  type TrainRes,
} from '@federa/core';
import type { ModelName } from '@federa/tfjs';
import type { ExperimentSpec } from './spec.js';

/**
 * A client of a heterogeneous federation: it receives the joined global state (one model per
 * architecture), trains and evaluates only its own architecture's part with `inner`, and
 * answers an update of the joined layout that is zero outside its part (sent as 'zeros'
 * tensors on the wire, so it costs no more bytes than its own model's update).
 */
export class PartClient implements Client {
  constructor(
    readonly architecture: string,
    private readonly inner: Client,
  ) {}

  async train(ins: TrainIns): Promise<TrainRes> {
    const r = await this.inner.train({ ...ins, weights: partOf(ins.weights, this.architecture) });
    return { ...r, update: placePart(ins.weights, this.architecture, r.update) };
  }

  evaluate(ins: EvaluateIns): Promise<EvaluateRes> {
    return this.inner.evaluate({ ...ins, weights: partOf(ins.weights, this.architecture) });
  }
}

/** The architectures of a spec's federation: `models` when it names several, else just `model`. */
export function architectures(spec: Pick<ExperimentSpec, 'model' | 'models'>): readonly ModelName[] {
  return spec.models && spec.models.length > 0 ? spec.models : [spec.model];
}

/** The architecture client number `index` (its position in the federation) trains: models[index mod M]. */
export function architectureOf(spec: Pick<ExperimentSpec, 'model' | 'models'>, index: number): ModelName {
  const all = architectures(spec);
  return all[index % all.length] as ModelName;
}
