import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederaError } from '../errors.js';
import { seededFill } from './bigint-math.js';
import { generatePaillierKeys } from './paillier.js';
import { PaillierEncoder } from './paillier-encoder.js';
import { combinePartialDecryptions, PaillierKeyShare, splitPaillierKey } from './paillier-shares.js';

const { publicKey: pk, privateKey: sk } = generatePaillierKeys(512, { seed: 31 });
const code = (c: string) => (e: unknown) => e instanceof FederaError && e.code === c;

describe('n-of-n distributed Paillier decryption', () => {
  it('all shares together decrypt like the private key; fewer do not', () => {
    const shares = splitPaillierKey(sk, 3, seededFill(1));
    for (const m of [0n, 42n, pk.n - 1n]) {
      const c = pk.encrypt(m);
      assert.equal(
        combinePartialDecryptions(
          pk,
          shares.map((s) => s.partialDecrypt(c)),
        ),
        m,
      );
    }
    const c = pk.encrypt(1234n);
    const two = shares.slice(0, 2).map((s) => s.partialDecrypt(c));
    assert.throws(() => combinePartialDecryptions(pk, two), code('E_HE_CORRUPT'));
    // A share round-trips through JSON (the last one has a negative exponent).
    const back = shares.map((s) => PaillierKeyShare.fromJSON(pk, JSON.parse(JSON.stringify(s.toJSON()))));
    assert.ok(shares[2]?.toJSON().exponent.startsWith('-'));
    assert.equal(
      combinePartialDecryptions(
        pk,
        back.map((s) => s.partialDecrypt(c)),
      ),
      1234n,
    );
  });

  it('decrypts a packed weighted sum without any single key holder', () => {
    const enc = new PaillierEncoder({ bits: 512, range: 1, clients: 2, maxWeight: 10 });
    const acc = enc.accumulator(pk, 20);
    const a = Float32Array.from({ length: 20 }, (_, i) => (i - 10) / 10);
    enc.addInto(pk, acc, enc.encrypt(pk, a), 3);
    enc.addInto(pk, acc, enc.encrypt(pk, a), 7);
    const shares = splitPaillierKey(sk, 2, seededFill(2));
    const plaintexts = acc.ciphertexts.map((c) =>
      combinePartialDecryptions(
        pk,
        shares.map((s) => s.partialDecrypt(c)),
      ),
    );
    const sum = enc.decodeSum(acc, plaintexts);
    assert.deepEqual([...sum], [...enc.decryptSum(sk, acc)]);
    for (const [i, v] of sum.entries()) assert.ok(Math.abs(v - 10 * (a[i] as number)) < 1e-5);
    assert.throws(() => splitPaillierKey(sk, 1), /parties must be an integer ≥ 2/);
  });
});
