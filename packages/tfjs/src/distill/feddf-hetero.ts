// Engine-free: imports nothing from TF.js, so it can move to @federa/core as it is.
import {
  type ClientRecord,
  errorInfo,
  FedAvg,
  type FedAvgOptions,
  FederaError,
  joinParts,
  type Metrics,
  type Outcome,
  partOf,
  partPrefixes,
  replyProblem,
  type TrainAggregate,
  type TrainRes,
  Weights,
} from '@federa/core';
import type { ReceivedModel } from './feddf.js';

/** One architecture of a heterogeneous round: its current global model and what its clients sent. */
export interface PrototypeRound {
  /** The architecture's name: its prefix in the joined global state. */
  readonly prefix: string;
  /** Its current global model w_t^p. */
  readonly global: Weights;
  /** Its clients' models w_k = w_t^p + Δ_k this round (may be empty). */
  readonly received: readonly ReceivedModel[];
}

/**
 * The server's fusion step for several architectures, injected so the strategy stays
 * engine-free: returns each prototype's new global model, in the order given.
 * `distillPrototypes` is the TF.js implementation (average per architecture, then distil
 * each average from the ensemble of all received models).
 */
export type PrototypeFuser = (round: number, prototypes: readonly PrototypeRound[]) => Promise<readonly Weights[]>;

export interface FedDFHeteroOptions extends FedAvgOptions {
  /** The architecture (prefix in the joined global state) client `clientId` trains. */
  readonly architectureOf: (clientId: string) => string;
  readonly fuse: PrototypeFuser;
}

/**
 * FedDF for a federation of several architectures (Lin et al. 2020, §3): the global state is
 * one model per architecture, joined (`joinParts`, prefix = architecture name). FedAvg's
 * sampling and client config; each client trains its own architecture's part and sends an
 * update that is zero elsewhere. On the server the valid replies are grouped by
 * architecture (`architectureOf`), each client's model w_k = w_t^p + Δ_k^p is formed, and
 * `fuse` returns every architecture's new model (FedDF: the per-architecture average
 * distilled towards the ensemble of ALL received models on unlabeled server data), joined
 * into w_{t+1}. Holds a round's client models at once: memory O(K·model). When nobody
 * answered, w_t is kept and `fuse` is not called; a fuser that fails or returns a wrong layout
 * or non-finite values fails the round with E_DISTILL. Round metrics: `loss` (example-
 * weighted mean of the clients' training loss), `distill_teachers`, and `teachers_<arch>`.
 *
 * @example
 * new FedDFHetero({ fraction: 0.2, epochs: 1, batchSize: 10, lr: 0.05,
 *   architectureOf: (id) => arch.get(id)!, fuse: async (round, protos) => ... });
 */
export class FedDFHetero extends FedAvg {
  override readonly name: string = 'feddf';
  private readonly hetero: FedDFHeteroOptions;

  constructor(opts: FedDFHeteroOptions) {
    super(opts);
    if (typeof opts.architectureOf !== 'function' || typeof opts.fuse !== 'function') {
      throw new FederaError(
        'E_ARG',
        'FedDFHetero needs architectureOf(clientId) and fuse(round, prototypes)',
        'pass both; see distillPrototypes for the TF.js fusion',
      );
    }
    this.hetero = opts;
  }

  override async aggregateTrain(
    round: number,
    global: Weights,
    replies: AsyncIterable<Outcome<TrainRes>>,
  ): Promise<TrainAggregate> {
    const prefixes = partPrefixes(global);
    const groups = new Map<string, ReceivedModel[]>(prefixes.map((p) => [p, []]));
    const globals = new Map(prefixes.map((p) => [p, partOf(global, p)]));
    const clients: ClientRecord[] = [];
    let lossSum = 0;
    let total = 0;
    for await (const o of replies) {
      const problem = replyProblem(global, o);
      if (problem !== undefined || !o.ok) {
        clients.push({ clientId: o.clientId, ok: false, error: problem });
        continue;
      }
      const arch = this.hetero.architectureOf(o.clientId);
      const group = groups.get(arch);
      if (!group) {
        clients.push({
          clientId: o.clientId,
          ok: false,
          error: `E_PART: no architecture '${arch}' in the global state`,
        });
        continue;
      }
      const r = o.value;
      const weights = (globals.get(arch) as Weights).clone().add(partOf(r.update, arch));
      group.push({ clientId: o.clientId, weights, n: r.numExamples });
      const loss = r.metrics.loss;
      if (typeof loss === 'number' && Number.isFinite(loss)) {
        lossSum += loss * r.numExamples;
        total += r.numExamples;
      }
      clients.push({ clientId: o.clientId, ok: true, numExamples: r.numExamples, metrics: { ...r.metrics } });
    }
    const metrics: Metrics = {};
    if (total > 0) metrics.loss = lossSum / total;
    let teachers = 0;
    for (const [p, g] of groups) {
      metrics[`teachers_${p}`] = g.length;
      teachers += g.length;
    }
    if (teachers === 0) return { weights: global, metrics, clients };
    const protos = prefixes.map((p) => ({
      prefix: p,
      global: globals.get(p) as Weights,
      received: groups.get(p) ?? [],
    }));
    let fused: readonly Weights[];
    try {
      fused = await this.hetero.fuse(round, protos);
    } catch (e) {
      const info = errorInfo(e);
      throw new FederaError('E_DISTILL', `round ${round}: the fusion failed: ${info.code}: ${info.message}`);
    }
    const bad = protos.findIndex((p, i) => {
      const w = fused[i];
      return !(w instanceof Weights) || !p.global.sameLayout(w) || w.firstNonFinite() >= 0;
    });
    if (fused.length !== protos.length || bad >= 0) {
      throw new FederaError(
        'E_DISTILL',
        `round ${round}: the fusion returned ${fused.length !== protos.length ? `${fused.length} models for ${protos.length} architectures` : `a wrong or non-finite model for '${protos[bad]?.prefix}'`}`,
        "return one model per architecture, in the prototypes' order and layout",
      );
    }
    metrics.distill_teachers = teachers;
    return {
      weights: joinParts(protos.map((p, i) => ({ prefix: p.prefix, weights: fused[i] as Weights }))),
      metrics,
      clients,
    };
  }
}
