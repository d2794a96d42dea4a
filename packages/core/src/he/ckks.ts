import { FederaError } from '../errors.js';
import {
  type CkksHandles,
  type CkksSeal,
  loadSeal,
  type SealCiphertext,
  type SealDecryptor,
  type SealEncryptor,
  type SealPublicKey,
} from './ckks-seal.js';
import { fingerprint, fingerprintBytes, fingerprintHex } from './fingerprint.js';

export interface CkksOptions {
  /** N, the ring dimension: N/2 values per ciphertext (default 8192). */
  readonly polyModulusDegree?: number;
  /**
   * Bit sizes of the coefficient-modulus primes (default [60, 60]: one data prime and the
   * special prime). Aggregation only adds, so no rescaling levels are needed; fewer primes
   * mean smaller ciphertexts and more security margin (SEAL checks 128-bit security).
   */
  readonly coeffModBits?: readonly number[];
  /** log2 of the encoding scale Δ (default 40): precision ≈ 2^-scaleBits·noise. */
  readonly scaleBits?: number;
}

/** A CKKS public key: clients encrypt with it, the server adds under it. Call `delete()` when done. */
export interface CkksPublicKey {
  readonly fingerprint: string;
  /** Serialized key (what is sent to clients). */
  readonly bytes: Uint8Array;
  delete(): void;
}

/** A CKKS secret key: only the key holder has it. Call `delete()` when done. */
export interface CkksSecretKey {
  /** Fingerprint of the public key generated with it. */
  readonly fingerprint: string;
  delete(): void;
}

export interface CkksKeyPair {
  readonly publicKey: CkksPublicKey;
  readonly secretKey: CkksSecretKey;
}

interface PublicKeyImpl extends CkksPublicKey {
  readonly encryptor: SealEncryptor;
}
interface SecretKeyImpl extends CkksSecretKey {
  readonly decryptor: SealDecryptor;
}

const MAGIC = [0x46, 0x48, 0x43, 0x31]; // 'FHC1'
const HEADER = 28;

/**
 * A float vector encrypted as ⌈length/(N/2)⌉ CKKS ciphertexts (SEAL objects in WASM memory:
 * call `delete()` once done with it, or the memory stays allocated).
 */
export class CkksCiphertextVector {
  constructor(
    private readonly ckks: Ckks,
    readonly keyFingerprint: string,
    readonly length: number,
    /** Total weight folded in (1 for one client; Σ w_k after adding). */
    public weight: number,
    readonly ciphertexts: SealCiphertext[],
  ) {}

  /** The wire form: 'FHC1', u32 length, u32 count, f64 weight, 8-byte key fingerprint, then (u32 size, SEAL bytes) per ciphertext. */
  toBytes(): Uint8Array {
    const parts = this.ciphertexts.map((c) => c.saveArray(this.ckks.seal.ComprModeType.none));
    const total = HEADER + parts.reduce((s, p) => s + 4 + p.length, 0);
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    out.set(MAGIC, 0);
    v.setUint32(4, this.length, true);
    v.setUint32(8, parts.length, true);
    v.setFloat64(12, this.weight, true);
    out.set(fingerprintBytes(this.keyFingerprint), 20);
    let at = HEADER;
    for (const p of parts) {
      v.setUint32(at, p.length, true);
      out.set(p, at + 4);
      at += 4 + p.length;
    }
    return out;
  }

  /** Frees the SEAL ciphertexts (idempotent). */
  delete(): void {
    for (const c of this.ciphertexts.splice(0)) c.delete();
  }
}

/**
 * CKKS (approximate arithmetic on encrypted reals) through Microsoft SEAL compiled to WASM
 * (`node-seal`, loaded lazily on `Ckks.load`). Values are encoded at scale 2^scaleBits into
 * N/2 slots per ciphertext; adding ciphertexts adds the vectors; decryption returns the sum
 * with an error of about 1e-8 (from the encryption noise). The sum must stay below
 * `limit` in magnitude (2^(q₀ − scaleBits − 2), ≈ 2.6e5 with the defaults) or it wraps.
 *
 * @example
 * const ckks = await Ckks.load();
 * const { publicKey, secretKey } = ckks.generateKeys();
 * const acc = ckks.encrypt(publicKey, new Float32Array([1, 2]));
 * const b = ckks.encrypt(publicKey, new Float32Array([0.5, -1]));
 * ckks.addInto(publicKey, acc, b); b.delete();
 * ckks.decryptSum(secretKey, acc); // ≈ [1.5, 1]
 * acc.delete();
 */
