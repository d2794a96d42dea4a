import { errorInfo, FederaError } from '../errors.js';
import type { ClientInfo, EvaluateIns, EvaluateRes, Metrics, Outcome, TrainIns, TrainRes } from '../messages.js';
import { Rng } from '../rng.js';
import { replyProblem } from '../strategy/weighted-updates.js';
import type { ClientRecord, EvaluateAggregate, Strategy, TrainAggregate } from '../strategy.js';
import { Weights } from '../weights.js';
import { thresholdError } from './client.js';
import type { SecAggCrypto } from './crypto.js';
import { neighbourhoodSize } from './graph.js';
import { runSecAggSession, type SecAggChannel } from './network.js';
import { SECAGG_PHASES, type SecAggPhase } from './params.js';
import { SECURE_AGGREGATION_KEY } from './participant.js';
import { runSecAggRound, type SecAggRoundResult } from './round.js';
import type { SecAggDpOptions } from './server.js';

/** A seeded dropout model: in each round, round(fraction·n) random clients stop answering from `phase` on. */
export interface SecAggDropoutModel {
  readonly fraction: number;
  /** Default 'maskedInputCollection': they shared keys but never send y_u, so their pairwise masks must be recovered. */
  readonly phase?: SecAggPhase;
}

export interface SecureAggregationOptions {
  /** c: each update coordinate is clipped to [−c, c] before quantization (e.g. 1; pick it above typical |Δ|). */
  readonly clip: number;
  /** k: the ring Z_{2^k} (default 32: quantization step (n·c)/2^31). */
  readonly bits?: number;
  /** 'secagg+' (default: a Harary graph of degree `degree`) or 'secagg' (every pair of clients masks). */
  readonly mode?: 'secagg' | 'secagg+';
  /** SecAgg+ degree k (default 4·log2 n rounded up to even, capped at n − 1). */
  readonly degree?: number;
  /** t as a fraction of each neighbourhood (0 < t < 1) or a share count (≥ 2); default a majority ⌊|N̄|/2⌋ + 1. */
  readonly threshold?: number;
  /** 'examples' (FedAvg weights n_k; default without dp) or 'uniform' (default and required with dp). */
  readonly weighting?: 'examples' | 'uniform';
  /** The weight cap: clients send w_k = min(n_k / maxExamples, 1). Default: the round's largest n_k (a simulation shortcut). */
  readonly maxExamples?: number;
  /** Distributed discrete Gaussian noise: the sum of n inputs carries std z·S (each client adds z·S/√n). */
  readonly dp?: SecAggDpOptions;
  /** Simulated dropouts (none by default). */
  readonly dropout?: SecAggDropoutModel;
  /** Seeds the simulated protocol (keys, masks, rounding, noise) and the dropout model (default 0). */
  readonly seed?: number | string;
  /**
   * Run the protocol with the clients themselves over this channel (the network server's):
   * training instructions then carry `secure_aggregation: 'secagg'`, clients keep their
   * update and send it only masked, and this process never sees one update. Without it the
   * clients' steps are simulated here on the plain updates. Real dropouts only: `dropout`
   * does not apply.
   */
  readonly channel?: SecAggChannel;
  /**
   * The cryptographic primitives of this process's protocol steps (the server's, and in
   * simulation the clients'): default `webCryptoSecAgg`; in Node `nodeSecAggCrypto` from
   * @federa/client is ~4× faster.
   */
  readonly crypto?: SecAggCrypto;
}

/**
 * Secure aggregation around a mean-based strategy (FedAvg, FedAvgM, FedAdam, …): the server
 * learns only the sum of the clients' updates, never one update (Bonawitz et al. 2017; with
 * `mode: 'secagg+'`, Bell et al. 2020). Each round, the valid updates are clipped to [−c, c],
 * quantized into Z_{2^k}, masked and unmasked by `runSecAggRound`; the inner strategy then
 * receives the resulting mean as a single update, so its server step applies unchanged.
 * Weighted: the mean is Σ w_k Δ_k / Σ w_k with w_k = min(n_k / maxExamples, 1) — exactly
 * FedAvg's weights while no n_k exceeds the cap. With `dp`, the mean is sum / n (n the
 * clients that entered the protocol, DP-FedAvg's fixed denominator).
 *
 * In simulation the clients' protocol steps run here, in process, on the updates the
 * clients returned: this measures the protocol's cost and shows it surviving dropouts, but it
 * protects nothing (the updates already reached this process). Deployments run
 * `SecAggClient` on the clients. When too many clients drop (fewer than t left), the round
 * is aborted, not the run: the weights stay unchanged, `secagg_aborted` is 1 and every client
 * record carries the E_SECAGG_THRESHOLD message. Round metrics: `secagg_survivors`,
 * `secagg_dropped`, `secagg_bytes_up`, `secagg_bytes_down`, `secagg_ms` (client + server
 * compute), `secagg_threshold`, `secagg_neighbourhood`, and `secagg_noise_std` with dp.
 *
 * @example
 * const s = withSecureAggregation(new FedAvg({ fraction: 1, epochs: 1, batchSize: 10, lr: 0.1 }), { clip: 1 });
 */
