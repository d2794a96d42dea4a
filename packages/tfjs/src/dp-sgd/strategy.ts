import type {
  ClientInfo,
  EvaluateIns,
  EvaluateRes,
  Outcome,
  Rng,
  Strategy,
  TrainAggregate,
  TrainIns,
  TrainRes,
  Weights,
} from '@federa/core';
import { DP_SGD_KEYS, dpSgdFromConfig } from './config.js';

/** What `withDpSgd` asks every client for. */
export interface DpSgdStrategyOptions {
  /** C: per-example clip norm. */
  readonly clipNorm: number;
  /** σ: noise multiplier (noise std on a lot's clipped sum = σ·C). */
  readonly noiseMultiplier: number;
  /** δ at which clients report `dpsgd_epsilon` (default 1e-5; keep it below 1/examples per client). */
  readonly delta?: number;
  /** Seeds the clients' lots and noise (reproducible simulation, not private); absent: their CSPRNG. */
  readonly seed?: number | string;
}

/**
 * Asks every client of `inner` for sample-level DP-SGD: each TrainIns config gets the
 * `DP_SGD_KEYS` (`dpSgdClip`, `dpSgdNoise`, `dpSgdDelta`, `dpSgdSeed`), which a client that
 * supports them (`dpSgdFromConfig`, `dpSgdMetrics`) turns into the `dpSgd` train option and
 * reports `dpsgd_epsilon`. The aggregate's round metric `dpsgd_epsilon` is the largest ε the
 * round's clients reported (each an upper bound for its own examples: see `dpSgdEpsilon`);
 * absent when none reported one. Everything else is `inner`'s. Unlike DP-FedAvg, the
 * privacy is enforced on the clients: the server only forwards the settings.
 *
 * @example
 * const s = withDpSgd(new FedAvg({ fraction: 1, epochs: 1, batchSize: 256, lr: 2 }), { clipNorm: 1, noiseMultiplier: 1.1 });
 */
export function withDpSgd(inner: Strategy, opts: DpSgdStrategyOptions): Strategy {
  const extra = {
    [DP_SGD_KEYS.clip]: opts.clipNorm,
    [DP_SGD_KEYS.noise]: opts.noiseMultiplier,
    [DP_SGD_KEYS.delta]: opts.delta ?? 1e-5,
    ...(opts.seed !== undefined ? { [DP_SGD_KEYS.seed]: opts.seed } : {}),
  };
  dpSgdFromConfig(extra); // validates, throwing E_CONFIG
  return {
    name: `${inner.name}+dpsgd`,
    configureTrain(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): TrainIns[] {
      return inner
        .configureTrain(round, global, nodes, rng)
        .map((ins) => ({ ...ins, config: { ...ins.config, ...extra } }));
    },
    async aggregateTrain(
      round: number,
      global: Weights,
      replies: AsyncIterable<Outcome<TrainRes>>,
    ): Promise<TrainAggregate> {
      const agg = await inner.aggregateTrain(round, global, replies);
      const eps = agg.clients.flatMap((c) => {
        const e = c.metrics?.dpsgd_epsilon;
        return e !== undefined && Number.isFinite(e) ? [e] : [];
      });
      return eps.length > 0 ? { ...agg, metrics: { ...agg.metrics, dpsgd_epsilon: Math.max(...eps) } } : agg;
    },
    configureEvaluate(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): EvaluateIns[] {
      return inner.configureEvaluate(round, global, nodes, rng);
    },
    aggregateEvaluate(round: number, replies: AsyncIterable<Outcome<EvaluateRes>>) {
      return inner.aggregateEvaluate(round, replies);
    },
  };
}
