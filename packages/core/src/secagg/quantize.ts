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
    // Round up iff u < (v − f)·2^32 (exact in doubles); `+(…)` turns the comparison into 0/1 without a branch.
    o32[i] = (f + +(s3 >>> 0 < (v - f) * 4294967296)) | 0;
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

/**
 * The ring addition kernel: `add(dst, src, n)` / `sub(dst, src, n)` do dst ± src mod 2^32 on
 * n bytes of little-endian 32-bit words in its memory, four lanes at a time (WebAssembly SIMD).
 * `RING_ADD_WASM_BASE64` is `RING_ADD_WAT` assembled by wabt (a test checks they match).
 */
export const RING_ADD_WAT = `(module
  (memory (export "memory") 2)
  ;; dst[i] += src[i] (i32, wrapping) for n bytes (n a multiple of 4)
  (func (export "add") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $dst) (local.get $n)))
    (local.set $vend (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const -16))))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $dst) (local.get $vend)))
      (v128.store (local.get $dst) (i32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $l)))
    (block $b2 (loop $l2
      (br_if $b2 (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.add (i32.load (local.get $dst)) (i32.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $l2))))
  (func (export "sub") (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local.set $end (i32.add (local.get $dst) (local.get $n)))
    (local.set $vend (i32.add (local.get $dst) (i32.and (local.get $n) (i32.const -16))))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $dst) (local.get $vend)))
      (v128.store (local.get $dst) (i32x4.sub (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $l)))
    (block $b2 (loop $l2
      (br_if $b2 (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.sub (i32.load (local.get $dst)) (i32.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $l2)))))
`;
export const RING_ADD_WASM_BASE64 =
  'AGFzbQEAAAABBwFgA39/fwADAwIAAAUDAQACBxYDBm1lbW9yeQIAA2FkZAAAA3N1YgABCusBAnQBAn8gACACaiEDIAAgAkFwcWohBAJAA0AgACAETw0BIAAgAP0ABAAgAf0ABAD9rgH9CwQAIABBEGohACABQRBqIQEMAAsLAkADQCAAIANPDQEgACAAKAIAIAEoAgBqNgIAIABBBGohACABQQRqIQEMAAsLC3QBAn8gACACaiEDIAAgAkFwcWohBAJAA0AgACAETw0BIAAgAP0ABAAgAf0ABAD9sQH9CwQAIABBEGohACABQRBqIQEMAAsLAkADQCAAIANPDQEgACAAKAIAIAEoAgBrNgIAIABBBGohACABQQRqIQEMAAsLCw==';

/** Bytes of each operand the kernel holds at once. */
const RING_CHUNK = 32 * 1024;
/** Below this many words the JS loop is as fast as copying in and out. */
const RING_MIN_WORDS = 2048;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface RingKernel {
  readonly add: (dst: number, src: number, n: number) => void;
  readonly sub: (dst: number, src: number, n: number) => void;
  readonly memory: WebAssembly.Memory;
}
let kernel: { fns: RingKernel; mem: Uint8Array } | null | undefined;

/** The kernel, or null where WebAssembly SIMD is unavailable or the host is big-endian. */
function ringKernel(): { fns: RingKernel; mem: Uint8Array } | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    if (LITTLE_ENDIAN && typeof WebAssembly === 'object') {
      const bytes = Uint8Array.from(atob(RING_ADD_WASM_BASE64), (c) => c.charCodeAt(0));
      const fns = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as RingKernel;
      kernel = { fns, mem: new Uint8Array(fns.memory.buffer) };
    }
  } catch {
    // No SIMD: the JS loop below.
  }
  return kernel;
}

/** Whether `addRing` runs on the WebAssembly SIMD kernel here (Node ≥ 16, current browsers). */
export function ringKernelActive(): boolean {
  return ringKernel() !== null;
}

/**
 * y[i] ← y[i] + sign·w[i] mod 2^32 for i < w.length (w ≤ y in length), where w is either a
 * ring vector (native 32-bit words) or `bytes`: little-endian 32-bit words as produced by a
 * PRG. Runs through the WebAssembly SIMD kernel in 32 KiB chunks where available.
 */
export function addRing(y: Uint32Array, w: Uint32Array | Uint8Array, sign: 1 | -1): void {
  const words = w instanceof Uint8Array ? w.length >>> 2 : w.length;
  const k = words >= RING_MIN_WORDS ? ringKernel() : null;
  if (k) {
    const yb = new Uint8Array(y.buffer, y.byteOffset, 4 * words);
    const wb = w instanceof Uint8Array ? w : new Uint8Array(w.buffer, w.byteOffset, 4 * words);
    const { fns, mem } = k;
    for (let at = 0; at < yb.length; at += RING_CHUNK) {
      const n = Math.min(RING_CHUNK, yb.length - at);
      mem.set(yb.subarray(at, at + n), 0);
      mem.set(wb.subarray(at, at + n), RING_CHUNK);
      if (sign === 1) fns.add(0, RING_CHUNK, n);
      else fns.sub(0, RING_CHUNK, n);
      yb.set(mem.subarray(0, n), at);
    }
    return;
  }
  const a = new Int32Array(y.buffer, y.byteOffset, words);
  let b: Int32Array;
  if (w instanceof Uint8Array) {
    // Little-endian words, on any host.
    const view = new DataView(w.buffer, w.byteOffset, 4 * words);
    b = LITTLE_ENDIAN && w.byteOffset % 4 === 0 ? new Int32Array(w.buffer, w.byteOffset, words) : new Int32Array(words);
    if (!(LITTLE_ENDIAN && w.byteOffset % 4 === 0)) for (let i = 0; i < words; i++) b[i] = view.getInt32(4 * i, true);
  } else b = new Int32Array(w.buffer, w.byteOffset, words);
  if (sign === 1) for (let i = 0; i < words; i++) a[i] = (a[i]! + b[i]!) | 0;
  else for (let i = 0; i < words; i++) a[i] = (a[i]! - b[i]!) | 0;
}
