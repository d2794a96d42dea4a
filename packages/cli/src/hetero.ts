import { joinParts, type LabeledData, type Metrics, partOf, type Weights } from '@federa/core';
import { architectureOf, architectures, type ExperimentSpec, type Federation } from '@federa/sim';
import { createModel, distillPrototypes, type PrototypeFuser, TfjsModelAdapter } from '@federa/tfjs';
import type { RunConfig } from './config/index.js';

/** A heterogeneous federation's server side: one model per architecture, FedDF's fusion. */
export interface HeteroServer {
  readonly architectures: readonly string[];
  /** The joined initial global state (one model per architecture). */
  readonly initial: Weights;
  /** The architecture a client trains. */
  readonly architectureOf: (clientId: string) => string;
  /** FedDF's fusion: per-architecture averages distilled from the ensemble on the server's data. */
  readonly fuse: PrototypeFuser;
  /** The headline architecture's (config.model's) part of a global state. */
  headline(w: Weights): Weights;
  /** Test accuracy and loss of every other architecture's part: accuracy_<arch>, loss_<arch>. */
  evaluateOthers(w: Weights, data: LabeledData): Promise<Metrics>;
  dispose(): void;
}

/**
 * The server side of a run whose clients train several architectures (`models`), or
 * undefined for an ordinary run. `headline` is the adapter of `config.model` (the run's
 * evaluation model); the others get their own adapters, which FedDF's fusion also uses.
 */
export async function heteroServer(
  config: RunConfig,
  spec: ExperimentSpec,
  federation: Federation,
  headline: TfjsModelAdapter,
): Promise<HeteroServer | undefined> {
  if (!((spec.models?.length ?? 0) > 0)) return undefined;
  const names = architectures(spec);
  const adapters = new Map<string, TfjsModelAdapter>();
  for (const m of names) {
    adapters.set(m, m === config.model ? headline : new TfjsModelAdapter(createModel(m, { seed: spec.seed })));
  }
  const byId = new Map(federation.clients.map((c, k) => [c.id, architectureOf(spec, k)]));
  const unlabeled = federation.server;
  const d = config.distill;
  return {
    architectures: names,
    // Every adapter holds its architecture's seeded initial weights (the headline one from
    // createExperimentModel, which without transfer is the same zoo model and seed).
    initial: joinParts(names.map((m) => ({ prefix: m, weights: (adapters.get(m) as TfjsModelAdapter).getWeights() }))),
    architectureOf: (id) => byId.get(id) ?? '',
    fuse: async (round, protos) => {
      if (!unlabeled) throw new Error('no server data to distil on (data.serverSamples)');
      const results = await distillPrototypes({
        prototypes: protos.map((p) => ({
          name: p.prefix,
          adapter: adapters.get(p.prefix) as TfjsModelAdapter,
          global: p.global,
          received: p.received,
        })),
        unlabeled,
        seed: config.seed * 7919 + round,
        steps: d.steps,
        batchSize: d.batchSize,
        lr: d.lr,
        temperature: d.temperature,
      });
      return results.map((r) => r.weights);
    },
    headline: (w) => partOf(w, config.model),
    evaluateOthers: async (w, data) => {
      const out: Metrics = {};
      for (const m of names) {
        if (m === config.model) continue;
        const a = adapters.get(m) as TfjsModelAdapter;
        a.setWeights(partOf(w, m));
        const r = await a.evaluate(data);
        out[`accuracy_${m}`] = r.accuracy;
        out[`loss_${m}`] = r.loss;
      }
      return out;
    },
    dispose: () => {
      for (const [m, a] of adapters) if (m !== config.model) a.dispose();
    },
  };
}