export class Ckks {
  /** Values per ciphertext (N/2). */
  readonly slots: number;
  readonly scale: number;
  /** Largest |value| a sum may reach before it wraps modulo the data prime. */
  readonly limit: number;
  /** Serialized size of one ciphertext and its metadata prefix (all but the coefficients). */
  private readonly template: { size: number; prefix: Uint8Array; key: { size: number; prefix: Uint8Array } };

  private constructor(
    readonly seal: CkksSeal,
    private readonly h: CkksHandles,
    readonly options: Required<CkksOptions>,
  ) {
    this.slots = h.encoder.slotCount;
    this.scale = 2 ** options.scaleBits;
    this.limit = 2 ** ((options.coeffModBits[0] as number) - options.scaleBits - 2);
    this.template = this.ciphertextTemplate();
  }

  /**
   * SEAL trusts the size fields of what it loads: a crafted header can make it read out of
   * bounds and leave the WASM instance unusable. Every ciphertext of this context at this
   * scale serializes to the same length with the same metadata prefix (header, parms_id,
   * size, degree, scale, array header); only the coefficients differ. `fromBytes` checks
   * both before SEAL parses anything, and SEAL then checks each coefficient < its prime.
   */
  private ciphertextTemplate(): { size: number; prefix: Uint8Array; key: { size: number; prefix: Uint8Array } } {
    const kg = this.seal.KeyGenerator(this.h.context);
    const pk = kg.createPublicKey();
    const encryptor = this.seal.Encryptor(this.h.context, pk);
    const pt = this.seal.PlainText();
    const ct = this.seal.CipherText();
    try {
      this.h.encoder.encode(new Float64Array(this.slots), this.scale, pt);
      encryptor.encrypt(pt, ct);
      const bytes = ct.saveArray(this.seal.ComprModeType.none);
      const coefficients = ct.size * ct.polyModulusDegree * ct.coeffModulusSize * 8;
      // A public key is a size-2 ciphertext over all the primes (the key level).
      const keyBytes = pk.saveArray(this.seal.ComprModeType.none);
      const keyCoefficients = 2 * ct.polyModulusDegree * this.options.coeffModBits.length * 8;
      return {
        size: bytes.length,
        prefix: bytes.slice(0, bytes.length - coefficients),
        key: { size: keyBytes.length, prefix: keyBytes.slice(0, keyBytes.length - keyCoefficients) },
      };
    } finally {
      for (const o of [ct, pt, encryptor, pk, kg]) o.delete();
    }
  }

  /** Loads SEAL (once per process) and sets up a context; throws E_ARG for parameters SEAL refuses. */
  static async load(opts: CkksOptions = {}): Promise<Ckks> {
    const options: Required<CkksOptions> = {
      polyModulusDegree: opts.polyModulusDegree ?? 8192,
      coeffModBits: opts.coeffModBits ?? [60, 60],
      scaleBits: opts.scaleBits ?? 40,
    };
    const first = options.coeffModBits[0] ?? 0;
    if (!(options.scaleBits >= 20 && options.scaleBits <= first - 4)) {
      throw new FederaError(
        'E_ARG',
        `scaleBits must lie in [20, ${first - 4}] for a ${first}-bit first prime, got ${options.scaleBits}`,
        'use 40 with coeffModBits [60, 60]',
      );
    }
    const seal = await loadSeal();
    const handles = seal.contextFor(options);
    return new Ckks(seal.lib, handles, options);
  }

  /** A fresh key pair (the key holder runs this; only `publicKey.bytes` leaves it). */
  generateKeys(): CkksKeyPair {
    const kg = this.seal.KeyGenerator(this.h.context);
    try {
      const sk = kg.secretKey();
      const pk = kg.createPublicKey();
      const bytes = pk.saveArray(this.seal.ComprModeType.none);
      const fp = fingerprint(bytes);
      const publicKey = this.wrapPublic(pk, bytes, fp);
      const decryptor = this.seal.Decryptor(this.h.context, sk);
      const secretKey: SecretKeyImpl = {
        fingerprint: fp,
        decryptor,
        delete: () => {
          decryptor.delete();
          sk.delete();
        },
      };
      return { publicKey, secretKey };
    } finally {
      kg.delete();
    }
  }

