import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { generatePaillierKeys } from './paillier.js';
import { PaillierEncoder } from './paillier-encoder.js';
import { PaillierCiphertextVector } from './paillier-vector.js';

const { publicKey: pk, privateKey: sk } = generatePaillierKeys(512, { seed: 7 });
const other = generatePaillierKeys(512, { seed: 8 });
const code = (c: string) => (e: unknown) => e instanceof FederaError && e.code === c;
const randomVector = (rng: Rng, n: number, range: number) =>
  Float32Array.from({ length: n }, () => (rng.float() * 2 - 1) * range);

describe('PaillierEncoder (packing, offset encoding, overflow bounds)', () => {
  it('packs ⌊(bits−1)/slotBits⌋ values per ciphertext; the default slot leaves 25 bits of magnitude', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 10, slotBits: 32 });
    assert.equal(enc.slots, 15);
    assert.equal(enc.ciphertextsFor(31), 3);
    const auto = new PaillierEncoder({ bits: 2048, range: 1, clients: 100 });
    assert.equal(auto.layout.slotBits, 7 + 26);
    assert.equal(auto.slots, 62);
    assert.ok(auto.layout.offset >= 2 ** 25 && 100 * 2 * auto.layout.offset < 2 ** 33);
  });

  it('decrypts the sum of 5 clients (negatives included) within the quantisation error, from bytes', () => {
    const rng = new Rng(1);
    const enc = new PaillierEncoder({ bits: 512, range: 2, clients: 5 });
    const n = 37;
    const xs = Array.from({ length: 5 }, () => randomVector(rng, n, 2));
    xs[0]?.set([-2, 2, 0], 0); // the extremes of the range
    const acc = enc.accumulator(pk, n);
    for (const x of xs) {
      const wire = enc.encrypt(pk, x).toBytes(); // what a client would send
      enc.addInto(pk, acc, PaillierCiphertextVector.fromBytes(wire, pk));
    }
    assert.equal(acc.weight, 5);
    const sum = enc.decryptSum(sk, PaillierCiphertextVector.fromBytes(acc.toBytes(), pk));
    const tol = (5 * 0.5) / enc.layout.scale + 1e-6;
    for (let i = 0; i < n; i++) {
      const want = xs.reduce((s, x) => s + (x[i] as number), 0);
      assert.ok(Math.abs((sum[i] as number) - want) <= tol, `${i}: ${sum[i]} vs ${want}`);
    }
  });

  it('weights summands by integer scalar multiplication (Σ w_k·x_k)', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 3, maxWeight: 100 });
    const acc = enc.accumulator(pk, 4);
    enc.addInto(pk, acc, enc.encrypt(pk, new Float32Array([1, -1, 0.5, 0])), 100);
    enc.addInto(pk, acc, enc.encrypt(pk, new Float32Array([-0.5, 0.25, 0.5, -1])), 20);
    const sum = enc.decryptSum(sk, acc);
    for (const [i, want] of [90, -95, 60, -20].entries()) {
      assert.ok(Math.abs((sum[i] as number) - want) < 1e-4, `${sum[i]} vs ${want}`);
    }
    assert.equal(acc.weight, 120);
  });

  it('refuses a layout whose sum would overflow a slot, naming the fix', () => {
    assert.throws(
      // 5000 clients × 2·2^20 ≈ 2^33.3 does not fit 32 bits.
      () => new PaillierEncoder({ bits: 2048, range: 1, scale: 2 ** 20, clients: 5000, slotBits: 32 }),
      (e: unknown) =>
        code('E_HE_OVERFLOW')(e) && /needs 34 bits/.test(String(e)) && /raise slotBits to 34/.test(String(e)),
    );
    new PaillierEncoder({ bits: 2048, range: 1, scale: 2 ** 20, clients: 1000, slotBits: 32 }); // 2^31 fits
    assert.throws(
      () => new PaillierEncoder({ bits: 2048, range: 1, clients: 2 ** 20, slotBits: 16 }),
      code('E_HE_OVERFLOW'),
    );
    // More summands than declared: refused before the slots could carry.
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 2 });
    const acc = enc.accumulator(pk, 2);
    const ct = enc.encrypt(pk, new Float32Array([1, 1]));
    enc.addInto(pk, acc, ct);
    enc.addInto(pk, acc, ct);
    assert.throws(() => enc.addInto(pk, acc, ct), code('E_HE_OVERFLOW'));
  });

  it('refuses out-of-range and non-finite values unless clipping is asked', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 2 });
    assert.throws(() => enc.encrypt(pk, new Float32Array([0, 1.5])), code('E_HE_RANGE'));
    assert.throws(() => enc.encrypt(pk, new Float32Array([Number.NaN])), code('E_NONFINITE'));
    const ct = enc.encrypt(pk, new Float32Array([0, 1.5, -3]), { clip: true });
    assert.equal(ct.clipped, 2);
    const acc = enc.addInto(pk, enc.accumulator(pk, 3), ct);
    assert.deepEqual([...enc.decryptSum(sk, acc)], [0, 1, -1]);
  });

  it('rejects ciphertexts from another key, another layout, and malformed bytes', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 4 });
    const acc = enc.accumulator(pk, 3);
    const foreign = enc.encrypt(other.publicKey, new Float32Array([0.1, 0.2, 0.3]));
    assert.throws(() => enc.addInto(pk, acc, foreign), code('E_HE_KEY'));
    assert.throws(() => PaillierCiphertextVector.fromBytes(foreign.toBytes(), pk), code('E_HE_KEY'));
    assert.throws(() => enc.decryptSum(other.privateKey, acc), code('E_HE_KEY'));
    const otherLayout = new PaillierEncoder({ bits: 512, range: 2, clients: 4 });
    assert.throws(() => enc.addInto(pk, acc, otherLayout.encrypt(pk, new Float32Array(3))), code('E_HE_LAYOUT'));

    const good = enc.encrypt(pk, new Float32Array([0.1, 0.2, 0.3])).toBytes();
    assert.throws(() => PaillierCiphertextVector.fromBytes(good.subarray(0, 20), pk), code('E_HE_BYTES'));
    assert.throws(() => PaillierCiphertextVector.fromBytes(good.subarray(0, good.length - 1), pk), code('E_HE_BYTES'));
    const badMagic = good.slice();
    badMagic[0] = 0;
    assert.throws(() => PaillierCiphertextVector.fromBytes(badMagic, pk), /magic/);
    const tooBig = good.slice();
    tooBig.fill(0xff, 48); // ciphertext ≥ n²
    assert.throws(() => PaillierCiphertextVector.fromBytes(tooBig, pk), /out of range/);
    // A ciphertext of the other key relabelled as ours decrypts to garbage: the slot check catches it.
    const forged = foreign.toBytes();
    forged.set(good.subarray(40, 48), 40);
    const parsed = PaillierCiphertextVector.fromBytes(forged, pk);
    assert.throws(() => enc.decryptSum(sk, enc.addInto(pk, enc.accumulator(pk, 3), parsed)), code('E_HE_CORRUPT'));
  });

  it('answers 300 seeded byte mutations with a FederaError or a well-formed vector, never a crash', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 4 });
    const wire = enc.encrypt(pk, new Float32Array([0.1, -0.2, 0.3, 0.4, -0.5])).toBytes();
    const rng = new Rng(9);
    const codes = new Set<string>();
    for (let k = 0; k < 300; k++) {
      const b = wire.slice();
      for (let j = 0, n = 1 + rng.int(4); j < n; j++) b[rng.int(k % 2 ? 48 : b.length)] = rng.int(256);
      try {
        const v = PaillierCiphertextVector.fromBytes(b, pk);
        enc.decryptSum(sk, enc.addInto(pk, enc.accumulator(pk, v.length), v));
      } catch (e) {
        assert.ok(e instanceof FederaError, String(e));
        codes.add(e.code);
      }
    }
    for (const c of ['E_HE_BYTES', 'E_HE_KEY', 'E_HE_CORRUPT']) assert.ok(codes.has(c), `${[...codes]}`);
  });
});
