import { FederaError } from '../errors.js';
import {
  bitLength,
  gcd,
  isProbablePrime,
  modInverse,
  modPow,
  type RandomFill,
  randomBits,
  randomUnit,
  secureFill,
  seededFill,
} from './bigint-math.js';
import { PaillierPublicKey } from './paillier.js';
import type { PaillierCiphertextVector } from './paillier-vector.js';

/**
 * t-of-ℓ threshold Paillier decryption with a trusted dealer: Damgård & Jurik 2001 §4
 * (s = 1), equivalently Fouque, Poupard & Stern 2000.
 *
 * N = p·q with safe primes p = 2p′+1, q = 2q′+1; m = p′q′; d ≡ 0 (mod m), d ≡ 1 (mod N).
 * The dealer Shamir-shares d with a random polynomial f of degree t−1 over Z_{N·m}:
 * s_i = f(i), i = 1…ℓ, and Δ = ℓ!. Party i publishes c_i = c^(2Δ·s_i) mod N²; any t of them
 * combine to c′ = Π c_i^(2μ_i) = (1 + N)^(4Δ²·M) with the integer Lagrange coefficients
 * μ_i = Δ·Π_{j≠i} (−j)/(i−j), so M = L(c′)·(4Δ²)⁻¹ mod N.
 *
 * Plain shares (`decryptShare` / `combineDecryptionShares`) assume semi-honest parties: a
 * random corruption is detected (c′ ≢ 1 mod N, E_HE_CORRUPT), but a malicious party can
 * shift the result undetected by multiplying its share by (1 + N)^k. Proven shares
 * (`decryptShareWithProof` / `combineVerifiedDecryptionShares`) carry a zero-knowledge proof
 * of equal discrete logs against the dealer's verification keys v, v_i = v^(Δ·s_i): bad
 * shares are dropped and any t good ones decrypt. The dealer is trusted in both cases.
 */

/** Safe primes are searched with a sieve over the odd primes below this bound. */
const SIEVE_LIMIT = 1 << 14;
const SIEVE: number[] = (() => {
  const comp = new Uint8Array(SIEVE_LIMIT);
  const out: number[] = [];
  for (let i = 3; i < SIEVE_LIMIT; i += 2) {
    if (comp[i]) continue;
    out.push(i);
    for (let j = i * i; j < SIEVE_LIMIT; j += 2 * i) comp[j] = 1;
  }
  return out;
})();

/**
 * A random safe prime p = 2p′ + 1 of exactly `bits` bits (top two bits set) with p′ prime.
 * Candidates p′ step by 2 from a random odd start; a sieve discards p′ or 2p′+1 with a
 * small factor, then base-2 Fermat tests on both, then `rounds` Miller–Rabin rounds on both.
 */
export function randomSafePrime(bits: number, random: RandomFill, rounds = 24): bigint {
  if (!(Number.isInteger(bits) && bits >= 16)) {
    throw new FederaError('E_ARG', `randomSafePrime: bits must be an integer ≥ 16, got ${bits}`);
  }
  const primes = SIEVE.filter((p) => bitLength(BigInt(p)) < bits - 2);
  for (;;) {
    // p′ has bits−1 bits with its top two set, so p = 2p′+1 has bits bits with its top two set.
    let c = randomBits(bits - 1, random) | (3n << BigInt(bits - 3)) | 1n;
    const residues = primes.map((p) => Number(c % BigInt(p)));
    for (let step = 0; step < 40 * bits; step += 2) {
      if (bitLength(c) !== bits - 1) break;
      let ok = true;
      for (let i = 0; i < primes.length; i++) {
        const p = primes[i] as number;
        const r = ((residues[i] as number) + step) % p;
        if (r === 0 || (2 * r + 1) % p === 0) {
          ok = false;
          break;
        }
      }
      if (ok) {
        const safe = 2n * c + 1n;
        if (
          modPow(2n, c - 1n, c) === 1n &&
          modPow(2n, safe - 1n, safe) === 1n &&
          isProbablePrime(c, rounds, random) &&
          isProbablePrime(safe, rounds, random)
        ) {
          return safe;
        }
      }
      c += 2n;
    }
  }
}