export function withSecureAggregation(inner: Strategy, opts: SecureAggregationOptions): SecureAggregation {
  return new SecureAggregation(inner, opts);
}

export class SecureAggregation implements Strategy {
  readonly name: string;
  private readonly weighting: 'examples' | 'uniform';

  constructor(
    private readonly inner: Strategy,
    private readonly opts: SecureAggregationOptions,
  ) {
    this.name = `${inner.name}+secagg`;
    const arg = (ok: boolean, msg: string, hint?: string) => {
      if (!ok) throw new FederaError('E_ARG', `withSecureAggregation: ${msg}`, hint);
    };
    arg(opts.clip > 0 && Number.isFinite(opts.clip), `clip must be a positive number, got ${opts.clip}`, 'e.g. 1');
    const bits = opts.bits ?? 32;
    arg(Number.isInteger(bits) && bits >= 2 && bits <= 32, `bits must be an integer in [2, 32], got ${bits}`, 'use 32');
    const mode = opts.mode ?? 'secagg+';
    arg(mode === 'secagg' || mode === 'secagg+', `mode must be 'secagg' or 'secagg+', got '${mode}'`);
    if (opts.degree !== undefined) {
      arg(mode === 'secagg+', "degree applies to mode 'secagg+' only");
      arg(Number.isInteger(opts.degree) && opts.degree >= 2, `degree must be an integer ≥ 2, got ${opts.degree}`);
    }
    const t = opts.threshold;
    if (t !== undefined) {
      arg(
        (t > 0 && t < 1) || (Number.isInteger(t) && t >= 2),
        `threshold must be in (0, 1) or an integer ≥ 2, got ${t}`,
      );
    }
    this.weighting = opts.weighting ?? (opts.dp ? 'uniform' : 'examples');
    arg(this.weighting === 'examples' || this.weighting === 'uniform', `weighting must be 'examples' or 'uniform'`);
    if (opts.dp) {
      arg(this.weighting === 'uniform', "dp needs weighting 'uniform'", 'the sensitivity of a weighted sum is not S');
      const { clipNorm, noiseMultiplier } = opts.dp;
      arg(clipNorm > 0 && Number.isFinite(clipNorm), `dp.clipNorm must be a positive number, got ${clipNorm}`);
      arg(noiseMultiplier > 0 && Number.isFinite(noiseMultiplier), `dp.noiseMultiplier must be positive`);
    }
    if (opts.maxExamples !== undefined) {
      arg(opts.maxExamples > 0 && Number.isFinite(opts.maxExamples), `maxExamples must be a positive number`);
    }
    const d = opts.dropout;
    if (d && opts.channel) arg(false, 'dropout simulates dropouts in process; with a channel, clients drop for real');
    if (d) {
      arg(d.fraction >= 0 && d.fraction < 1, `dropout.fraction must be in [0, 1), got ${d.fraction}`);
      arg(
        d.phase === undefined || SECAGG_PHASES.includes(d.phase),
        `dropout.phase must be one of ${SECAGG_PHASES.join(', ')}`,
      );
    }
  }

  configureTrain(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): TrainIns[] {
    const ins = this.inner.configureTrain(round, global, nodes, rng);
    if (!this.opts.channel) return ins;
    return ins.map((i) => ({ ...i, config: { ...i.config, [SECURE_AGGREGATION_KEY]: 'secagg' } }));
  }

