import { FederaError } from '../errors.js';
import type { Rng } from '../rng.js';
import { SecAggClient } from './client.js';
import type { SecAggCrypto } from './crypto.js';
import { maskedWeights, unmaskedMean } from './masked-weights.js';
import { secAggMessageBytes } from './messages.js';
import { SECAGG_PHASES, type SecAggPhase } from './params.js';
import { type SecAggDpOptions, type SecAggResult, SecAggServer } from './server.js';

/** Clients that stop answering from `phase` on: they send nothing in that round or later. */
export interface SecAggDropout {
  readonly phase: SecAggPhase;
  readonly clientIds: readonly string[];
}

export interface SecAggRoundOptions {
  /** x_u: one input per client, all of the same length. */
  readonly vectors: readonly Float32Array[];
  /** n_u ≥ 0 per client for a weighted mean (FedAvg); omitted: plain sum and uniform mean. */
  readonly weights?: readonly number[];
  /** Weights are divided by this cap (and clamped to 1) before masking (default: the largest weight). */
  readonly maxWeight?: number;
  /** Client ids (default 'c0', 'c1', …). */
  readonly ids?: readonly string[];
  /** t: a fraction of each closed neighbourhood (0 < t < 1) or a share count (integer ≥ 2). */
  readonly threshold: number;
  /** 'complete' (SecAgg, default), 'harary' (SecAgg+, degree 4·log2 n) or a SecAgg+ degree. */
  readonly neighbours?: 'complete' | 'harary' | number;
  /** k: the ring Z_{2^k} (default 32). */
  readonly bits?: number;
  /** c: coordinates are clipped to [−c, c]. */
  readonly clip: number;
  readonly dp?: SecAggDpOptions;
  readonly dropouts?: readonly SecAggDropout[];
  /** Seeds the graph, session and every client's secrets: a simulation, reproducible exactly. */
  readonly rng: Rng;
  /** Clients generate their X25519 keys with WebCrypto, unseeded (as deployed; faster); the sum is the same. */
  readonly platformKeys?: boolean;
  /** The cryptographic primitives of the clients and the server (default `webCryptoSecAgg`). */
  readonly crypto?: SecAggCrypto;
}

export interface SecAggRoundResult extends SecAggResult {
  /** Σ_{u ∈ U_3} w_u·x_u / Σ w_u: the (weighted) mean of the surviving inputs, in the original weight units. */
  readonly mean: Float32Array;
  /** Payload bytes sent by all clients / to all clients (see `secAggMessageBytes`). */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Compute time of all clients' steps (run one after another) and of the server's. */
  readonly clientMs: number;
  readonly serverMs: number;
  /** The slowest single client's total: with clients in parallel, a round takes about maxClientMs + serverMs. */
  readonly maxClientMs: number;
  /** t and the neighbourhood size |N̄(u)| used. */
  readonly threshold: number;
  readonly neighbourhood: number;
}

/**
 * Runs one SecAgg (or SecAgg+) session in process: the same `SecAggClient` / `SecAggServer`
 * state machines the network runtime drives, with every message passed directly and the
 * listed dropouts applied. Returns the sum the server learns (Σ n_u·x_u with weights, rescaled
 * from the masked w_u = min(n_u / maxWeight, 1)), the mean, bytes and timings. Throws
 * E_SECAGG_THRESHOLD when too many clients dropped.
 *
 * @example
 * const r = await runSecAggRound({ vectors, threshold: 0.5, clip: 1, rng: new Rng(1) });
 * r.mean; // ≈ the average of `vectors`, within 1/scale per coordinate
 */
