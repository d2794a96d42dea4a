import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import {
  addRing,
  dequantize,
  QUANTIZE_WASM_BASE64,
  QUANTIZE_WAT,
  quantize,
  quantizeWith,
  RING_ADD_WASM_BASE64,
  RING_ADD_WAT,
  reduce,
  ringKernelActive,
} from './quantize.js';

describe('addRing', () => {
  it('adds and subtracts mod 2^32, through the kernel and the JS loop, ring vectors and LE bytes', () => {
    assert.ok(ringKernelActive(), 'Node 20 runs WebAssembly SIMD');
    const rng = new Rng(1);
    // 7 words: the JS loop; the others: the kernel, with a tail that is not a multiple of 4 or of the chunk.
    for (const n of [7, 2048, 8192, 3 * 8192 + 5]) {
      const y0 = Uint32Array.from({ length: n }, () => rng.u32());
      const w = Uint32Array.from({ length: n }, () => rng.u32());
      const y = y0.slice();
      addRing(y, w, 1);
      assert.deepEqual(
        y,
        y0.map((v, i) => v + w[i]!),
        `+ ${n}`,
      );
      addRing(y, w, -1);
      assert.deepEqual(y, y0, `− ${n}`);
      // Little-endian bytes, at an unaligned offset too.
      const raw = new Uint8Array(4 * n + 1);
      const view = new DataView(raw.buffer, 1);
      for (let i = 0; i < n; i++) view.setUint32(4 * i, w[i]!, true);
      addRing(y, raw.subarray(1), -1);
      assert.deepEqual(
        y,
        y0.map((v, i) => v - w[i]!),
        `bytes ${n}`,
      );
    }
  });

  it('embeds the bytes of its WAT kernels, assembled by wabt', async () => {
    const { default: initWabt } = await import('wabt');
    const wabt = await initWabt();
    for (const [wat, b64] of [
      [RING_ADD_WAT, RING_ADD_WASM_BASE64],
      [QUANTIZE_WAT, QUANTIZE_WASM_BASE64],
    ]) {
      const mod = wabt.parseWat('kernel.wat', wat!, { simd: true });
      mod.resolveNames();
      mod.validate();
      const bin = mod.toBinary({ log: false, write_debug_names: false }).buffer;
      mod.destroy();
      assert.equal(btoa(String.fromCharCode(...bin)), b64);
    }
  });
});

describe('quantize', () => {
  const opts = { clip: 1, scale: 1000, weight: 1, l2Clip: 0, extra: false };

  it('rounds stochastically without bias, clips, and round-trips through dequantize', () => {
    const x = new Float32Array(20_000).fill(0.0004); // 0.4 ring units: rounds up 40% of the time
    x[0] = 5;
    x[1] = -5;
    x[2] = -0.0004;
    const q = quantize(x, opts, new Rng(2));
    assert.equal(q[0], 1000);
    assert.equal(q[1], 2 ** 32 - 1000);
    assert.ok(q[2] === 0 || q[2] === 2 ** 32 - 1);
    let ups = 0;
    for (let i = 3; i < x.length; i++) {
      assert.ok(q[i] === 0 || q[i] === 1);
      ups += q[i]!;
    }
    const p = ups / (x.length - 3);
    assert.ok(Math.abs(p - 0.4) < 0.015, `rounded up ${p}`);
    const back = dequantize(q, 32, 1000);
    assert.equal(back[0], 1);
    assert.equal(back[1], -1);
  });

  it('is reproducible for a seed and reduces into a smaller ring', () => {
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 1000 }, () => rng.float() * 2 - 1);
    const a = quantize(x, opts, new Rng(4));
    assert.deepEqual(a, quantize(x, opts, new Rng(4)));
    const r = reduce(a.slice(), 16);
    assert.ok(r.every((v, i) => v === (a[i]! & 0xffff)));
    const d = dequantize(r, 16, 1000);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(d[i]! - x[i]!) <= 0.001 + 1e-9);
  });

  it('gives the same output through the SIMD kernel and the JS loop, across chunks and tails', () => {
    const rng = new Rng(6);
    for (const n of [3, 64, 8195, 3 * 8192 + 2]) {
      const x = Float32Array.from({ length: n }, () => (rng.float() * 2 - 1) * 1.5);
      const o = { clip: 1, scale: 1e8 + 0.37, weight: 0.6, l2Clip: 0, extra: true };
      const fast = quantizeWith(x, o, new Rng(n), true);
      assert.deepEqual(fast, quantizeWith(x, o, new Rng(n), false), `${n} values`);
      assert.deepEqual(fast, quantize(x, o, new Rng(n)));
      const d = dequantize(fast, 32, o.scale);
      for (let i = 0; i < n; i += 97) {
        const want = Math.max(-1, Math.min(1, x[i]!)) * o.weight;
        assert.ok(Math.abs(d[i]! - want) <= 1 / o.scale + 1e-12, `value ${i}`);
      }
    }
  });

  it('names the first non-finite value', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const [n, at] of [
        [10, 6],
        [9000, 8500],
      ] as const) {
        const x = new Float32Array(n);
        x[at] = bad;
        assert.throws(
          () => quantize(x, opts, new Rng(5)),
          (e: unknown) => e instanceof FederaError && e.code === 'E_NONFINITE' && e.message.includes(`index ${at}`),
        );
      }
    }
  });
});