  async aggregateTrain(
    round: number,
    global: Weights,
    replies: AsyncIterable<Outcome<TrainRes>>,
  ): Promise<TrainAggregate> {
    const channel = this.opts.channel;
    const failed: ClientRecord[] = [];
    const valid: TrainRes[] = [];
    for await (const o of replies) {
      // Over a channel the update stays on the client until it is masked: only n_k and metrics arrive here.
      const problem = channel ? withheldProblem(o) : replyProblem(global, o);
      if (problem !== undefined || !o.ok) failed.push({ clientId: o.clientId, ok: false, error: problem });
      else valid.push(o.value);
    }
    if (valid.length === 0) return { weights: global.clone(), metrics: {}, clients: failed };
    const seed = this.opts.seed ?? 0;
    const ids = valid.map((r) => r.clientId);
    const dropouts = this.dropouts(ids, new Rng(`${seed}:dropout:${round}`));
    const mode = this.opts.mode ?? 'secagg+';
    const neighbours: 'complete' | 'harary' | number = mode === 'secagg' ? 'complete' : (this.opts.degree ?? 'harary');
    const threshold = this.opts.threshold ?? Math.floor(neighbourhoodSize(ids.length, neighbours) / 2) + 1;
    let res: Omit<SecAggRoundResult, 'clientMs' | 'maxClientMs' | 'serverMs'>;
    const whyOut = new Map<string, string>();
    const t0 = performance.now();
    try {
      if (valid.length < 2) {
        throw thresholdError(`${valid.length} valid update: secure aggregation needs at least 2`);
      }
      const size = neighbourhoodSize(ids.length, neighbours);
      if (threshold >= 1 && threshold > size) {
        throw thresholdError(`${valid.length} valid updates (neighbourhoods of ${size}), fewer than t = ${threshold}`);
      }
      const common = {
        weights: this.weighting === 'examples' ? valid.map((r) => r.numExamples) : undefined,
        maxWeight: this.opts.maxExamples,
        threshold,
        neighbours,
        bits: this.opts.bits,
        clip: this.opts.clip,
        dp: this.opts.dp,
        ...(this.opts.crypto ? { crypto: this.opts.crypto } : {}),
      };
      if (channel) {
        const r = await runSecAggSession({
          ...common,
          channel,
          round,
          clientIds: ids,
          vectorLength: global.size,
        });
        for (const f of r.failures) whyOut.set(f.clientId, `${f.error} (during ${f.phase})`);
        res = r;
      } else {
        res = await runSecAggRound({
          ...common,
          vectors: valid.map((r) => r.update.data),
          ids,
          dropouts: dropouts.phase ? [{ phase: dropouts.phase, clientIds: dropouts.ids }] : [],
          rng: new Rng(`${seed}:secagg:${round}`),
        });
        for (const id of dropouts.ids) whyOut.set(id, `E_SECAGG_DROPOUT: dropped during ${dropouts.phase} (simulated)`);
      }
    } catch (e) {
      const info = errorInfo(e);
      if (info.code !== 'E_SECAGG_THRESHOLD') throw e;
      const error = `${info.code}: ${info.message}`;
      const clients = [...failed, ...valid.map((r) => ({ clientId: r.clientId, ok: false, error }))];
      return { weights: global.clone(), metrics: { secagg_aborted: 1, secagg_survivors: 0 }, clients };
    }
    const ms = performance.now() - t0;
    const included = new Set(res.survivors);
    const mean = this.opts.dp ? res.sum.map((x) => x / valid.length) : res.mean;
    const update = new Weights(global.specs, Float32Array.from(mean));
    const agg = await this.inner.aggregateTrain(
      round,
      global,
      once({
        ok: true,
        clientId: 'secagg-aggregate',
        value: { clientId: 'secagg-aggregate', update, numExamples: 1, metrics: {} },
      }),
    );
    const clients: ClientRecord[] = [...failed];
    let examples = 0;
    let lossSum = 0;
    let lossN = 0;
    for (const r of valid) {
      if (!included.has(r.clientId)) {
        const error = `${whyOut.get(r.clientId) ?? 'E_SECAGG_DROPOUT: dropped'}; its update is not in the sum`;
        clients.push({ clientId: r.clientId, ok: false, error });
        continue;
      }
      examples += r.numExamples;
      const loss = r.metrics.loss;
      if (loss !== undefined && Number.isFinite(loss)) {
        lossSum += loss * r.numExamples;
        lossN += r.numExamples;
      }
      clients.push({ clientId: r.clientId, ok: true, numExamples: r.numExamples, metrics: r.metrics });
    }
    const metrics: Metrics = {
      ...agg.metrics,
      ...(lossN > 0 ? { loss: lossSum / lossN } : {}),
      examples,
      secagg_survivors: res.survivors.length,
      secagg_dropped: res.dropped.length,
      secagg_bytes_up: res.bytesUp,
      secagg_bytes_down: res.bytesDown,
      secagg_ms: ms,
      secagg_threshold: res.threshold,
      secagg_neighbourhood: res.neighbourhood,
    };
    if (this.weighting === 'examples' && this.opts.maxExamples !== undefined) {
      metrics.secagg_capped = valid.filter((r) => r.numExamples > this.opts.maxExamples!).length;
    }
    if (this.opts.dp) {
      const { clipNorm, noiseMultiplier } = this.opts.dp;
      metrics.secagg_noise_std = noiseMultiplier * clipNorm * Math.sqrt(res.survivors.length / valid.length);
    }
    return { weights: agg.weights, metrics, clients };
  }

  configureEvaluate(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): EvaluateIns[] {
    return this.inner.configureEvaluate(round, global, nodes, rng);
  }

  aggregateEvaluate(round: number, replies: AsyncIterable<Outcome<EvaluateRes>>): Promise<EvaluateAggregate> {
    return this.inner.aggregateEvaluate(round, replies);
  }

  private dropouts(ids: readonly string[], rng: Rng): { phase?: SecAggPhase; ids: string[] } {
    const d = this.opts.dropout;
    const count = d ? Math.round(d.fraction * ids.length) : 0;
    if (!d || count === 0) return { ids: [] };
    return { phase: d.phase ?? 'maskedInputCollection', ids: rng.sample(ids.length, count).map((i) => ids[i]!) };
  }
}

/** A training reply whose update the client withheld for secure aggregation: it must report examples. */
function withheldProblem(o: Outcome<TrainRes>): string | undefined {
  if (!o.ok) return `${o.error.code}: ${o.error.message}`;
  const n = o.value.numExamples;
  if (!(n > 0 && Number.isFinite(n))) return `E_ARG: numExamples must be positive, got ${n}`;
  return undefined;
}

async function* once<T>(x: T): AsyncIterable<T> {
  yield x;
}
