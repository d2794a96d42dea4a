import { errorInfo, FederaError } from '../errors.js';
import type { ClientInfo, EvaluateIns, EvaluateRes, Metrics, Outcome, TrainIns, TrainRes } from '../messages.js';
import type { Rng } from '../rng.js';
import { replyProblem } from '../strategy/weighted-updates.js';
import type { ClientRecord, EvaluateAggregate, Strategy, TrainAggregate } from '../strategy.js';
import { Weights } from '../weights.js';
import { Ckks, type CkksKeyPair, type CkksOptions } from './ckks.js';
import { generatePaillierKeys, type PaillierKeyPair } from './paillier.js';
import type { PaillierKeyShare } from './paillier-shares.js';
import { ckksRound, type HeRound, paillierRound } from './sessions.js';

interface CommonOptions {
  /** 'examples' (default): Σ n_k·Δ_k / Σ n_k as FedAvg; 'uniform': the plain mean of the updates. */
  readonly weighting?: 'examples' | 'uniform';
  /** Most clients one round may sum (default: the number configureTrain asked that round). */
  readonly clients?: number;
}

export interface PaillierAggregationOptions extends CommonOptions {
  readonly scheme: 'paillier';
  /** Every coordinate of an update is clipped to [−range, range] before encryption (metric he_clipped). */
  readonly range: number;
  /** The key pair (the key holder's); default: generated on first use with `bits`. */
  readonly keys?: PaillierKeyPair;
  /** Modulus bits for generated keys (default 2048). */
  readonly bits?: number;
  /** Seeds generated keys (simulation and tests only: the seed reveals the key). */
  readonly seed?: number | string;
  /** Largest numExamples a client may report under 'examples' weighting (default 65,536). */
  readonly maxExamples?: number;
  /** Bits per slot (default ⌈log2(clients·maxExamples)⌉ + 26). */
  readonly slotBits?: number;
  /**
   * Decrypt with n-of-n key shares (`splitPaillierKey(keys.privateKey, parties)`) instead of a
   * single key holder; every share takes part (in-process in simulation). ~16× slower.
   */
  readonly shares?: readonly PaillierKeyShare[];
}

export interface CkksAggregationOptions extends CommonOptions {
  readonly scheme: 'ckks';
  readonly ckks?: CkksOptions;
}

export type HomomorphicOptions = PaillierAggregationOptions | CkksAggregationOptions;

/**
 * Secure aggregation by additively homomorphic encryption around a mean-based strategy
 * (FedAvg, FedAvgM, FedAdam, …). Each update is encrypted under the key holder's public
 * key; the server only multiplies/adds ciphertexts (Paillier) or adds them (CKKS) and never
 * sees an individual update; the key holder decrypts only the weighted sum Σ w_k·Δ_k. The
 * mean Σ w_k·Δ_k / Σ w_k is handed to the inner strategy as a single update, so its server
 * step applies unchanged (as `withDifferentialPrivacy` does). Inner strategies that need
 * each update (Krum, median, FedNova, SCAFFOLD) cannot run under encryption.
 *
 * In simulation all three roles run here, in-process: the wrapper encrypts each client's
 * reply as the client would (timed as he_encrypt_ms), passes only the bytes to the server
 * step (he_add_ms), and decrypts the sum as the key holder (he_decrypt_ms). The data flow
 * is the deployed one; the separation of the machines is not enforced in a simulation.
 * Example counts, client metrics and the fact that a client answered stay in the clear.
 *
 * Paillier: coordinates are clipped to ±range and quantised to the encoder's fixed point
 * (error ≤ 0.5/scale per coordinate of the mean; see `PaillierEncoder`); weights are
 * integer scalar multiplications by n_k on the server. CKKS: clients encrypt n_k·Δ_k,
 * approximate to ~1e-8. Round metrics: he_bytes_up, he_expansion (ciphertext bytes per
 * float32 byte), he_encrypt_ms, he_add_ms, he_decrypt_ms, he_clipped (Paillier).
 *
 * @example
 * const he = withHomomorphicAggregation(new FedAvg({ fraction: 0.1, epochs: 1, batchSize: 10, lr: 0.1 }),
 *   { scheme: 'paillier', range: 0.5 });
 */
