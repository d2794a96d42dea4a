import { FederaError } from '../errors.js';
import { bitLength, modInverse, modPow, type RandomFill, randomBits, secureFill } from './bigint-math.js';
import type { PaillierPrivateKey, PaillierPublicKey } from './paillier.js';

/** Statistical hiding of the decryption exponent by each random share, in bits. */
const HIDING_BITS = 128;

/**
 * One party's share of a Paillier decryption exponent, for n-of-n distributed decryption:
 * every party must take part, and any n − 1 of them learn nothing about the key.
 *
 * With g = n + 1, d = λ·(λ⁻¹ mod n) satisfies d ≡ 0 (mod λ) and d ≡ 1 (mod n), so
 * c^d = 1 + m·n (mod n²) for c = Enc(m). The shares are d_1 … d_{k−1} uniform in
 * [0, 2^(|d| + 128)) and d_k = d − Σ d_i (negative: applied to c⁻¹), so each share hides d
 * statistically. Party i publishes c^(d_i) mod n²; the product of all is c^d. Partial
 * decryptions are full-length exponentiations mod n² (no CRT: no party knows p, q), so
 * this costs about 4× a key holder's CRT decryption per party.
 */
export class PaillierKeyShare {
  constructor(
    readonly publicKey: PaillierPublicKey,
    /** 0-based index of this share. */
    readonly index: number,
    /** Number of shares, all needed to decrypt. */
    readonly parties: number,
    private readonly exponent: bigint,
  ) {}

  /** c^(d_i) mod n²: this party's contribution to decrypting c. */
  partialDecrypt(c: bigint): bigint {
    const pk = this.publicKey;
    if (!pk.isCiphertext(c)) {
      throw new FederaError(
        'E_HE_CIPHERTEXT',
        'Paillier ciphertext out of range (0, n²)',
        'was it made with this key?',
      );
    }
    if (this.exponent >= 0n) return modPow(c, this.exponent, pk.n2);
    let inv: bigint;
    try {
      inv = modInverse(c, pk.n2);
    } catch {
      throw new FederaError(
        'E_HE_CIPHERTEXT',
        'Paillier ciphertext is not invertible mod n²',
        'it is not a valid ciphertext',
      );
    }
    return modPow(inv, -this.exponent, pk.n2);
  }

  /** JSON for storing the share (keep it secret: it is part of the key). */
  toJSON(): { index: number; parties: number; exponent: string } {
    const e = this.exponent;
    return { index: this.index, parties: this.parties, exponent: (e < 0n ? '-' : '') + (e < 0n ? -e : e).toString(16) };
  }

  static fromJSON(pk: PaillierPublicKey, json: { index: number; parties: number; exponent: string }): PaillierKeyShare {
    if (!/^-?[0-9a-f]+$/i.test(json.exponent ?? ''))
      throw new FederaError('E_HE_KEY', 'key share exponent must be hex');
    const neg = json.exponent.startsWith('-');
    const e = BigInt(`0x${neg ? json.exponent.slice(1) : json.exponent}`);
    return new PaillierKeyShare(pk, json.index, json.parties, neg ? -e : e);
  }
}

/**
 * Splits the private key into `parties` shares for n-of-n distributed decryption (the
 * dealer — whoever generated the key — should then forget the private key).
 *
 * @example
 * const shares = splitPaillierKey(privateKey, 3);
 * const partials = shares.map((s) => s.partialDecrypt(c));
 * combinePartialDecryptions(publicKey, partials); // = privateKey.decrypt(c)
 */
export function splitPaillierKey(
  priv: PaillierPrivateKey,
  parties: number,
  random: RandomFill = secureFill(),
): PaillierKeyShare[] {
  if (!(Number.isSafeInteger(parties) && parties >= 2)) {
    throw new FederaError(
      'E_ARG',
      `parties must be an integer ≥ 2, got ${parties}`,
      'use the private key itself for a single key holder',
    );
  }
  const pk = priv.publicKey;
  const { lambda, mu } = priv.lambdaMu;
  const d = lambda * mu;
  const bits = bitLength(d) + HIDING_BITS;
  const shares: bigint[] = [];
  let rest = d;
  for (let i = 0; i < parties - 1; i++) {
    const s = randomBits(bits, random);
    shares.push(s);
    rest -= s;
  }
  shares.push(rest);
  return shares.map((e, i) => new PaillierKeyShare(pk, i, parties, e));
}

/** m = L(Π partials mod n²) from every party's `partialDecrypt` of the same ciphertext. */
export function combinePartialDecryptions(pk: PaillierPublicKey, partials: readonly bigint[]): bigint {
  if (partials.length === 0) throw new FederaError('E_ARG', 'no partial decryptions to combine');
  let x = 1n;
  for (const p of partials) {
    if (!pk.isCiphertext(p)) throw new FederaError('E_HE_CIPHERTEXT', 'a partial decryption is out of range (0, n²)');
    x = (x * p) % pk.n2;
  }
  if ((x - 1n) % pk.n !== 0n) {
    throw new FederaError(
      'E_HE_CORRUPT',
      'the partial decryptions do not combine to 1 + m·n (mod n²)',
      'every share must take part exactly once, on the same ciphertext, under the same key',
    );
  }
  return (x - 1n) / pk.n;
}
