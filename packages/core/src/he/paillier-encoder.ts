import { FederaError } from '../errors.js';
import type { PaillierPrivateKey, PaillierPublicKey } from './paillier.js';
import { PaillierCiphertextVector, type PaillierLayout } from './paillier-vector.js';

export interface PaillierEncoderOptions {
  /** Bit length of the key modulus n (default 2048). */
  readonly bits?: number;
  /** Largest |x| a client may send; larger values are refused (or clipped, see `encrypt`). */
  readonly range: number;
  /** Largest number of summands in one sum (clients per round). */
  readonly clients: number;
  /** Largest integer weight of one summand (default 1; the example count for weighted sums). */
  readonly maxWeight?: number;
  /**
   * Bits per slot b (2 … 64). Default: ⌈log2(clients·maxWeight)⌉ + 26, which leaves each
   * value 25 bits of magnitude plus sign, float32's precision relative to `range`.
   */
  readonly slotBits?: number;
  /** Fixed-point scale (default: the largest for which the sum cannot overflow a slot). */
  readonly scale?: number;
}

export interface PaillierEncryptOptions {
  /** Clip values outside [−range, range] instead of refusing them (default false). */
  readonly clip?: boolean;
}

/** Largest offset M kept exact in float64 arithmetic. */
const MAX_OFFSET = 2 ** 52;

/**
 * Packs fixed-point vectors into Paillier plaintexts so one ciphertext carries many values.
 *
 * Slot layout: a plaintext holds `slots = ⌊(bits−1)/b⌋` slots of b bits; slot i (value
 * i of the chunk) occupies bits [i·b, (i+1)·b), and the top bits stay zero so the plaintext
 * is below n. A value x becomes q = round(x·scale) with |q| ≤ M = round(range·scale), stored
 * with offset encoding as e = q + M ∈ [0, 2M] (so negatives need no sign handling). Adding
 * ciphertexts adds slots; scaling a ciphertext by an integer weight w multiplies them. A sum
 * of total weight W ≤ C = clients·maxWeight holds Σ w_k·e_k ≤ C·2M per slot, which the
 * constructor checks is below 2^b: no slot can carry into its neighbour. Decoding subtracts
 * W·M and divides by scale. Quantisation error: ≤ W·0.5/scale on a sum, 0.5/scale on a mean.
 *
 * @example
 * const enc = new PaillierEncoder({ bits: 2048, range: 1, clients: 100 });
 * const acc = enc.accumulator(publicKey, 3);
 * enc.addInto(acc, enc.encrypt(publicKey, new Float32Array([0.5, -0.25, 1])));
 * enc.decryptSum(privateKey, acc); // ≈ [0.5, -0.25, 1]
 */
export class PaillierEncoder {
  readonly layout: PaillierLayout;
  /** Values per ciphertext. */
  readonly slots: number;
  /** C = clients·maxWeight: the largest total weight a sum may hold. */
  readonly capacity: number;
  readonly range: number;
  private readonly mask: bigint;

  constructor(opts: PaillierEncoderOptions) {
    const bits = opts.bits ?? 2048;
    if (!(Number.isInteger(bits) && bits >= 128))
      throw new FederaError('E_ARG', `bits must be an integer ≥ 128, got ${bits}`, 'use 2048');
    if (!(opts.range > 0 && Number.isFinite(opts.range))) {
      throw new FederaError(
        'E_ARG',
        `range must be a positive number, got ${opts.range}`,
        'the largest |value| a client sends, e.g. 1',
      );
    }
    const pint = (name: string, v: number) => {
      if (!(Number.isSafeInteger(v) && v >= 1))
        throw new FederaError('E_ARG', `${name} must be a positive integer, got ${v}`);
    };
    pint('clients', opts.clients);
    const maxWeight = opts.maxWeight ?? 1;
    pint('maxWeight', maxWeight);
    const capacity = opts.clients * maxWeight;
    const capBits = Math.ceil(Math.log2(capacity));
    const slotBits = opts.slotBits ?? capBits + 26;
    if (!(Number.isInteger(slotBits) && slotBits >= 2 && slotBits <= 64 && slotBits < bits)) {
      throw new FederaError('E_ARG', `slotBits must be an integer in [2, 64], got ${slotBits}`);
    }
    const slotMax = 2 ** slotBits; // sums must stay < slotMax
    let offset: number;
    let scale: number;
    if (opts.scale === undefined) {
      offset = Math.min(MAX_OFFSET, Math.floor((slotMax - 1) / (2 * capacity)));
      if (offset < 1) {
        throw new FederaError(
          'E_HE_OVERFLOW',
          `a ${slotBits}-bit slot cannot hold a sum of ${capacity} (clients × maxWeight) values`,
          `use slotBits ≥ ${capBits + 2}`,
        );
      }
      scale = offset / opts.range;
    } else {
      scale = opts.scale;
      if (!(scale > 0 && Number.isFinite(scale)))
        throw new FederaError('E_ARG', `scale must be a positive number, got ${scale}`);
      offset = Math.round(opts.range * scale);
      if (offset < 1 || offset > MAX_OFFSET) {
        throw new FederaError(
          'E_ARG',
          `range·scale must lie in [1, 2^52], got ${opts.range * scale}`,
          'pick scale so that range·scale is an integer grid of useful resolution',
        );
      }
      if (capacity * 2 * offset >= slotMax) {
        const need = Math.ceil(Math.log2(capacity * 2 * offset + 1));
        throw new FederaError(
          'E_HE_OVERFLOW',
          `slot overflow: ${opts.clients} clients × weight ${maxWeight} × 2·range·scale (${2 * offset}) needs ${need} bits, slotBits is ${slotBits}`,
          `raise slotBits to ${need}, lower scale to ${Math.floor((slotMax - 1) / (2 * capacity)) / opts.range}, or sum fewer clients`,
        );
      }
    }
    this.layout = { bits, slotBits, scale, offset };
    this.slots = Math.floor((bits - 1) / slotBits);
    this.capacity = capacity;
    this.range = opts.range;
    this.mask = (1n << BigInt(slotBits)) - 1n;
  }