/** What every party and the combiner know: the public key and the (t, ℓ) parameters. */
export interface ThresholdPaillierParams {
  readonly publicKey: PaillierPublicKey;
  /** ℓ: number of shares dealt. */
  readonly parties: number;
  /** t: shares needed to decrypt. */
  readonly threshold: number;
  /** Verification keys for checking proofs of correct decryption shares. */
  readonly verification?: VerificationKeys;
}

/** v, a random square mod N², and v_i = v^(Δ·s_i) mod N² (keys[i − 1]) for every party i. */
export interface VerificationKeys {
  readonly v: bigint;
  readonly keys: readonly bigint[];
}

/** JSON form of a threshold key share (keep it secret: it is part of the key). */
export interface ThresholdKeyShareJson {
  readonly n: string;
  readonly index: number;
  readonly parties: number;
  readonly threshold: number;
  readonly secret: string;
  /** The verification base v (hex), when the dealer made verification keys. */
  readonly v?: string;
}

/** One party's Shamir share s_i = f(i) of the decryption exponent d (index i is 1-based). */
export class ThresholdKeyShare implements ThresholdPaillierParams {
  /** Δ = ℓ!. */
  readonly delta: bigint;
  /** v_i = v^(Δ·s_i) mod N², computed on the first proof. */
  private verificationKey: bigint | undefined;

  constructor(
    readonly publicKey: PaillierPublicKey,
    /** 1-based index i of this share (the point f is evaluated at). */
    readonly index: number,
    readonly parties: number,
    readonly threshold: number,
    private readonly secret: bigint,
    /** The verification base v, needed to prove decryption shares. */
    readonly verificationBase?: bigint,
  ) {
    checkParams(parties, threshold);
    if (!(Number.isSafeInteger(index) && index >= 1 && index <= parties)) {
      throw new FederaError('E_HE_SHARE', `share index must be an integer in [1, ${parties}], got ${index}`);
    }
    if (secret < 0n) throw new FederaError('E_HE_SHARE', 'share secret must be non-negative');
    this.delta = factorial(parties);
  }

  toJSON(): ThresholdKeyShareJson {
    return {
      n: this.publicKey.n.toString(16),
      index: this.index,
      parties: this.parties,
      threshold: this.threshold,
      secret: this.secret.toString(16),
      ...(this.verificationBase !== undefined ? { v: this.verificationBase.toString(16) } : {}),
    };
  }

  /** Rebuilds a share; `publicKey` (e.g. one carrying DJN's hs) must have the same n. */
  static fromJSON(json: ThresholdKeyShareJson, publicKey?: PaillierPublicKey): ThresholdKeyShare {
    const hex = (s: string, what: string): bigint => {
      if (typeof s !== 'string' || !/^[0-9a-f]+$/i.test(s)) {
        throw new FederaError('E_HE_KEY', `threshold key share field '${what}' must be a hex string`);
      }
      return BigInt(`0x${s}`);
    };
    const n = hex(json.n, 'n');
    const pk = publicKey ?? new PaillierPublicKey(n);
    if (pk.n !== n) throw new FederaError('E_HE_KEY', 'threshold key share was dealt for another public key');
    const v = json.v === undefined ? undefined : hex(json.v, 'v');
    return new ThresholdKeyShare(pk, json.index, json.parties, json.threshold, hex(json.secret, 'secret'), v);
  }

  /** c^(2Δ·s_i) mod N² (raw value; see `decryptShare`). */
  exponentiate(c: bigint): bigint {
    return modPow(c, 2n * this.delta * this.secret, this.publicKey.n2);
  }