export function withHomomorphicAggregation(inner: Strategy, opts: HomomorphicOptions): HomomorphicAggregation {
  return new HomomorphicAggregation(inner, opts);
}

export class HomomorphicAggregation implements Strategy {
  readonly name: string;
  private paillierKeys: PaillierKeyPair | undefined;
  private ckks: { ctx: Ckks; keys: CkksKeyPair } | undefined;
  private readonly asked = new Map<number, number>();

  constructor(
    private readonly inner: Strategy,
    private readonly opts: HomomorphicOptions,
  ) {
    this.name = `${inner.name}+he`;
    const w = opts.weighting ?? 'examples';
    if (w !== 'examples' && w !== 'uniform') {
      throw new FederaError('E_ARG', `weighting must be 'examples' or 'uniform', got '${w}'`);
    }
    if (opts.clients !== undefined && !(Number.isSafeInteger(opts.clients) && opts.clients >= 1)) {
      throw new FederaError('E_ARG', `clients must be a positive integer, got ${opts.clients}`);
    }
    if (opts.scheme === 'paillier') {
      if (!(opts.range > 0 && Number.isFinite(opts.range))) {
        throw new FederaError(
          'E_ARG',
          `range must be a positive number, got ${opts.range}`,
          'the largest |coordinate| of an update, e.g. 1',
        );
      }
      const me = opts.maxExamples ?? 65536;
      if (!(Number.isSafeInteger(me) && me >= 1))
        throw new FederaError('E_ARG', `maxExamples must be a positive integer, got ${me}`);
      this.paillierKeys = opts.keys;
      const sh = opts.shares;
      if (sh && (sh.length < 2 || !opts.keys || sh.some((x) => x.publicKey.n !== opts.keys?.publicKey.n))) {
        throw new FederaError(
          'E_ARG',
          'shares need at least 2 shares of the private key in `keys`',
          'splitPaillierKey(keys.privateKey, parties)',
        );
      }
    } else if (opts.scheme !== 'ckks') {
      throw new FederaError(
        'E_ARG',
        `scheme must be 'paillier' or 'ckks', got '${(opts as { scheme: string }).scheme}'`,
      );
    }
  }

  /** The Paillier key pair in use (generated on first aggregation when not given). */
  get keys(): PaillierKeyPair | undefined {
    return this.paillierKeys;
  }

  configureTrain(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): TrainIns[] {
    const ins = this.inner.configureTrain(round, global, nodes, rng);
    this.asked.set(round, ins.length);
    return ins;
  }