  /** Ciphertexts needed for `length` values. */
  ciphertextsFor(length: number): number {
    return Math.ceil(length / this.slots);
  }

  /**
   * One client's encryption of `vector` (weight 1). Throws E_HE_RANGE for a value outside
   * [−range, range] unless `clip`, E_NONFINITE for NaN/±∞. `clipped` reports clipped values.
   */
  encrypt(
    key: PaillierPublicKey,
    vector: ArrayLike<number>,
    opts: PaillierEncryptOptions = {},
  ): PaillierCiphertextVector & { clipped: number } {
    this.checkKey(key);
    const { scale, offset, slotBits } = this.layout;
    const shift = BigInt(slotBits);
    const cts: bigint[] = [];
    let clipped = 0;
    for (let start = 0; start < vector.length; start += this.slots) {
      const end = Math.min(vector.length, start + this.slots);
      let m = 0n;
      for (let i = end - 1; i >= start; i--) {
        const x = vector[i] as number;
        if (!Number.isFinite(x)) throw new FederaError('E_NONFINITE', `value ${i} is ${x}`, 'send finite values');
        let q = Math.round(x * scale);
        if (q > offset || q < -offset) {
          if (!opts.clip) {
            throw new FederaError(
              'E_HE_RANGE',
              `value ${i} = ${x} lies outside [−${this.range}, ${this.range}]`,
              'clip the update first, pass clip: true, or raise range',
            );
          }
          q = q > 0 ? offset : -offset;
          clipped++;
        }
        m = (m << shift) | BigInt(q + offset);
      }
      cts.push(key.encrypt(m));
    }
    return Object.assign(new PaillierCiphertextVector(this.layout, key.fingerprint, vector.length, 1, cts), {
      clipped,
    });
  }

  /** An encryption of zeros with weight 0 (all ciphertexts 1) to add into. */
  accumulator(key: PaillierPublicKey, length: number): PaillierCiphertextVector {
    this.checkKey(key);
    return new PaillierCiphertextVector(
      this.layout,
      key.fingerprint,
      length,
      0,
      new Array<bigint>(this.ciphertextsFor(length)).fill(1n),
    );
  }

  /**
   * acc += weight·ct, homomorphically (ciphertext products; a power c^weight for weight > 1).
   * Only ciphertexts are touched: no key needed beyond the public one. Throws E_HE_KEY for
   * another key, E_HE_LAYOUT for another layout or length, E_HE_OVERFLOW when the total
   * weight would exceed `capacity` (the slots could then carry into each other).
   */
  addInto(
    key: PaillierPublicKey,
    acc: PaillierCiphertextVector,
    ct: PaillierCiphertextVector,
    weight = 1,
  ): PaillierCiphertextVector {
    this.checkVector(key, acc, 'accumulator');
    this.checkVector(key, ct, 'ciphertext');
    if (ct.length !== acc.length)
      throw new FederaError('E_HE_LAYOUT', `ciphertext holds ${ct.length} values, the accumulator ${acc.length}`);
    if (!(Number.isSafeInteger(weight) && weight >= 1))
      throw new FederaError('E_ARG', `weight must be a positive integer, got ${weight}`);
    const total = acc.weight + weight * ct.weight;
    if (total > this.capacity) {
      throw new FederaError(
        'E_HE_OVERFLOW',
        `adding weight ${weight * ct.weight} would bring the sum to ${total} > capacity ${this.capacity}`,
        'raise clients or maxWeight in the encoder (and slotBits if needed)',
      );
    }
    const w = BigInt(weight);
    for (let i = 0; i < acc.ciphertexts.length; i++) {
      const c = ct.ciphertexts[i] as bigint;
      acc.ciphertexts[i] = key.add(acc.ciphertexts[i] as bigint, weight === 1 ? c : key.multiply(c, w));
    }
    acc.weight = total;
    return acc;
  }