  /**
   * A non-interactive proof (Fiat–Shamir, SHA-256) that log_{c⁴}(value²) = log_v(v_i), i.e.
   * that `value` = c^(2Δ·s_i) for the s_i behind this party's verification key.
   */
  async prove(c: bigint, value: bigint, random: RandomFill): Promise<ShareProof> {
    const v = this.verificationBase;
    if (v === undefined) {
      throw new FederaError(
        'E_HE_KEY',
        'this key share has no verification base v',
        'deal the keys with generateThresholdPaillier (verification keys are on by default)',
      );
    }
    const n2 = this.publicKey.n2;
    const x = this.delta * this.secret;
    const r = randomBits(bitLength(x) + PROOF_HASH_BITS + PROOF_HIDING_BITS, random);
    const u = modPow(c, 4n, n2);
    this.verificationKey ??= modPow(v, x, n2);
    const e = await challenge(
      this.publicKey.n,
      this.index,
      v,
      this.verificationKey,
      u,
      (value * value) % n2,
      modPow(u, r, n2),
      modPow(v, r, n2),
    );
    return { e, z: r + e * x };
  }
}

/** Party `index`'s decryption share c_i = c^(2Δ·s_i) mod N² of one ciphertext. */
export interface DecryptionShare {
  readonly index: number;
  readonly value: bigint;
}

/** Party `index`'s decryption shares of every ciphertext of a packed vector, in order. */
export interface DecryptionShareVector {
  readonly index: number;
  readonly values: readonly bigint[];
}

/** Options of `generateThresholdPaillier`. */
export interface ThresholdPaillierOptions {
  /** Bit length of N (even, ≥ 128; 2048 for real use). */
  readonly bits: number;
  /** ℓ: number of shares (parties), ≥ 2. */
  readonly parties: number;
  /** t: shares needed to decrypt, 1 ≤ t ≤ ℓ. */
  readonly threshold: number;
  /** Random bytes for primes and polynomial (default: the platform CSPRNG). */
  readonly random?: RandomFill;
  /** Seeds `random` for reproducible tests: whoever knows the seed knows the key. */
  readonly seed?: number | string;
  /** Put DJN's hs in the public key for fast encryption (default true). */
  readonly djn?: boolean;
  /** Make verification keys so parties can prove their decryption shares (default true). */
  readonly verification?: boolean;
}

/** The dealer's output: the public parameters plus one secret share per party. */
export interface ThresholdPaillierKeys extends ThresholdPaillierParams {
  /** shares[i] goes (secretly) to party i + 1. */
  readonly shares: ThresholdKeyShare[];
  readonly verification?: VerificationKeys;
}

/**
 * The trusted dealer's key generation: safe primes p, q, then Shamir shares of d over
 * Z_{N·m}. The dealer must forget p, q and d afterwards (this function does not return
 * them). Safe primes are slow to find in JS: seconds for 512-bit N, minutes for 2048.
 *
 * @example
 * const { publicKey, shares, ...params } = generateThresholdPaillier({ bits: 2048, parties: 5, threshold: 3 });
 * const c = publicKey.add(publicKey.encrypt(2n), publicKey.encrypt(3n));
 * combineDecryptionShares({ publicKey, ...params }, [shares[0], shares[2], shares[4]].map((s) => decryptShare(s, c))); // 5n
 */
export function generateThresholdPaillier(opts: ThresholdPaillierOptions): ThresholdPaillierKeys {
  const { bits, parties, threshold } = opts;
  if (!(Number.isInteger(bits) && bits >= 128 && bits % 2 === 0)) {
    throw new FederaError('E_ARG', `threshold Paillier bits must be an even integer ≥ 128, got ${bits}`, 'use 2048');
  }
  checkParams(parties, threshold);
  const random = opts.random ?? (opts.seed !== undefined ? seededFill(opts.seed) : secureFill());
  let p: bigint;
  let q: bigint;
  let n: bigint;
  let m: bigint;
  do {
    p = randomSafePrime(bits / 2, random);
    q = randomSafePrime(bits / 2, random);
    n = p * q;
    m = ((p - 1n) / 2n) * ((q - 1n) / 2n);
  } while (p === q || bitLength(n) !== bits || gcd(n, m) !== 1n);
  const nm = n * m;
  const d = m * modInverse(m, n); // ≡ 0 mod m, ≡ 1 mod n
  const coeffs = [d];
  for (let k = 1; k < threshold; k++) coeffs.push(randomBelow(nm, random));
  const shares: ThresholdKeyShare[] = [];
  let hs: bigint | undefined;
  if (opts.djn !== false) {
    const y = randomUnit(n, random);
    hs = modPow(n - ((y * y) % n), n, n * n);
  }
  const publicKey = new PaillierPublicKey(n, hs, random);
  const n2 = n * n;
  const v = opts.verification === false ? undefined : modPow(randomUnit(n2, random), 2n, n2);
  const delta = factorial(parties);
  const keys: bigint[] = [];
  for (let i = 1; i <= parties; i++) {
    const x = BigInt(i);
    let s = 0n;
    for (let k = coeffs.length - 1; k >= 0; k--) s = (s * x + (coeffs[k] as bigint)) % nm;
    shares.push(new ThresholdKeyShare(publicKey, i, parties, threshold, s, v));
    if (v !== undefined) keys.push(modPow(v, delta * s, n2));
  }
  return { publicKey, parties, threshold, shares, ...(v !== undefined ? { verification: { v, keys } } : {}) };
}