  /** A public key received as bytes (validated by SEAL against this context). */
  publicKeyFromBytes(bytes: Uint8Array): CkksPublicKey {
    const { size, prefix } = this.template.key;
    if (!(bytes instanceof Uint8Array) || bytes.length !== size || prefix.some((x, i) => bytes[i] !== x)) {
      throw new FederaError(
        'E_HE_KEY',
        `CKKS public key bytes do not have this context's layout (${bytes?.length} bytes, expected ${size})`,
        'send publicKey.bytes of a key made for the same CkksOptions',
      );
    }
    const pk = this.seal.PublicKey();
    try {
      pk.loadArray(this.h.context, bytes);
    } catch (e) {
      pk.delete();
      throw new FederaError('E_HE_KEY', `CKKS public key bytes are invalid for this context: ${errText(e)}`);
    }
    return this.wrapPublic(pk, bytes.slice(), fingerprint(bytes));
  }

  /**
   * Encrypts weight·vector (a client pre-weights its own update; weight is sent in the clear).
   * Throws E_HE_RANGE when |weight·x| exceeds `limit`, E_NONFINITE for NaN/±∞.
   */
  encrypt(key: CkksPublicKey, vector: ArrayLike<number>, weight = 1): CkksCiphertextVector {
    const k = key as PublicKeyImpl;
    if (!k.encryptor) throw new FederaError('E_HE_KEY', 'not a CKKS public key of this context');
    if (!(weight > 0 && Number.isFinite(weight)))
      throw new FederaError('E_ARG', `weight must be positive, got ${weight}`);
    const cts: SealCiphertext[] = [];
    const chunk = new Float64Array(this.slots);
    const pt = this.seal.PlainText();
    try {
      for (let start = 0; start < vector.length; start += this.slots) {
        const end = Math.min(vector.length, start + this.slots);
        chunk.fill(0);
        for (let i = start; i < end; i++) {
          const x = (vector[i] as number) * weight;
          if (!Number.isFinite(x))
            throw new FederaError('E_NONFINITE', `value ${i} is ${vector[i]}`, 'send finite values');
          if (Math.abs(x) > this.limit) {
            throw new FederaError(
              'E_HE_RANGE',
              `weighted value ${i} = ${x} exceeds the CKKS limit ${this.limit}`,
              'raise coeffModBits[0] − scaleBits, or scale the values down',
            );
          }
          chunk[i - start] = x;
        }
        this.h.encoder.encode(chunk, this.scale, pt);
        const ct = this.seal.CipherText();
        cts.push(ct);
        k.encryptor.encrypt(pt, ct);
      }
    } catch (e) {
      for (const c of cts) c.delete();
      throw e;
    } finally {
      pt.delete();
    }
    return new CkksCiphertextVector(this, key.fingerprint, vector.length, weight, cts);
  }

  /** acc += ct under encryption (ct is left as it is; delete it yourself). */
  addInto(key: CkksPublicKey, acc: CkksCiphertextVector, ct: CkksCiphertextVector): CkksCiphertextVector {
    for (const [v, what] of [
      [acc, 'accumulator'],
      [ct, 'ciphertext'],
    ] as const) {
      if (v.keyFingerprint !== key.fingerprint) {
        throw new FederaError(
          'E_HE_KEY',
          `${what} was made under CKKS key ${v.keyFingerprint}, not ${key.fingerprint}`,
          'encrypt with the public key of this round',
        );
      }
    }
    if (ct.length !== acc.length)
      throw new FederaError('E_HE_LAYOUT', `ciphertext holds ${ct.length} values, the accumulator ${acc.length}`);
    for (let i = 0; i < acc.ciphertexts.length; i++) {
      const a = acc.ciphertexts[i] as SealCiphertext;
      this.h.evaluator.add(a, ct.ciphertexts[i] as SealCiphertext, a);
    }
    acc.weight += ct.weight;
    return acc;
  }

