import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { isProbablePrime, seededFill } from './bigint-math.js';
import { PaillierEncoder } from './paillier-encoder.js';
import {
  combineDecryptionShares,
  combineDecryptionShareVectors,
  combineVerifiedDecryptionShares,
  type DecryptionShare,
  decryptShare,
  decryptShareVector,
  decryptShareWithProof,
  generateThresholdPaillier,
  randomSafePrime,
  ThresholdKeyShare,
  verifyDecryptionShare,
} from './paillier-threshold.js';

const keys = generateThresholdPaillier({ bits: 256, parties: 5, threshold: 3, seed: 41 });
const { publicKey: pk, shares } = keys;
const code = (c: string) => (e: unknown) => e instanceof FederaError && e.code === c;

/** Every k-subset of [0, n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

describe('threshold Paillier (Damgård–Jurik, t of ℓ)', () => {
  it('deals a modulus of safe primes of the requested size', () => {
    assert.equal(pk.bits, 256);
    const p = randomSafePrime(64, seededFill(3));
    const random = seededFill(4);
    assert.ok(isProbablePrime(p, 32, random) && isProbablePrime((p - 1n) / 2n, 32, random));
    assert.equal(p >> 62n, 3n);
    assert.equal(shares.length, 5);
    assert.deepEqual(
      shares.map((s) => s.index),
      [1, 2, 3, 4, 5],
    );
  });

  it('every 3 of 5 shares decrypt the homomorphic sum of encrypted values exactly', () => {
    const values = [123456789n, 0n, 987654321987654321n, 42n, 7n];
    const sum = values.reduce((a, b) => a + b, 0n);
    const c = values.map((v) => pk.encrypt(v)).reduce((a, b) => pk.add(a, b));
    const all = shares.map((s) => decryptShare(s, c));
    const sets = subsets(5, 3);
    assert.equal(sets.length, 10);
    for (const set of sets) {
      // Order of the shares does not matter.
      const picked = set.map((i) => all[i] as DecryptionShare).reverse();
      assert.equal(combineDecryptionShares(keys, picked), sum, `subset ${set.join(',')}`);
    }
    // More than t shares: the first t are used.
    assert.equal(combineDecryptionShares(keys, all), sum);
    // Extremes of the plaintext range.
    const top = pk.n - 1n;
    const ct = pk.encrypt(top);
    assert.equal(
      combineDecryptionShares(
        keys,
        [4, 0, 2].map((i) => decryptShare(shares[i] as ThresholdKeyShare, ct)),
      ),
      top,
    );
    const c0 = pk.encrypt(0n);
    assert.equal(
      combineDecryptionShares(
        keys,
        shares.slice(2).map((s) => decryptShare(s, c0)),
      ),
      0n,
    );
  });

  it('t − 1 shares refuse to decrypt; duplicates and bad values are rejected', () => {
    const c = pk.encrypt(99n);
    const ds = shares.map((s) => decryptShare(s, c));
    assert.throws(() => combineDecryptionShares(keys, ds.slice(0, 2)), code('E_HE_THRESHOLD'));
    assert.throws(() => combineDecryptionShares(keys, []), /0 decryption share\(s\) from distinct parties, 3 needed/);
    const d0 = ds[0] as DecryptionShare;
    assert.throws(() => combineDecryptionShares(keys, [d0, d0, ds[1] as DecryptionShare]), code('E_HE_SHARE'));
    assert.throws(
      () => combineDecryptionShares(keys, [{ index: 6, value: d0.value }, ...ds.slice(1, 3)]),
      code('E_HE_SHARE'),
    );
    assert.throws(
      () => combineDecryptionShares(keys, [{ index: 1, value: 0n }, ...ds.slice(1, 3)]),
      code('E_HE_SHARE'),
    );
    assert.throws(
      () => combineDecryptionShares(keys, [{ index: 1, value: pk.n2 }, ...ds.slice(1, 3)]),
      code('E_HE_SHARE'),
    );
    assert.throws(() => decryptShare(shares[0] as ThresholdKeyShare, 0n), code('E_HE_CIPHERTEXT'));
  });

  it('a tampered share is detected when random, and shifts the result when crafted (no proofs: semi-honest)', () => {
    const c = pk.encrypt(5000n);
    const ds = [0, 1, 2].map((i) => decryptShare(shares[i] as ThresholdKeyShare, c));
    assert.equal(combineDecryptionShares(keys, ds), 5000n);
    const d1 = ds[1] as DecryptionShare;
    // A random corruption: the product is no longer 1 + x·N.
    const noisy = { index: d1.index, value: (d1.value * 3n) % pk.n2 };
    assert.throws(
      () => combineDecryptionShares(keys, [ds[0] as DecryptionShare, noisy, ds[2] as DecryptionShare]),
      code('E_HE_CORRUPT'),
    );
    // A share from another ciphertext mixed in.
    const other = decryptShare(shares[1] as ThresholdKeyShare, pk.encrypt(5000n));
    const mixed = combineDecryptionShares.bind(null, keys, [ds[0] as DecryptionShare, other, ds[2] as DecryptionShare]);
    assert.throws(mixed, code('E_HE_CORRUPT'));
    // A crafted corruption by (1 + N): passes the check but decrypts to a wrong value.
    const crafted = { index: d1.index, value: (d1.value * (1n + pk.n)) % pk.n2 };
    const wrong = combineDecryptionShares(keys, [ds[0] as DecryptionShare, crafted, ds[2] as DecryptionShare]);
    assert.notEqual(wrong, 5000n);
  });

  it('shares from another dealing do not combine', () => {
    const other = generateThresholdPaillier({ bits: 256, parties: 5, threshold: 3, seed: 42 });
    assert.notEqual(other.publicKey.n, pk.n);
    const c = pk.encrypt(77n);
    const ds = [0, 1].map((i) => decryptShare(shares[i] as ThresholdKeyShare, c));
    // Foreign share value reduced into this key's range.
    const foreign = decryptShare(other.shares[2] as ThresholdKeyShare, other.publicKey.encrypt(77n));
    const value = foreign.value % pk.n2;
    assert.throws(() => combineDecryptionShares(keys, [...ds, { index: 3, value }]), code('E_HE_CORRUPT'));
  });

  it('a share survives JSON; t = ℓ and t = 1 work', () => {
    const back = shares.map((s) => ThresholdKeyShare.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), pk));
    const c = pk.encrypt(31337n);
    assert.equal(
      combineDecryptionShares(
        keys,
        back.slice(1, 4).map((s) => decryptShare(s, c)),
      ),
      31337n,
    );
    assert.throws(
      () => ThresholdKeyShare.fromJSON({ ...(shares[0] as ThresholdKeyShare).toJSON(), index: 9 }, pk),
      code('E_HE_SHARE'),
    );
    const full = generateThresholdPaillier({ bits: 256, parties: 3, threshold: 3, seed: 5, djn: false });
    const cf = full.publicKey.encrypt(8n);
    assert.equal(
      combineDecryptionShares(
        full,
        full.shares.map((s) => decryptShare(s, cf)),
      ),
      8n,
    );
    assert.throws(
      () =>
        combineDecryptionShares(
          full,
          full.shares.slice(1).map((s) => decryptShare(s, cf)),
        ),
      code('E_HE_THRESHOLD'),
    );
    const one = generateThresholdPaillier({ bits: 256, parties: 2, threshold: 1, seed: 6 });
    const c1 = one.publicKey.encrypt(9n);
    assert.equal(combineDecryptionShares(one, [decryptShare(one.shares[1] as ThresholdKeyShare, c1)]), 9n);
    assert.throws(() => generateThresholdPaillier({ bits: 256, parties: 3, threshold: 4 }), code('E_ARG'));
  });

  it('any 3 of 5 clients decrypt a packed weighted sum of updates', () => {
    const enc = new PaillierEncoder({ bits: 256, range: 1, clients: 4, maxWeight: 5 });
    const len = 13;
    const updates = [1, 2, 3].map((k) => Float32Array.from({ length: len }, (_, i) => Math.sin(k * 7 + i) * 0.9));
    const weights = [1, 3, 5];
    const acc = enc.accumulator(pk, len);
    updates.forEach((u, k) => {
      enc.addInto(pk, acc, enc.encrypt(pk, u), weights[k]);
    });
    assert.ok(acc.ciphertexts.length > 1, 'several ciphertexts');
    const partial = shares.map((s) => decryptShareVector(s, acc));
    for (const set of [
      [0, 1, 2],
      [4, 2, 0],
      [1, 3, 4],
    ]) {
      const plaintexts = combineDecryptionShareVectors(
        keys,
        set.map((i) => partial[i] as (typeof partial)[number]),
      );
      const sum = enc.decodeSum(acc, plaintexts);
      for (let i = 0; i < len; i++) {
        const want = updates.reduce((a, u, k) => a + (u[i] as number) * (weights[k] as number), 0);
        assert.ok(Math.abs((sum[i] as number) - want) < 1e-5, `slot ${i}: ${sum[i]} vs ${want}`);
      }
    }
    assert.throws(() => combineDecryptionShareVectors(keys, partial.slice(0, 2)), code('E_HE_THRESHOLD'));
    const short = { index: 3, values: partial[2]?.values.slice(1) ?? [] };
    assert.throws(
      () => combineDecryptionShareVectors(keys, [partial[0], partial[1], short] as never),
      code('E_HE_LAYOUT'),
    );
  });

  it('proofs of correct decryption: honest shares verify, crafted ones are rejected and outvoted', async () => {
    assert.ok(keys.verification);
    const random = seededFill(9);
    const c = pk.add(pk.encrypt(1000n), pk.encrypt(234n));
    const proven = await Promise.all(shares.map((s) => decryptShareWithProof(s, c, random)));
    for (const p of proven) assert.equal(await verifyDecryptionShare(keys, c, p), true);
    const p1 = proven[1] as (typeof proven)[number];
    // The (1 + N)^k shift that fools the plain combiner fails the proof.
    const crafted = { ...p1, value: (p1.value * (1n + pk.n)) % pk.n2 };
    assert.equal(await verifyDecryptionShare(keys, c, crafted), false);
    // A correct share presented for another ciphertext, or under another party's index.
    assert.equal(await verifyDecryptionShare(keys, pk.encrypt(1234n), p1), false);
    assert.equal(await verifyDecryptionShare(keys, c, { ...p1, index: 3 }), false);
    assert.equal(await verifyDecryptionShare(keys, c, { ...p1, proof: { e: p1.proof.e, z: p1.proof.z + 1n } }), false);
    // With 4 shares, one crafted: the 3 valid ones still decrypt.
    const four = [proven[0], crafted, proven[2], proven[3]] as typeof proven;
    assert.equal(await combineVerifiedDecryptionShares(keys, c, four), 1234n);
    // With only 3, one crafted: refused, naming the bad party.
    await assert.rejects(
      combineVerifiedDecryptionShares(keys, c, [proven[0], crafted, proven[2]] as typeof proven),
      (e: unknown) => code('E_HE_THRESHOLD')(e) && /rejected \(bad proof\): 2/.test((e as Error).message),
    );
    await assert.rejects(
      combineVerifiedDecryptionShares(keys, c, [p1, p1, proven[2]] as typeof proven),
      code('E_HE_SHARE'),
    );
    // Proofs survive the share's JSON round trip (v travels with it).
    const back = ThresholdKeyShare.fromJSON(JSON.parse(JSON.stringify((shares[4] as ThresholdKeyShare).toJSON())), pk);
    assert.equal(await verifyDecryptionShare(keys, c, await decryptShareWithProof(back, c, random)), true);
  });
});