/** Party `share.index`'s decryption share of ciphertext c. Throws E_HE_CIPHERTEXT when c ∉ (0, N²). */
export function decryptShare(share: ThresholdKeyShare, c: bigint): DecryptionShare {
  if (!share.publicKey.isCiphertext(c)) {
    throw new FederaError('E_HE_CIPHERTEXT', 'Paillier ciphertext out of range (0, N²)', 'was it made with this key?');
  }
  return { index: share.index, value: share.exponentiate(c) };
}

/**
 * Combines decryption shares of one ciphertext from at least `threshold` distinct parties
 * into the plaintext M ∈ [0, N). Uses the first t shares. Throws E_HE_THRESHOLD for fewer
 * than t shares, E_HE_SHARE for a duplicate or out-of-range index or a value outside
 * (0, N²) or not invertible, E_HE_CORRUPT when the shares do not combine to 1 + x·N (a
 * share of another ciphertext or key, or a corrupted one).
 */
export function combineDecryptionShares(params: ThresholdPaillierParams, shares: readonly DecryptionShare[]): bigint {
  const { publicKey: pk, parties, threshold } = params;
  checkParams(parties, threshold);
  const seen = new Set<number>();
  for (const s of shares) {
    if (!(Number.isSafeInteger(s.index) && s.index >= 1 && s.index <= parties)) {
      throw new FederaError(
        'E_HE_SHARE',
        `decryption share index must be an integer in [1, ${parties}], got ${s.index}`,
      );
    }
    if (seen.has(s.index)) {
      throw new FederaError(
        'E_HE_SHARE',
        `two decryption shares have index ${s.index}`,
        'send each party’s share once',
      );
    }
    seen.add(s.index);
    if (!(typeof s.value === 'bigint' && pk.isCiphertext(s.value) && gcd(s.value, pk.n) === 1n)) {
      throw new FederaError('E_HE_SHARE', `decryption share ${s.index} is not a unit in (0, N²)`);
    }
  }
  if (shares.length < threshold) {
    throw new FederaError(
      'E_HE_THRESHOLD',
      `${shares.length} decryption share(s) from distinct parties, ${threshold} needed`,
      `collect shares from at least ${threshold} of the ${parties} parties`,
    );
  }
  const used = shares.slice(0, threshold);
  const delta = factorial(parties);
  let acc = 1n;
  for (const s of used) {
    const mu = lagrange(delta, s.index, used);
    const base = mu < 0n ? modInverse(s.value, pk.n2) : s.value;
    acc = (acc * modPow(base, 2n * (mu < 0n ? -mu : mu), pk.n2)) % pk.n2;
  }
  if ((acc - 1n) % pk.n !== 0n) {
    throw new FederaError(
      'E_HE_CORRUPT',
      'the decryption shares do not combine to 1 + x·N (mod N²)',
      'every share must be of the same ciphertext under the same key, unaltered',
    );
  }
  const scale = modInverse(4n * delta * delta, pk.n);
  return (((acc - 1n) / pk.n) * scale) % pk.n;
}