  /** The key holder's step: the decrypted sum (length `acc.length`). */
  decryptSum(key: CkksSecretKey, acc: CkksCiphertextVector): Float32Array {
    const k = key as SecretKeyImpl;
    if (!k.decryptor) throw new FederaError('E_HE_KEY', 'not a CKKS secret key of this context');
    if (acc.keyFingerprint !== key.fingerprint) {
      throw new FederaError('E_HE_KEY', `sum was made under CKKS key ${acc.keyFingerprint}, not ${key.fingerprint}`);
    }
    const out = new Float32Array(acc.length);
    const pt = this.seal.PlainText();
    try {
      acc.ciphertexts.forEach((c, j) => {
        k.decryptor.decrypt(c, pt);
        const vals = this.h.encoder.decode(pt);
        const start = j * this.slots;
        out.set(vals.subarray(0, Math.min(this.slots, acc.length - start)), start);
      });
    } finally {
      pt.delete();
    }
    return out;
  }

  /**
   * Parses `toBytes()` output (untrusted): checks the header, sizes and the key fingerprint
   * (when `key` is given), and lets SEAL validate each ciphertext against this context.
   * Throws E_HE_BYTES or E_HE_KEY.
   */
  fromBytes(bytes: Uint8Array, key?: CkksPublicKey): CkksCiphertextVector {
    const bad = (why: string): never => {
      throw new FederaError(
        'E_HE_BYTES',
        `CKKS ciphertext bytes are malformed: ${why}`,
        'send what CkksCiphertextVector#toBytes() produced',
      );
    };
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) bad('shorter than the header');
    if (MAGIC.some((m, i) => bytes[i] !== m)) bad('wrong magic (expected FHC1)');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const length = v.getUint32(4, true);
    const count = v.getUint32(8, true);
    const weight = v.getFloat64(12, true);
    const fp = fingerprintHex(bytes.subarray(20, 28));
    if (count !== Math.ceil(length / this.slots)) bad(`${count} ciphertexts cannot hold ${length} values`);
    if (!(weight >= 0 && Number.isFinite(weight))) bad(`weight ${weight}`);
    if (key && key.fingerprint !== fp) {
      throw new FederaError(
        'E_HE_KEY',
        `CKKS ciphertext was made under key ${fp}, not ${key.fingerprint}`,
        'encrypt with the public key of this round',
      );
    }
    const cts: SealCiphertext[] = [];
    let at = HEADER;
    try {
      for (let i = 0; i < count; i++) {
        if (at + 4 > bytes.length) bad(`ciphertext ${i} is missing`);
        const size = v.getUint32(at, true);
        if (at + 4 + size > bytes.length) bad(`ciphertext ${i} is truncated`);
        const { size: want, prefix } = this.template;
        if (size !== want) bad(`ciphertext ${i} has ${size} bytes, this context's have ${want}`);
        for (let j = 0; j < prefix.length; j++) {
          if (bytes[at + 4 + j] !== prefix[j]) bad(`ciphertext ${i} does not have this context's layout (byte ${j})`);
        }
        const ct = this.seal.CipherText();
        cts.push(ct);
        try {
          ct.loadArray(this.h.context, bytes.subarray(at + 4, at + 4 + size));
        } catch (e) {
          bad(`SEAL refused ciphertext ${i}: ${errText(e)}`);
        }
        at += 4 + size;
      }
      if (at !== bytes.length) bad(`${bytes.length - at} trailing bytes`);
    } catch (e) {
      for (const c of cts) c.delete();
      throw e;
    }
    return new CkksCiphertextVector(this, fp, length, weight, cts);
  }

  /** Frees the context's SEAL objects (keys and ciphertexts must be deleted separately). */
  delete(): void {
    this.h.delete();
  }

  private wrapPublic(pk: SealPublicKey, bytes: Uint8Array, fp: string): PublicKeyImpl {
    const encryptor = this.seal.Encryptor(this.h.context, pk);
    return {
      fingerprint: fp,
      bytes,
      encryptor,
      delete: () => {
        encryptor.delete();
        pk.delete();
      },
    };
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
