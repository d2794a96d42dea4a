import { FederaError } from '../errors.js';

/** The four rounds of Bonawitz et al. 2017 (Fig. 4); ConsistencyCheck is skipped (semi-honest variant). */
export type SecAggPhase = 'advertiseKeys' | 'shareKeys' | 'maskedInputCollection' | 'unmasking';

export const SECAGG_PHASES: readonly SecAggPhase[] = [
  'advertiseKeys',
  'shareKeys',
  'maskedInputCollection',
  'unmasking',
];

/**
 * The public parameters of one SecAgg session, fixed by the server and sent to every client
 * with the round's instruction. Plain data: every field serialises as is.
 */
export interface SecAggParams {
  /** 16 random bytes naming the session: the HKDF salt, so keys and masks never repeat across rounds. */
  readonly sessionId: Uint8Array;
  /** m: values per input vector (the model's parameter count). */
  readonly vectorLength: number;
  /** k: the ring is Z_{2^k} (1 ≤ k ≤ 32); every masked value is below 2^k. */
  readonly bits: number;
  /** c: each coordinate is clipped to [−c, c] before quantization. */
  readonly clip: number;
  /** Ring units per model unit: q = round(x·scale). Chosen so the sum of all clients fits (see `ringScale`). */
  readonly scale: number;
  /** t: Shamir shares needed to reconstruct a client's secrets (per neighbourhood). */
  readonly threshold: number;
  /** Inputs are weighted: each client also sends its weight w ∈ [0, 1] as one extra ring element. */
  readonly weighted: boolean;
  /** DP: L2 norm each input is clipped to before quantization (0: no L2 clipping). */
  readonly l2Clip: number;
  /** DP: std of the discrete Gaussian noise each client adds, in ring units (0: none). */
  readonly noiseStd: number;
}

/** Ring elements a client sends: the vector, plus its weight when weighted. */
export function ringLength(p: SecAggParams): number {
  return p.vectorLength + (p.weighted ? 1 : 0);
}

/**
 * Ring units per model unit so that the signed sum of `clients` clipped inputs (each
 * coordinate in [−c, c], each rounded up by at most one unit) plus 8 standard deviations of
 * the summed DP noise (`sumNoiseStd`, model units) stays inside (−2^(k−1), 2^(k−1)):
 * scale = (2^(k−1) − 1 − n) / (n·c + 8·σ_sum). The quantization step is 1/scale.
 */
export function ringScale(bits: number, clients: number, clip: number, sumNoiseStd = 0): number {
  return (2 ** (bits - 1) - 1 - clients) / (clients * clip + 8 * sumNoiseStd);
}

/**
 * t from a threshold given as a fraction of the neighbourhood (0 < t < 1) or as a count
 * (an integer ≥ 2), for neighbourhoods of `size` clients (the client itself included).
 */
export function resolveThreshold(threshold: number, size: number): number {
  let t: number;
  if (threshold > 0 && threshold < 1) t = Math.max(2, Math.ceil(threshold * size));
  else if (Number.isInteger(threshold) && threshold >= 2) t = threshold;
  else {
    throw new FederaError(
      'E_ARG',
      `threshold must be a fraction of the neighbourhood in (0, 1) or a share count ≥ 2, got ${threshold}`,
      'use e.g. 0.5 (a majority) or 6',
    );
  }
  if (t > size) {
    throw new FederaError(
      'E_ARG',
      `threshold t = ${t} exceeds the neighbourhood size ${size} (the client and its neighbours)`,
      'lower the threshold or raise the SecAgg+ degree',
    );
  }
  return t;
}

/** Throws E_ARG naming the first bad field of `p`. */
export function validateParams(p: SecAggParams): void {
  const bad = (what: string, hint?: string) => {
    throw new FederaError('E_ARG', `SecAgg params: ${what}`, hint);
  };
  if (!(p.sessionId instanceof Uint8Array) || p.sessionId.length < 8) bad('sessionId must be at least 8 bytes');
  if (!(Number.isInteger(p.vectorLength) && p.vectorLength > 0))
    bad(`vectorLength must be a positive integer, got ${p.vectorLength}`);
  if (!(Number.isInteger(p.bits) && p.bits >= 2 && p.bits <= 32))
    bad(`bits must be an integer in [2, 32], got ${p.bits}`, 'use 32');
  if (!(p.clip > 0 && Number.isFinite(p.clip))) bad(`clip must be a positive number, got ${p.clip}`);
  if (!(p.scale > 0 && Number.isFinite(p.scale))) bad(`scale must be a positive number, got ${p.scale}`);
  if (!(Number.isInteger(p.threshold) && p.threshold >= 2 && p.threshold <= 255))
    bad(`threshold must be an integer in [2, 255], got ${p.threshold}`);
  if (!(p.l2Clip >= 0 && Number.isFinite(p.l2Clip))) bad(`l2Clip must be ≥ 0, got ${p.l2Clip}`);
  if (!(p.noiseStd >= 0 && Number.isFinite(p.noiseStd))) bad(`noiseStd must be ≥ 0, got ${p.noiseStd}`);
}
