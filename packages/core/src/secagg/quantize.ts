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
  return quantizeWith(x, opts, rng, true);
}

/** Values per call of the quantization kernel. */
const QUANTIZE_CHUNK = 8192;

/** `quantize`, through the WebAssembly SIMD kernel when `kernel` and available, else the JS loop: the same output. */
export function quantizeWith(
  x: Float32Array,
  opts: { clip: number; scale: number; weight: number; l2Clip: number; extra: boolean },
  rng: Rng,
  kernel: boolean,
): Uint32Array {
  const { clip, scale, weight, l2Clip, extra } = opts;
  let factor = weight * scale;
  if (l2Clip > 0) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
    const norm = Math.sqrt(s);
    if (norm > l2Clip) factor *= l2Clip / norm;
  }
  const n = x.length;
  const out = new Uint32Array(n + (extra ? 1 : 0));
  // Written through an int32 view: |v| ≤ lim < 2^31.
  const o32 = new Int32Array(out.buffer);
  const lim = clip * factor;
  // Four xorshift128 generators (Marsaglia), seeded from rng; value i draws from lane i mod 4.
  // state = s0 of lanes 0–3, then s1, s2, s3.
  const state = new Int32Array(16);
  for (let i = 0; i < 16; i++) state[i] = rng.u32() | (i < 4 ? 1 : 0);
  // `bad` stays 0 unless some x_i is NaN or ±Infinity (x·0 is NaN for those).
  let bad = 0;
  let done = 0;
  const k = kernel && n >= 64 ? kernels()?.quantize : undefined;
  if (k) {
    const { fns, mem } = k;
    const st = new Int32Array(mem.buffer, 0, 16);
    const xin = new Float32Array(mem.buffer, 64, QUANTIZE_CHUNK);
    const res = new Int32Array(mem.buffer, 64 + 4 * QUANTIZE_CHUNK, QUANTIZE_CHUNK);
    st.set(state);
    for (; n - done >= 4; done += QUANTIZE_CHUNK) {
      const cnt = Math.min(QUANTIZE_CHUNK, n - done) & ~3;
      xin.set(x.subarray(done, done + cnt));
      bad += fns.quantize(64, 64 + 4 * QUANTIZE_CHUNK, cnt >>> 2, factor, lim, 0);
      o32.set(res.subarray(0, cnt), done);
      if (cnt < QUANTIZE_CHUNK) {
        done += cnt;
        break;
      }
    }
    state.set(st);
  }
  // The JS loop (all of x, or the kernel's tail of < 4 values): branch-free, as the signs and
  // rounding coins are random and branches would mispredict.
  for (let i = done; i < n; i++) {
    const xi = x[i]!;
    bad += xi * 0;
    const v = Math.max(-lim, Math.min(lim, xi * factor));
    const f = Math.floor(v);
    const j = i & 3;
    const s0 = state[j]!;
    const s3 = state[12 + j]!;
    const t = s0 ^ (s0 << 11);
    state[j] = state[4 + j]!;
    state[4 + j] = state[8 + j]!;
    state[8 + j] = s3;
    const u = s3 ^ (s3 >>> 19) ^ (t ^ (t >>> 8));
    state[12 + j] = u;
    // Round up iff u < (v − f)·2^32 (exact in doubles); `+(…)` makes the comparison 0/1 without a branch.
    o32[i] = (f + +(u >>> 0 < (v - f) * 4294967296)) | 0;
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

/**
 * The quantization kernel: `quantize`'s loop four values at a time, each lane with its own
 * xorshift128 state (WebAssembly SIMD); the same output as the JS loop. `QUANTIZE_WASM_BASE64`
 * is `QUANTIZE_WAT` assembled by wabt.
 */
export const QUANTIZE_WAT = `(module
  (memory (export "memory") 2)
  ;; Stochastic rounding, four values at a time: for g < groups, out[4g + j] =
  ;; floor(v) + (u < (v - floor(v)) * 2^32) with v = clamp(x[4g + j] * factor, -lim, lim) and u
  ;; the next output of xorshift128 lane j, whose states (s0, s1, s2, s3 as i32x4) are at $state
  ;; and written back. x holds f32, out i32. Returns the sum of x * 0: NaN iff some x is not finite.
  (func (export "quantize") (param $x i32) (param $out i32) (param $groups i32) (param $factor f64)
        (param $lim f64) (param $state i32) (result f64)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t v128)
    (local $fac v128) (local $hi v128) (local $lo v128) (local $neg v128) (local $bad v128) (local $xv v128)
    (local $flo v128) (local $fhi v128) (local $vlo v128) (local $vhi v128) (local $two32 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $groups) (i32.const 4))))
    (local.set $s0 (v128.load offset=0 (local.get $state)))
    (local.set $s1 (v128.load offset=16 (local.get $state)))
    (local.set $s2 (v128.load offset=32 (local.get $state)))
    (local.set $s3 (v128.load offset=48 (local.get $state)))
    (local.set $fac (f64x2.splat (local.get $factor)))
    (local.set $hi (f64x2.splat (local.get $lim)))
    (local.set $neg (f64x2.splat (f64.neg (local.get $lim))))
    (local.set $two32 (f64x2.splat (f64.const 4294967296)))
    (local.set $bad (f64x2.splat (f64.const 0)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $xv (v128.load (local.get $x)))
      (local.set $lo (f64x2.promote_low_f32x4 (local.get $xv)))
      (local.set $xv (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xv) (local.get $xv))))
      (local.set $bad (f64x2.add (local.get $bad)
        (f64x2.add (f64x2.mul (local.get $lo) (f64x2.splat (f64.const 0)))
                   (f64x2.mul (local.get $xv) (f64x2.splat (f64.const 0))))))
      (local.set $vlo (f64x2.max (local.get $neg) (f64x2.min (local.get $hi) (f64x2.mul (local.get $lo) (local.get $fac)))))
      (local.set $vhi (f64x2.max (local.get $neg) (f64x2.min (local.get $hi) (f64x2.mul (local.get $xv) (local.get $fac)))))
      (local.set $flo (f64x2.floor (local.get $vlo)))
      (local.set $fhi (f64x2.floor (local.get $vhi)))
      ;; xorshift128, four lanes
      (local.set $t (v128.xor (local.get $s0) (i32x4.shl (local.get $s0) (i32.const 11))))
      (local.set $s0 (local.get $s1))
      (local.set $s1 (local.get $s2))
      (local.set $s2 (local.get $s3))
      (local.set $s3 (v128.xor (v128.xor (local.get $s3) (i32x4.shr_u (local.get $s3) (i32.const 19)))
                               (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 8)))))
      ;; out = floor(v) - mask, the mask all ones (-1) where u < frac * 2^32
      (v128.store (local.get $out)
        (i32x4.sub
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (i32x4.trunc_sat_f64x2_s_zero (local.get $flo))
            (i32x4.trunc_sat_f64x2_s_zero (local.get $fhi)))
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (f64x2.lt (f64x2.convert_low_i32x4_u (local.get $s3))
                      (f64x2.mul (f64x2.sub (local.get $vlo) (local.get $flo)) (local.get $two32)))
            (f64x2.lt (f64x2.convert_low_i32x4_u
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s3) (local.get $s3)))
                      (f64x2.mul (f64x2.sub (local.get $vhi) (local.get $fhi)) (local.get $two32))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (v128.store offset=0 (local.get $state) (local.get $s0))
    (v128.store offset=16 (local.get $state) (local.get $s1))
    (v128.store offset=32 (local.get $state) (local.get $s2))
    (v128.store offset=48 (local.get $state) (local.get $s3))
    (f64.add (f64x2.extract_lane 0 (local.get $bad)) (f64x2.extract_lane 1 (local.get $bad)))))
`;
export const QUANTIZE_WASM_BASE64 =
  'AGFzbQEAAAABCwFgBn9/f3x8fwF8AwIBAAUDAQACBxUCBm1lbW9yeQIACHF1YW50aXplAAAK0AMBzQMCAX8QeyAAIAJBBHRqIQYgBf0ABAAhByAF/QAEECEIIAX9AAQgIQkgBf0ABDAhCiAD/RQhDCAE/RQhDSAEmv0UIQ9EAAAAAAAA8EH9FCEWRAAAAAAAAAAA/RQhEAJAA0AgACAGTw0BIAD9AAQAIREgEf1fIQ4gESAR/Q0ICQoLDA0ODwABAgMEBQYH/V8hESAQIA5EAAAAAAAAAAD9FP3yASARRAAAAAAAAAAA/RT98gH98AH98AEhECAPIA0gDiAM/fIB/fQB/fUBIRQgDyANIBEgDP3yAf30Af31ASEVIBT9dSESIBX9dSETIAcgB0EL/asB/VEhCyAIIQcgCSEIIAohCSAKIApBE/2tAf1RIAsgC0EI/a0B/VH9USEKIAEgEv38ASAT/fwB/Q0AAQIDBAUGBxAREhMUFRYXIAr9/wEgFCAS/fEBIBb98gH9SSAKIAr9DQgJCgsMDQ4PAAECAwQFBgf9/wEgFSAT/fEBIBb98gH9Sf0NAAECAwgJCgsQERITGBkaG/2xAf0LBAAgAEEQaiEAIAFBEGohAQwACwsgBSAH/QsEACAFIAj9CwQQIAUgCf0LBCAgBSAK/QsEMCAQ/SEAIBD9IQGgCw==';

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
interface QuantizeKernel {
  readonly quantize: (x: number, out: number, groups: number, factor: number, lim: number, state: number) => number;
  readonly memory: WebAssembly.Memory;
}
interface Kernels {
  readonly ring: { fns: RingKernel; mem: Uint8Array };
  readonly quantize: { fns: QuantizeKernel; mem: Uint8Array };
}
let compiled: Kernels | null | undefined;

function instantiate<T extends { memory: WebAssembly.Memory }>(base64: string): { fns: T; mem: Uint8Array } {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const fns = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as T;
  return { fns, mem: new Uint8Array(fns.memory.buffer) };
}

/** The kernels, or null where WebAssembly SIMD is unavailable or the host is big-endian. */
function kernels(): Kernels | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (LITTLE_ENDIAN && typeof WebAssembly === 'object') {
      compiled = {
        ring: instantiate<RingKernel>(RING_ADD_WASM_BASE64),
        quantize: instantiate<QuantizeKernel>(QUANTIZE_WASM_BASE64),
      };
    }
  } catch {
    // No SIMD: the JS loops.
  }
  return compiled;
}

/** Whether `addRing` and `quantize` run on the WebAssembly SIMD kernels here (Node ≥ 16, current browsers). */
export function ringKernelActive(): boolean {
  return kernels() !== null;
}

/**
 * y[i] ← y[i] + sign·w[i] mod 2^32 for i < w.length (w ≤ y in length), where w is either a
 * ring vector (native 32-bit words) or `bytes`: little-endian 32-bit words as produced by a
 * PRG. Runs through the WebAssembly SIMD kernel in 32 KiB chunks where available.
 */
export function addRing(y: Uint32Array, w: Uint32Array | Uint8Array, sign: 1 | -1): void {
  const words = w instanceof Uint8Array ? w.length >>> 2 : w.length;
  const k = words >= RING_MIN_WORDS ? kernels()?.ring : undefined;
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