/** Party `share.index`'s decryption shares of every ciphertext of `v` (a packed sum). */
export function decryptShareVector(share: ThresholdKeyShare, v: PaillierCiphertextVector): DecryptionShareVector {
  if (v.keyFingerprint !== share.publicKey.fingerprint) {
    throw new FederaError(
      'E_HE_KEY',
      `vector was made under key ${v.keyFingerprint}, the share belongs to ${share.publicKey.fingerprint}`,
      'encrypt with the public key of this round',
    );
  }
  return { index: share.index, values: v.ciphertexts.map((c) => decryptShare(share, c).value) };
}

/**
 * The plaintexts of a packed vector's ciphertexts from ≥ t parties' `decryptShareVector`
 * outputs (same errors as `combineDecryptionShares`, E_HE_LAYOUT for differing lengths);
 * decode them with `PaillierEncoder#decodeSum(acc, plaintexts)`.
 */
export function combineDecryptionShareVectors(
  params: ThresholdPaillierParams,
  shares: readonly DecryptionShareVector[],
): bigint[] {
  const count = shares[0]?.values.length ?? 0;
  for (const s of shares) {
    if (s.values.length !== count) {
      throw new FederaError('E_HE_LAYOUT', `decryption share vectors hold ${count} and ${s.values.length} values`);
    }
  }
  if (shares.length < params.threshold) {
    // Let the scalar path raise the precise error (duplicates, then the threshold).
    combineDecryptionShares(
      params,
      shares.map((s) => ({ index: s.index, value: s.values[0] ?? 1n })),
    );
  }
  const out: bigint[] = new Array(count);
  for (let k = 0; k < count; k++) {
    out[k] = combineDecryptionShares(
      params,
      shares.map((s) => ({ index: s.index, value: s.values[k] as bigint })),
    );
  }
  return out;
}

/** A decryption share with its proof of correctness. */
export interface ProvenDecryptionShare extends DecryptionShare {
  readonly proof: ShareProof;
}

/** Fiat–Shamir proof of equal discrete logs: challenge e (256 bits) and response z. */
export interface ShareProof {
  readonly e: bigint;
  readonly z: bigint;
}

/**
 * Party `share.index`'s decryption share of c with a zero-knowledge proof (Damgård–Jurik
 * 2001 §4 / Shoup 2000) that it is c^(2Δ·s_i) for the s_i behind the party's verification
 * key: a = c^(4r), b = v^r, e = SHA-256(N, i, v, v_i, c⁴, c_i², a, b), z = r + e·Δ·s_i.
 */
export async function decryptShareWithProof(
  share: ThresholdKeyShare,
  c: bigint,
  random: RandomFill = secureFill(),
): Promise<ProvenDecryptionShare> {
  const d = decryptShare(share, c);
  return { ...d, proof: await share.prove(c, d.value, random) };
}

/**
 * True when `share`'s proof shows it is a correct decryption share of c under
 * `params.verification` (which must be present: E_HE_KEY otherwise). Checks
 * c^(4z) = a·(c_i²)^e and v^z = b·v_i^e by recomputing a, b and the challenge.
 */
export async function verifyDecryptionShare(
  params: ThresholdPaillierParams,
  c: bigint,
  share: ProvenDecryptionShare,
): Promise<boolean> {
  const ver = params.verification;
  if (!ver) {
    throw new FederaError(
      'E_HE_KEY',
      'no verification keys to check decryption share proofs against',
      'pass the verification keys the dealer published',
    );
  }
  const pk = params.publicKey;
  const n2 = pk.n2;
  const { index, value, proof } = share;
  const vi = ver.keys[index - 1];
  if (vi === undefined || !Number.isSafeInteger(index) || index < 1) return false;
  if (!(pk.isCiphertext(c) && pk.isCiphertext(value) && gcd(value, pk.n) === 1n && gcd(c, pk.n) === 1n)) return false;
  if (typeof proof?.e !== 'bigint' || typeof proof.z !== 'bigint' || proof.e < 0n || proof.z < 0n) return false;
  if (proof.e >> BigInt(PROOF_HASH_BITS) !== 0n) return false;
  const u = modPow(c, 4n, n2);
  const ui = (value * value) % n2;
  const a = (modPow(u, proof.z, n2) * modInverse(modPow(ui, proof.e, n2), n2)) % n2;
  const b = (modPow(ver.v, proof.z, n2) * modInverse(modPow(vi, proof.e, n2), n2)) % n2;
  return (await challenge(pk.n, index, ver.v, vi, u, ui, a, b)) === proof.e;
}

