import type {
  Client,
  ClientState,
  EvaluateIns,
  EvaluateRes,
  LabeledData,
  LocalSgdOptions,
  LocalSgdResult,
  Metrics,
  TrainIns,
  TrainRes,
  Weights,
} from '@federa/core';
import { FederaError, MemoryClientState, personalModel, splitControl, trainLocal } from '@federa/core';
import type { TfjsModelAdapter } from './adapter/index.js';
import { dpSgdFromConfig, dpSgdMetrics } from './dp-sgd/config.js';
import type { DpSgdOptions } from './dp-sgd/options.js';

/**
 * A federated client over a TF.js model and a local data set that never leaves it.
 * `train` loads w_t, runs the local work the config asks for and returns Δ = w_local − w_t
 * (mode 'train', E/B/lr/seed/proximalMu/maxSteps from the config) or the full-batch gradient
 * (mode 'gradient', FedSGD). Metrics: `loss`, and in mode 'train' `steps` (SGD steps taken,
 * at most `maxSteps`). With `reportInitialLoss: true` it also reports `initialLoss`, the mean
 * loss over the local training data at w_t before any step (inference-mode forward pass; in
 * mode 'gradient' the loss of the gradient pass), which q-FedAvg needs.
 *
 * Algorithms with client memory keep it in `state` (its own MemoryClientState unless the
 * simulation passes the one it keeps between a client's tasks):
 * - `scaffold: true` (SCAFFOLD): the weights sent are the model followed by the server's
 *   control variate c (tensors named 'scaffold.c/<name>'); local steps use the gradient
 *   corrected by c − c_i, c_i is kept under 'scaffold/ci', and the update is Δy then Δc.
 * - `dittoLambda` (Ditto), with `personalEpochs`, `personalLr`: besides the global update,
 *   the personal model v_k ('ditto/v') takes s epochs towards F_k + λ/2‖v − w_t‖²;
 *   reports `personalLoss`.
 * - `personalLayers` (FedPer, a regular expression over tensor names): the client's head
 *   ('fedper/personal') is loaded over w_t before training and kept after; its Δ entries
 *   are sent as zeros. With `headEpochs` > 0 (FedRep) the head is trained first with the
 *   base fixed, then the base with the head fixed; reports `headLoss` and `headSteps`.
 * The local work is core's `trainLocal` (strategy/local-algorithms.ts) on this adapter's SGD.
 * `evaluate` scores w_t on the local test data (`loss`, `accuracy`) and, when the state
 * holds a personal model (Ditto's v_k, or w_t with the FedPer head), also `personalLoss`
 * and `personalAccuracy`; with `personal: true` in the evaluation config (Ditto, FedPer)
 * a client without one reports w_t's figures as its personal ones.
 *
 * Several clients may share one adapter (one model in memory): each call sets the weights
 * it needs first, and calls must not overlap.
 */
export class TfjsClient implements Client {
  constructor(
    readonly id: string,
    private readonly adapter: TfjsModelAdapter,
    private readonly trainData: LabeledData,
    private readonly testData?: LabeledData,
    readonly state: ClientState = new MemoryClientState(),
  ) {}

  async train(ins: TrainIns): Promise<TrainRes> {
    const c = ins.config;
    if (c.mode === 'gradient') {
      if (dpSgdFromConfig(c)) {
        throw new FederaError(
          'E_CONFIG',
          'DP-SGD needs local training steps; a full-batch gradient (FedSGD) would leave without noise',
          'use strategy fedavg with DP-SGD, or client-level DP (privacy.clipNorm) with FedSGD',
        );
      }
      this.adapter.setWeights(ins.weights);
      const g = await this.adapter.gradient(this.trainData);
      const metrics: Metrics = c.reportInitialLoss ? { loss: g.loss, initialLoss: g.loss } : { loss: g.loss };
      return { clientId: this.id, update: g.gradient, numExamples: g.numExamples, metrics };
    }
    if (c.mode !== undefined && c.mode !== 'train') {
      throw new FederaError('E_CONFIG', `unknown training mode '${String(c.mode)}'`, "use 'train' or 'gradient'");
    }
    let initial: Metrics = {};
    if (c.reportInitialLoss) {
      this.adapter.setWeights(c.scaffold ? splitControl(ins.weights).model : ins.weights);
      initial = { initialLoss: (await this.adapter.evaluate(this.trainData)).loss };
    }
    const dp = dpSgdFromConfig(c);
    const r = await trainLocal(ins, this.state, (start, o) => this.sgd(start, o, dp));
    return {
      clientId: this.id,
      update: r.update,
      numExamples: this.trainData.y.length,
      metrics: { ...r.metrics, ...initial, ...dpSgdMetrics(c, ins.round, this.trainData.y.length) },
    };
  }

  async evaluate(ins: EvaluateIns): Promise<EvaluateRes> {
    const data = this.testData ?? this.trainData;
    const batchSize = Number(ins.config.batchSize ?? 1000);
    this.adapter.setWeights(ins.weights);
    const r = await this.adapter.evaluate(data, { batchSize });
    const metrics: Metrics = { accuracy: r.accuracy };
    const personal = personalModel(ins.weights, this.state, ins.config);
    if (personal) {
      if (personal !== ins.weights) this.adapter.setWeights(personal);
      const p = personal === ins.weights ? r : await this.adapter.evaluate(data, { batchSize });
      metrics.personalLoss = p.loss;
      metrics.personalAccuracy = p.accuracy;
    }
    return { clientId: this.id, loss: r.loss, numExamples: r.numExamples, metrics };
  }

  /** Core's LocalSgd on the TF.js adapter: the proximal anchor, SCAFFOLD's correction, FedRep's frozen part. */
  private async sgd(start: Weights, o: LocalSgdOptions, dpSgd?: DpSgdOptions): Promise<LocalSgdResult> {
    this.adapter.setWeights(start);
    const r = await this.adapter.train(this.trainData, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      ...(o.proximalMu ? { proximalMu: o.proximalMu } : {}),
      ...(o.anchor ? { proximalAnchor: o.anchor } : {}),
      ...(o.correction ? { gradientCorrection: o.correction } : {}),
      ...(o.trainOnly ? { trainOnly: o.trainOnly } : {}),
      ...(dpSgd ? { dpSgd } : {}),
    });
    return { weights: this.adapter.getWeights(), steps: r.steps, loss: r.loss };
  }
}