  async aggregateTrain(
    round: number,
    global: Weights,
    replies: AsyncIterable<Outcome<TrainRes>>,
  ): Promise<TrainAggregate> {
    const asked = this.asked.get(round);
    this.asked.delete(round);
    const clientsCap = this.opts.clients ?? asked;
    if (clientsCap === undefined) {
      throw new FederaError(
        'E_STATE',
        `round ${round} was not configured by this wrapper`,
        'call configureTrain first, or set the clients option',
      );
    }
    const uniform = this.opts.weighting === 'uniform';
    const he = await this.round(global.size, Math.max(1, clientsCap));
    const clients: ClientRecord[] = [];
    const m: Record<string, number> = { he_bytes_up: 0, he_encrypt_ms: 0, he_add_ms: 0, he_decrypt_ms: 0 };
    let clipped = 0;
    let total = 0;
    let count = 0;
    const metricSums: Record<string, number> = {};
    try {
      for await (const o of replies) {
        const problem = replyProblem(global, o);
        if (problem !== undefined || !o.ok) {
          clients.push({ clientId: o.clientId, ok: false, error: problem });
          continue;
        }
        const r = o.value;
        const weight = uniform ? 1 : r.numExamples;
        if (count >= clientsCap) {
          clients.push({ clientId: o.clientId, ok: false, error: `E_HE_OVERFLOW: more than ${clientsCap} replies` });
          continue;
        }
        try {
          let t = performance.now();
          const sent = he.clientEncrypt(r.update.data, weight); // client side
          m.he_encrypt_ms += performance.now() - t;
          t = performance.now();
          he.serverAdd(sent.bytes, weight); // server side: bytes and the public key only
          m.he_add_ms += performance.now() - t;
          m.he_bytes_up += sent.bytes.length;
          clipped += sent.clipped;
          clients.push({
            clientId: o.clientId,
            ok: true,
            numExamples: r.numExamples,
            metrics: { ...r.metrics, he_clipped: sent.clipped },
          });
        } catch (e) {
          const info = errorInfo(e);
          clients.push({ clientId: o.clientId, ok: false, error: `${info.code}: ${info.message}` });
          continue;
        }
        count++;
        total += weight;
        for (const [k, v] of Object.entries(r.metrics)) {
          if (Number.isFinite(v)) metricSums[k] = (metricSums[k] ?? 0) + v * weight;
        }
      }
      const metrics: Metrics = {};
      for (const [k, s] of Object.entries(metricSums)) metrics[k] = s / total;
      const heMetrics: Metrics = { ...m, he_expansion: count > 0 ? m.he_bytes_up / (4 * global.size * count) : 0 };
      if (this.opts.scheme === 'paillier') heMetrics.he_clipped = clipped;
      if (count === 0) {
        return { weights: global.clone(), metrics: { ...metrics, examples: 0, ...heMetrics }, clients };
      }
      const t = performance.now();
      const sum = he.keyHolderDecrypt(); // key holder: only the sum is ever decrypted
      heMetrics.he_decrypt_ms = performance.now() - t;
      const mean = new Weights(global.specs, sum).scale(1 / total);
      const update: TrainRes = { clientId: 'he-aggregate', update: mean, numExamples: 1, metrics: {} };
      const agg = await this.inner.aggregateTrain(
        round,
        global,
        once({ ok: true, clientId: 'he-aggregate', value: update }),
      );
      const examples = clients.reduce((s, c) => s + (c.ok ? (c.numExamples ?? 0) : 0), 0);
      return { weights: agg.weights, metrics: { ...agg.metrics, ...metrics, examples, ...heMetrics }, clients };
    } finally {
      he.dispose();
    }
  }

  configureEvaluate(round: number, global: Weights, nodes: readonly ClientInfo[], rng: Rng): EvaluateIns[] {
    return this.inner.configureEvaluate(round, global, nodes, rng);
  }

  aggregateEvaluate(round: number, replies: AsyncIterable<Outcome<EvaluateRes>>): Promise<EvaluateAggregate> {
    return this.inner.aggregateEvaluate(round, replies);
  }

  /** Frees the CKKS context and keys (SEAL memory); the wrapper can still be used afterwards. */
  dispose(): void {
    if (!this.ckks) return;
    this.ckks.keys.publicKey.delete();
    this.ckks.keys.secretKey.delete();
    this.ckks.ctx.delete();
    this.ckks = undefined;
  }

  private async round(length: number, clients: number): Promise<HeRound> {
    const o = this.opts;
    if (o.scheme === 'ckks') {
      if (!this.ckks) {
        const ctx = await Ckks.load(o.ckks);
        this.ckks = { ctx, keys: ctx.generateKeys() };
      }
      return ckksRound(this.ckks.ctx, this.ckks.keys, length);
    }
    this.paillierKeys ??= generatePaillierKeys(o.bits ?? 2048, o.seed !== undefined ? { seed: o.seed } : {});
    return paillierRound({
      keys: this.paillierKeys,
      length,
      range: o.range,
      clients,
      maxWeight: o.weighting === 'uniform' ? 1 : (o.maxExamples ?? 65536),
      ...(o.slotBits !== undefined ? { slotBits: o.slotBits } : {}),
      ...(o.shares ? { shares: o.shares } : {}),
    });
  }
}

async function* once<T>(x: T): AsyncIterable<T> {
  yield x;
}
