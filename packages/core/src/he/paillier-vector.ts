import { FederaError } from '../errors.js';
import { fromBytes, toBytes } from './bigint-math.js';
import { fingerprintBytes, fingerprintHex } from './fingerprint.js';
import type { PaillierPublicKey } from './paillier.js';

/** The slot layout a packed vector was made with; two vectors add only when theirs agree. */
export interface PaillierLayout {
  /** Bit length of the key modulus n. */
  readonly bits: number;
  /** Bits per slot (b). */
  readonly slotBits: number;
  /** Fixed-point scale: a value x is stored as round(x·scale). */
  readonly scale: number;
  /** Offset M added to every quantised value so it is ≥ 0 (values lie in [−M, M]). */
  readonly offset: number;
}

const MAGIC = [0x46, 0x48, 0x50, 0x31]; // 'FHP1'
const HEADER = 48;

/**
 * A vector of `length` fixed-point values packed `floor((bits−1)/slotBits)` per Paillier
 * ciphertext, plus what decoding needs: the layout, the key's fingerprint and the total
 * weight W folded in (1 for one client's encryption; Σ w_k after summing).
 */
export class PaillierCiphertextVector {
  constructor(
    readonly layout: PaillierLayout,
    /** Fingerprint of the public key that made the ciphertexts. */
    readonly keyFingerprint: string,
    /** Number of values. */
    readonly length: number,
    /** Total weight W of the summands folded in. */
    public weight: number,
    readonly ciphertexts: bigint[],
  ) {}

  /** Bytes of `toBytes()`. */
  get byteLength(): number {
    return HEADER + this.ciphertexts.length * Math.ceil((2 * this.layout.bits) / 8);
  }

  /**
   * The wire form: 'FHP1', u16 bits, u8 slotBits, u8 0, f64 scale, f64 offset, f64 weight,
   * u32 length, u32 count, 8-byte key fingerprint, then `count` ciphertexts of ⌈2·bits/8⌉
   * big-endian bytes each (all little-endian header fields).
   */
  toBytes(): Uint8Array {
    const { bits, slotBits, scale, offset } = this.layout;
    const size = Math.ceil((2 * bits) / 8);
    const out = new Uint8Array(this.byteLength);
    const v = new DataView(out.buffer);
    out.set(MAGIC, 0);
    v.setUint16(4, bits, true);
    v.setUint8(6, slotBits);
    v.setFloat64(8, scale, true);
    v.setFloat64(16, offset, true);
    v.setFloat64(24, this.weight, true);
    v.setUint32(32, this.length, true);
    v.setUint32(36, this.ciphertexts.length, true);
    out.set(fingerprintBytes(this.keyFingerprint), 40);
    this.ciphertexts.forEach((c, i) => {
      out.set(toBytes(c, size), HEADER + i * size);
    });
    return out;
  }

  /**
   * Parses `toBytes()` output. Untrusted input: checks the magic, sizes, counts and that
   * every ciphertext lies in (0, n²) of `key` (and was made under it) when a key is given.
   * Throws E_HE_BYTES (malformed) or E_HE_KEY (another key).
   */
  static fromBytes(bytes: Uint8Array, key?: PaillierPublicKey): PaillierCiphertextVector {
    const bad = (why: string): never => {
      throw new FederaError(
        'E_HE_BYTES',
        `Paillier ciphertext bytes are malformed: ${why}`,
        'send what PaillierCiphertextVector#toBytes() produced',
      );
    };
    if (!(bytes instanceof Uint8Array) || bytes.length < HEADER)
      bad(`${bytes?.length ?? 0} bytes, shorter than the ${HEADER}-byte header`);
    if (MAGIC.some((m, i) => bytes[i] !== m)) bad('wrong magic (expected FHP1)');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bits = v.getUint16(4, true);
    const slotBits = v.getUint8(6);
    const scale = v.getFloat64(8, true);
    const offset = v.getFloat64(16, true);
    const weight = v.getFloat64(24, true);
    const length = v.getUint32(32, true);
    const count = v.getUint32(36, true);
    const fp = fingerprintHex(bytes.subarray(40, 48));
    if (bits < 128 || slotBits < 2 || slotBits >= bits) bad(`bits ${bits} / slotBits ${slotBits}`);
    if (!(scale > 0 && Number.isFinite(scale)) || !(offset >= 0 && Number.isSafeInteger(offset))) bad('scale/offset');
    if (!(weight >= 0 && Number.isSafeInteger(weight))) bad(`weight ${weight}`);
    const slots = Math.floor((bits - 1) / slotBits);
    if (count !== Math.ceil(length / slots))
      bad(`${count} ciphertexts cannot hold ${length} values at ${slots} per ciphertext`);
    const size = Math.ceil((2 * bits) / 8);
    if (bytes.length !== HEADER + count * size) bad(`${bytes.length} bytes, expected ${HEADER + count * size}`);
    if (key) {
      if (key.fingerprint !== fp || key.bits !== bits) {
        throw new FederaError(
          'E_HE_KEY',
          `Paillier ciphertext was made under key ${fp}, not ${key.fingerprint}`,
          'encrypt with the public key of this round',
        );
      }
    }
    const cts: bigint[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const c = fromBytes(bytes.subarray(HEADER + i * size, HEADER + (i + 1) * size));
      if (key ? !key.isCiphertext(c) : c === 0n) bad(`ciphertext ${i} is out of range`);
      cts[i] = c;
    }
    return new PaillierCiphertextVector({ bits, slotBits, scale, offset }, fp, length, weight, cts);
  }
}