  /**
   * The key holder's step: decrypts the sum Σ w_k·x_k. `weight` is the total weight W the
   * key holder expects (default: the one the vector records). Throws E_HE_CORRUPT when a
   * slot holds more than W·2M or bits above the last slot are set (another key, corrupted
   * bytes, or a sum of more than W).
   */
  decryptSum(priv: PaillierPrivateKey, acc: PaillierCiphertextVector, weight = acc.weight): Float32Array {
    this.checkVector(priv.publicKey, acc, 'sum');
    return this.decodeSum(
      acc,
      acc.ciphertexts.map((c) => priv.decrypt(c)),
      weight,
    );
  }

  /**
   * Decodes the plaintexts of `acc`'s ciphertexts (one per ciphertext, e.g. from
   * `combinePartialDecryptions`) into Σ w_k·x_k, with the same checks as `decryptSum`.
   */
  decodeSum(acc: PaillierCiphertextVector, plaintexts: readonly bigint[], weight = acc.weight): Float32Array {
    if (!(Number.isSafeInteger(weight) && weight >= 0)) {
      throw new FederaError('E_ARG', `weight must be a non-negative integer, got ${weight}`);
    }
    if (plaintexts.length !== this.ciphertextsFor(acc.length)) {
      throw new FederaError('E_HE_LAYOUT', `${plaintexts.length} plaintexts for ${acc.length} values`);
    }
    const { scale, offset, slotBits } = this.layout;
    const shift = BigInt(slotBits);
    const bias = BigInt(weight) * BigInt(offset);
    const top = BigInt(weight) * BigInt(2 * offset);
    const out = new Float32Array(acc.length);
    for (let k = 0; k < plaintexts.length; k++) {
      let m = plaintexts[k] as bigint;
      const start = k * this.slots;
      const end = Math.min(acc.length, start + this.slots);
      for (let i = start; i < end; i++) {
        const s = m & this.mask;
        if (s > top) throw corrupt(`slot ${i} holds more than W·2M`);
        out[i] = Number(s - bias) / scale;
        m >>= shift;
      }
      if (m !== 0n) throw corrupt(`bits above slot ${end - 1} are set`);
    }
    return out;
  }

  private checkKey(key: PaillierPublicKey): void {
    if (key.bits !== this.layout.bits) {
      throw new FederaError(
        'E_HE_KEY',
        `the key has ${key.bits} bits, the encoder packs for ${this.layout.bits}`,
        'create the encoder with bits: key.bits',
      );
    }
  }

  private checkVector(key: PaillierPublicKey, v: PaillierCiphertextVector, what: string): void {
    this.checkKey(key);
    if (v.keyFingerprint !== key.fingerprint) {
      throw new FederaError(
        'E_HE_KEY',
        `${what} was made under key ${v.keyFingerprint}, not ${key.fingerprint}`,
        'encrypt with the public key of this round',
      );
    }
    const a = v.layout;
    const b = this.layout;
    if (a.bits !== b.bits || a.slotBits !== b.slotBits || a.scale !== b.scale || a.offset !== b.offset) {
      throw new FederaError(
        'E_HE_LAYOUT',
        `${what} uses slotBits ${a.slotBits}, scale ${a.scale}, offset ${a.offset}; this encoder ${b.slotBits}, ${b.scale}, ${b.offset}`,
        'use the same encoder options on clients and server',
      );
    }
    if (v.ciphertexts.length !== this.ciphertextsFor(v.length))
      throw new FederaError('E_HE_LAYOUT', `${what} has ${v.ciphertexts.length} ciphertexts for ${v.length} values`);
  }
}

function corrupt(why: string): FederaError {
  return new FederaError(
    'E_HE_CORRUPT',
    `decrypted sum does not fit the slot layout: ${why}`,
    'a ciphertext from another key or encoder, corrupted bytes, or more summands than declared',
  );
}
