import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrivateKey, PublicKey } from 'paillier-bigint';
import { FederaError } from '../errors.js';
import { gcd, isProbablePrime, modInverse, modPow, randomPrime, seededFill } from './bigint-math.js';
import { generatePaillierKeys, PaillierPrivateKey, PaillierPublicKey } from './paillier.js';
import { PaillierEncoder } from './paillier-encoder.js';

const keys = generatePaillierKeys(512, { seed: 1 });

describe('bigint math', () => {
  it('modPow agrees with repeated multiplication and Fermat', () => {
    const m = 1_000_000_007n;
    let want = 1n;
    for (let i = 0; i < 1000; i++) want = (want * 123456789n) % m;
    assert.equal(modPow(123456789n, 1000n, m), want);
    const p = randomPrime(256, seededFill(3));
    const a = 0x1234567890abcdef1234567890abcdefn;
    assert.equal(modPow(a, p - 1n, p), 1n); // Fermat: long exponent, window 4
    const big = randomPrime(700, seededFill(4)); // exponent > 512 bits: window 5
    assert.equal(modPow(a, big - 1n, big), 1n);
    assert.equal(modPow(a, 0n, p), 1n);
  });

  it('randomPrime gives primes of exactly the asked bit length; Miller–Rabin rejects composites', () => {
    const rnd = seededFill(5);
    const p = randomPrime(128, rnd);
    assert.equal(p.toString(2).length, 128);
    assert.ok(isProbablePrime(p, 20, rnd));
    assert.ok(!isProbablePrime(p * randomPrime(64, rnd), 20, rnd));
    assert.ok(!isProbablePrime(561n, 20, rnd)); // Carmichael number
    assert.equal((modInverse(17n, p) * 17n) % p, 1n);
    assert.equal(gcd(12n, 18n), 6n);
  });
});

describe('Paillier (g = n + 1, CRT decryption, DJN randomiser)', () => {
  it('generates an n of exactly the asked bits, reproducibly from a seed', () => {
    assert.equal(keys.publicKey.bits, 512);
    assert.equal(generatePaillierKeys(512, { seed: 1 }).publicKey.n, keys.publicKey.n);
    assert.notEqual(generatePaillierKeys(512, { seed: 2 }).publicKey.n, keys.publicKey.n);
  });

  it('decrypts what it encrypts and adds under encryption, on every randomiser path', () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const big = pk.n - 5n;
    for (const djn of [true, false]) {
      pk.djn = djn;
      const a = pk.encrypt(123456789n);
      const b = pk.encrypt(big);
      assert.notEqual(pk.encrypt(7n), pk.encrypt(7n)); // randomised
      assert.equal(sk.decrypt(a), 123456789n);
      assert.equal(sk.decrypt(pk.add(a, b)), (123456789n + big) % pk.n);
      assert.equal(sk.decrypt(pk.multiply(a, 1000n)), 123456789000n);
    }
    pk.djn = true;
    pk.precompute(3);
    assert.equal(pk.pooled, 3);
    assert.equal(sk.decrypt(pk.encrypt(42n)), 42n);
    assert.equal(pk.pooled, 2);
  });

  it('agrees with paillier-bigint (the reference) in both directions', () => {
    const { publicKey: pk, privateKey: sk } = keys;
    const { lambda, mu } = sk.lambdaMu;
    const refPub = new PublicKey(pk.n, pk.n + 1n);
    const refPriv = new PrivateKey(lambda, mu, refPub);
    for (const m of [0n, 1n, 987654321987654321n, pk.n - 1n]) {
      assert.equal(refPriv.decrypt(pk.encrypt(m)), m);
      assert.equal(sk.decrypt(refPub.encrypt(m)), m);
    }
    // Same randomiser r gives the same ciphertext: the schemes are identical.
    const r = 0xdeadbeefcafen;
    const c = refPub.encrypt(99n, r);
    assert.equal(c, ((1n + 99n * pk.n) * modPow(r, pk.n, pk.n2)) % pk.n2);
    assert.equal(sk.decrypt(refPub.addition(c, refPub.encrypt(1n))), 100n);
  });

  it('round-trips keys through JSON and refuses bad keys and ciphertexts', () => {
    const pk2 = PaillierPublicKey.fromJSON(JSON.parse(JSON.stringify(keys.publicKey.toJSON())));
    const sk2 = PaillierPrivateKey.fromJSON(JSON.parse(JSON.stringify(keys.privateKey.toJSON())));
    assert.equal(pk2.fingerprint, keys.publicKey.fingerprint);
    assert.equal(sk2.decrypt(pk2.encrypt(5n)), 5n);
    assert.throws(
      () => keys.privateKey.decrypt(0n),
      (e: unknown) => e instanceof FederaError && e.code === 'E_HE_CIPHERTEXT',
    );
    assert.throws(() => keys.privateKey.decrypt(keys.publicKey.n2), /out of range/);
    assert.throws(
      () => keys.publicKey.encrypt(-1n),
      (e: unknown) => e instanceof FederaError && e.code === 'E_HE_RANGE',
    );
    assert.throws(() => PaillierPublicKey.fromJSON({ n: 'xyz' }), /hex/);
    assert.throws(() => generatePaillierKeys(100), /even integer ≥ 128/);
  });

  it('works at the default 2048 bits: packed sum of two clients, readable by paillier-bigint too', () => {
    const { publicKey: pk, privateKey: sk } = generatePaillierKeys(2048, { seed: 2048 });
    assert.equal(pk.bits, 2048);
    const enc = new PaillierEncoder({ range: 1, clients: 100 });
    assert.equal(enc.slots, 62);
    const a = Float32Array.from({ length: 70 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 70 }, (_, i) => -Math.cos(i) / 2);
    const acc = enc.accumulator(pk, 70);
    enc.addInto(pk, acc, enc.encrypt(pk, a));
    enc.addInto(pk, acc, enc.encrypt(pk, b));
    const sum = enc.decryptSum(sk, acc);
    for (let i = 0; i < 70; i++) assert.ok(Math.abs((sum[i] as number) - ((a[i] as number) + (b[i] as number))) < 2e-7);
    const { lambda, mu } = sk.lambdaMu;
    const ref = new PrivateKey(lambda, mu, new PublicKey(pk.n, pk.n + 1n));
    assert.equal(ref.decrypt(acc.ciphertexts[1] as bigint), sk.decrypt(acc.ciphertexts[1] as bigint));
  });
});
