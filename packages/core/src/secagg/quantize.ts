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
  const lim = clip * factor;
  // Marsaglia's xorshift128 inline (seeded from rng): int32 arithmetic, no allocation per draw.
  let s0 = rng.u32() | 1;
  let s1 = rng.u32() | 0;
  let s2 = rng.u32() | 0;
  let s3 = rng.u32() | 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (!Number.isFinite(xi)) {
      throw new FederaError('E_NONFINITE', `input has a non-finite value at index ${i}`, 'clip or drop the update');
    }
    let v = xi * factor;
    v = v > lim ? lim : v < -lim ? -lim : v;
    const f = Math.floor(v);
    let tt = s0 ^ (s0 << 11);
    s0 = s1;
    s1 = s2;
    s2 = s3;
    s3 = s3 ^ (s3 >>> 19) ^ (tt ^ (tt >>> 8));
    tt = s3 >>> 0;
    out[i] = f + (tt < (v - f) * 4294967296 ? 1 : 0);
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
  const mod = 2 ** bits;
  const half = mod / 2;
  const mask = bits >= 32 ? 0xffffffff : mod - 1;
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) {
    const u = (v[i]! & mask) >>> 0;
    out[i - from] = (u >= half ? u - mod : u) / scale;
  }
  return out;
}