export async function runSecAggRound(opts: SecAggRoundOptions): Promise<SecAggRoundResult> {
  const n = opts.vectors.length;
  const ids = opts.ids ?? opts.vectors.map((_, i) => `c${i}`);
  if (ids.length !== n) throw new FederaError('E_ARG', `ids has ${ids.length} entries for ${n} vectors`);
  const m = opts.vectors[0]?.length ?? 0;
  if (opts.vectors.some((v) => v.length !== m)) throw new FederaError('E_SHAPE', 'SecAgg vectors differ in length');
  const { w, cap } = maskedWeights(opts.weights, n, opts.maxWeight);
  const dropAt = new Map<string, number>();
  for (const d of opts.dropouts ?? []) {
    const at = SECAGG_PHASES.indexOf(d.phase);
    if (at < 0)
      throw new FederaError('E_ARG', `unknown SecAgg phase '${d.phase}'`, `use one of ${SECAGG_PHASES.join(', ')}`);
    for (const id of d.clientIds) dropAt.set(id, Math.min(at, dropAt.get(id) ?? at));
  }
  const live = (id: string, phase: number) => (dropAt.get(id) ?? 99) > phase;

  let serverMs = 0;
  const clientTime = new Map<string, number>(ids.map((id) => [id, 0]));
  const timeServer = <T>(f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      serverMs += performance.now() - t0;
    }
  };
  const timeClient = async <T>(id: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    clientTime.set(id, clientTime.get(id)! + performance.now() - t0);
    return r;
  };
  let bytesUp = 0;
  let bytesDown = 0;

  const server = timeServer(
    () =>
      new SecAggServer({
        clientIds: ids,
        vectorLength: m,
        threshold: opts.threshold,
        neighbours: opts.neighbours,
        bits: opts.bits,
        clip: opts.clip,
        weighted: w !== undefined,
        dp: opts.dp,
        rng: opts.rng.fork('server'),
        crypto: opts.crypto,
      }),
  );
  const index = new Map(ids.map((id, i) => [id, i]));
  const clients = new Map(
    ids.map((id) => [
      id,
      new SecAggClient(id, server.params, {
        rng: opts.rng.fork(`client:${id}`),
        platformKeys: opts.platformKeys,
        crypto: opts.crypto,
      }),
    ]),
  );

  for (const id of ids) {
    if (!live(id, 0)) continue;
    const msg = await timeClient(id, () => clients.get(id)!.advertiseKeys());
    bytesUp += secAggMessageBytes(msg);
    timeServer(() => server.receiveAdvertiseKeys(msg));
  }
  const keyLists = timeServer(() => server.finishAdvertiseKeys());
  for (const kl of keyLists) {
    bytesDown += secAggMessageBytes(kl);
    if (!live(kl.to, 1)) continue;
    const msg = await timeClient(kl.to, () => clients.get(kl.to)!.shareKeys(kl));
    bytesUp += secAggMessageBytes(msg);
    timeServer(() => server.receiveShareKeys(msg));
  }
  const forwarded = timeServer(() => server.finishShareKeys());
  for (const fw of forwarded) {
    bytesDown += secAggMessageBytes(fw);
    if (!live(fw.to, 2)) continue;
    const i = index.get(fw.to)!;
    const msg = await timeClient(fw.to, () => clients.get(fw.to)!.maskedInput(fw, opts.vectors[i]!, w?.[i] ?? 1));
    bytesUp += secAggMessageBytes(msg);
    timeServer(() => server.receiveMaskedInput(msg));
  }
  const requests = timeServer(() => server.finishMaskedInputCollection());
  for (const rq of requests) {
    bytesDown += secAggMessageBytes(rq);
    if (!live(rq.to, 3)) continue;
    const msg = await timeClient(rq.to, () => clients.get(rq.to)!.unmask(rq));
    bytesUp += secAggMessageBytes(msg);
    timeServer(() => server.receiveUnmasking(msg));
  }
  const t0 = performance.now();
  const res = await server.finishUnmasking();
  serverMs += performance.now() - t0;

  const { sum, weightSum, mean } = unmaskedMean(res, cap);
  const times = [...clientTime.values()];
  return {
    ...res,
    sum,
    weightSum,
    mean,
    bytesUp,
    bytesDown,
    clientMs: times.reduce((a, b) => a + b, 0),
    maxClientMs: Math.max(...times),
    serverMs,
    threshold: server.params.threshold,
    neighbourhood: 1 + (server.graph.get(ids[0]!)?.length ?? 0),
  };
}
