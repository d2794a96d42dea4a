import { FederaError } from '../errors.js';
import type { ClientInfo, EvaluateIns, EvaluateRes, Outcome, TrainIns, TrainRes } from '../messages.js';
import type { Rng } from '../rng.js';
import type { EvaluateAggregate, Strategy, TrainAggregate } from '../strategy.js';
import type { Weights } from '../weights.js';
import { RdpAccountant } from './rdp.js';

export interface PrivacyLedgerOptions {
  /** z: the noise multiplier the mechanism inside `inner` applies to the clipped sum each round. */
  readonly noiseMultiplier: number;
  /** δ at which ε is reported (default 1e-5). */
  readonly delta?: number;
}

/**
 * The privacy accounting of client-level DP when the noise is added somewhere the server
 * does not see — distributed noise before secure aggregation (`withSecureAggregation`'s
 * `dp`): each round that trains is one sampled Gaussian mechanism with q = clients asked /
 * clients available and σ = z, composed in an `RdpAccountant` (the same accounting as
 * `withDifferentialPrivacy`). Adds `dp_epsilon` (ε spent so far at δ) to every training
 * round's metrics; changes nothing else.
 *
 * @example
 * const s = withPrivacyLedger(withSecureAggregation(new FedAvg(o), { clip: 1, dp: { clipNorm: 1, noiseMultiplier: 1 } }), { noiseMultiplier: 1 });
 */
export function withPrivacyLedger(inner: Strategy, opts: PrivacyLedgerOptions): Strategy {
  if (!(opts.noiseMultiplier > 0 && Number.isFinite(opts.noiseMultiplier))) {
    throw new FederaError('E_ARG', `noiseMultiplier must be a positive number, got ${opts.noiseMultiplier}`);
  }
  const delta = opts.delta ?? 1e-5;
  const acc = new RdpAccountant();
  const rates = new Map<number, number>();
  return {
    name: inner.name,
    configureTrain(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): TrainIns[] {
      const ins = inner.configureTrain(round, global, nodes, rng);
      if (ins.length > 0 && nodes.length > 0) rates.set(round, Math.min(1, ins.length / nodes.length));
      return ins;
    },
    async aggregateTrain(
      round: number,
      global: Weights,
      replies: AsyncIterable<Outcome<TrainRes>>,
    ): Promise<TrainAggregate> {
      const agg = await inner.aggregateTrain(round, global, replies);
      const q = rates.get(round);
      rates.delete(round);
      if (q !== undefined) acc.step(q, opts.noiseMultiplier);
      return { ...agg, metrics: { ...agg.metrics, dp_epsilon: acc.epsilon(delta).epsilon } };
    },
    configureEvaluate(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): EvaluateIns[] {
      return inner.configureEvaluate(round, global, nodes, rng);
    },
    aggregateEvaluate(round: number, replies: AsyncIterable<Outcome<EvaluateRes>>): Promise<EvaluateAggregate> {
      return inner.aggregateEvaluate(round, replies);
    },
  };
}