/**
 * Verifies every proven share of c, drops the invalid ones and combines the first t valid
 * ones (so up to ℓ − t cheating or failed parties are tolerated). Throws E_HE_THRESHOLD,
 * naming the rejected indices, when fewer than t valid shares remain; E_HE_SHARE for
 * duplicate indices.
 */
export async function combineVerifiedDecryptionShares(
  params: ThresholdPaillierParams,
  c: bigint,
  shares: readonly ProvenDecryptionShare[],
): Promise<bigint> {
  const seen = new Set<number>();
  for (const s of shares) {
    if (seen.has(s.index)) {
      throw new FederaError(
        'E_HE_SHARE',
        `two decryption shares have index ${s.index}`,
        'send each party’s share once',
      );
    }
    seen.add(s.index);
  }
  const valid: DecryptionShare[] = [];
  const rejected: number[] = [];
  for (const s of shares) {
    if (valid.length === params.threshold) break;
    if (await verifyDecryptionShare(params, c, s)) valid.push({ index: s.index, value: s.value });
    else rejected.push(s.index);
  }
  if (valid.length < params.threshold) {
    throw new FederaError(
      'E_HE_THRESHOLD',
      `${valid.length} valid decryption share(s), ${params.threshold} needed${rejected.length ? `; rejected (bad proof): ${rejected.join(', ')}` : ''}`,
      `collect correctly proven shares from at least ${params.threshold} of the ${params.parties} parties`,
    );
  }
  return combineDecryptionShares(params, valid);
}

/** Bits of the Fiat–Shamir challenge. */
const PROOF_HASH_BITS = 256;
/** Statistical hiding of e·Δ·s_i by the random r in z = r + e·Δ·s_i. */
const PROOF_HIDING_BITS = 128;

async function challenge(n: bigint, index: number, ...values: bigint[]): Promise<bigint> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle) {
    throw new FederaError('E_RUNTIME', 'WebCrypto (crypto.subtle) is not available', 'use Node >= 20 or a browser');
  }
  const text = ['federa-tp-v1', n.toString(16), String(index), ...values.map((x) => x.toString(16))].join(':');
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let e = 0n;
  for (const byte of digest) e = (e << 8n) | BigInt(byte);
  return e;
}

/** μ_i = Δ·Π_{j∈S, j≠i} (−j)/(i−j): an integer because Δ = ℓ! absorbs the denominators. */
function lagrange(delta: bigint, i: number, set: readonly DecryptionShare[]): bigint {
  let num = delta;
  let den = 1n;
  for (const s of set) {
    if (s.index === i) continue;
    num *= -BigInt(s.index);
    den *= BigInt(i - s.index);
  }
  return num / den;
}

function factorial(k: number): bigint {
  let f = 1n;
  for (let i = 2; i <= k; i++) f *= BigInt(i);
  return f;
}

function randomBelow(bound: bigint, random: RandomFill): bigint {
  const bits = bitLength(bound);
  for (;;) {
    const r = randomBits(bits, random);
    if (r < bound) return r;
  }
}

function checkParams(parties: number, threshold: number): void {
  if (!(Number.isSafeInteger(parties) && parties >= 2 && parties <= 1000)) {
    throw new FederaError('E_ARG', `parties must be an integer in [2, 1000], got ${parties}`);
  }
  if (!(Number.isSafeInteger(threshold) && threshold >= 1 && threshold <= parties)) {
    throw new FederaError('E_ARG', `threshold must be an integer in [1, ${parties}], got ${threshold}`);
  }
}
