import { FederaError } from '../errors.js';
import type { Rng } from '../rng.js';

/**
 * x ↦ the ring vector a client masks: every coordinate clipped to [−c, c], multiplied by the
 * weight w ∈ [0, 1], scaled by `scale` and stochastically rounded (⌊v⌋ + Bernoulli(v − ⌊v⌋),
 * so E[q] = v: unbiased), stored mod 2^32 (negative values wrap, two's complement). With
 * `l2Clip` > 0 the vector is first scaled down to that L2 norm (for DP). When `extra` is set
 * the weight itself follows as one more element, w·c·scale rounded the same way.
 * Throws E_NONFINITE on NaN/±Infinity.
 */
export function quantize(
  x: Float32Array,
  opts: { clip: number; scale: number; weight: number; l2Clip: number; extra: boolean },
  rng: Rng,
): Uint32Array {
  const { clip, scale, weight, l2Clip, extra } = opts;
  let factor = weight * scale;
  if (l2Clip > 0) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
    const norm = Math.sqrt(s);
    if (norm > l2Clip) factor *= l2Clip / norm;
  }
  const out = new Uint32Array(x.length + (extra ? 1 : 0));
  // Written through an int32 view: |v| ≤ lim < 2^31, so every step stays in int32 arithmetic.
  const o32 = new Int32Array(out.buffer);
  const lim = clip * factor;
  const n = x.length;
  // Marsaglia's xorshift128 inline (seeded from rng): int32 arithmetic, no allocation per draw.
  let s0 = rng.u32() | 1;
  let s1 = rng.u32() | 0;
  let s2 = rng.u32() | 0;
  let s3 = rng.u32() | 0;
  // Branch-free (the signs and rounding coins are random, so branches would mispredict):
  // `bad` stays 0 unless some x_i is NaN or ±Infinity (x·0 is NaN for those).
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    bad += xi * 0;
    const v = Math.max(-lim, Math.min(lim, xi * factor));
    const f = Math.floor(v);
    const tt = s0 ^ (s0 << 11);
    s0 = s1;
    s1 = s2;
    s2 = s3;
    s3 = s3 ^ (s3 >>> 19) ^ (tt ^ (tt >>> 8));
    // Round up iff u < (v − f)·2^32 ⟺ u < ⌈(v − f)·2^32⌉ =: c (u an integer); ⌊(c − u − 1)/2^32⌋ + 1 is that bit.
    const c = Math.ceil((v - f) * 4294967296);
    o32[i] = (f + Math.floor((c - (s3 >>> 0) - 1) * 2.3283064365386963e-10) + 1) | 0;
  }
  if (bad !== 0) {
    const i = x.findIndex((xi) => !Number.isFinite(xi));
    throw new FederaError('E_NONFINITE', `input has a non-finite value at index ${i}`, 'clip or drop the update');
  }
  if (extra) {
    const v = weight * clip * scale;
    const f = Math.floor(v);
    out[x.length] = f + (rng.u32() < (v - f) * 4294967296 ? 1 : 0);
  }
  return out;
}

/** Reduces a ring vector mod 2^bits in place (a no-op for 32 bits). */
export function reduce(v: Uint32Array, bits: number): Uint32Array {
  if (bits >= 32) return v;
  const mask = 2 ** bits - 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! & mask;
  return v;
}

/** Ring values mod 2^bits read as signed integers in [−2^(bits−1), 2^(bits−1)), divided by `scale`. */
export function dequantize(v: Uint32Array, bits: number, scale: number, from = 0, to = v.length): Float64Array {
  // Sign extension by shifts: branch-free (the signs of a sum's coordinates are random).
  const shift = 32 - bits;
  const out = new Float64Array(to - from);
  const v32 = new Int32Array(v.buffer, v.byteOffset, v.length);
  for (let i = from; i < to; i++) out[i - from] = ((v32[i]! << shift) >> shift) / scale;
  return out;
}
