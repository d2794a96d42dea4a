import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';

/**
 * Fills a byte array with random bytes. `secureFill()` (the platform CSPRNG) for keys and
 * encryption; `seededFill(seed)` only for reproducible tests (whoever knows the seed knows
 * the key).
 */
export type RandomFill = (out: Uint8Array) => void;

/** Random bytes from `globalThis.crypto.getRandomValues` (Node ≥ 19, every browser). */
export function secureFill(): RandomFill {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  const fill = c?.getRandomValues?.bind(c);
  if (!fill) {
    throw new FederaError(
      'E_RUNTIME',
      'globalThis.crypto.getRandomValues is not available',
      'use Node >= 20 or a browser, or seededFill() in tests',
    );
  }
  return (out) => {
    // getRandomValues fills at most 65,536 bytes per call.
    for (let i = 0; i < out.length; i += 65536) fill(out.subarray(i, Math.min(out.length, i + 65536)));
  };
}

/** Reproducible bytes from core's seeded `Rng`: for tests and benchmarks, never for real keys. */
export function seededFill(seed: number | string): RandomFill {
  const rng = new Rng(seed);
  return (out) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.u32() & 0xff;
  };
}

/** Number of bits of a non-negative bigint (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Big-endian unsigned bytes of `x`, left-padded with zeros to `size` bytes. */
export function toBytes(x: bigint, size: number): Uint8Array {
  const hex = x.toString(16);
  if (x < 0n || hex.length > size * 2) {
    throw new FederaError('E_ARG', `toBytes: ${bitLength(x)}-bit value does not fit ${size} bytes`);
  }
  const padded = hex.padStart(size * 2, '0');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The unsigned big-endian integer in `bytes`. */
export function fromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let s = '0x';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number];
  return BigInt(s);
}

/** A uniform random integer of exactly `bits` bits or fewer (in [0, 2^bits)). */
export function randomBits(bits: number, random: RandomFill): bigint {
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  random(bytes);
  const extra = bytes.length * 8 - bits;
  if (extra > 0) bytes[0] = (bytes[0] as number) & (0xff >> extra);
  return fromBytes(bytes);
}

/** A uniform random integer in [1, n) with gcd(r, n) = 1 (by rejection). */
export function randomUnit(n: bigint, random: RandomFill): bigint {
  const bits = bitLength(n);
  for (;;) {
    const r = randomBits(bits, random);
    if (r > 0n && r < n && gcd(r, n) === 1n) return r;
  }
}

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** a⁻¹ mod m (extended Euclid); throws when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new FederaError('E_ARG', 'modInverse: the value has no inverse modulo m');
  return ((s0 % m) + m) % m;
}

/**
 * base^exp mod m by left-to-right sliding windows (width 5 for long exponents): about
 * bits + bits/6 modular multiplications instead of square-and-multiply's bits·1.5.
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exp < 0n) throw new FederaError('E_ARG', 'modPow: negative exponent');
  let b = base % m;
  if (b < 0n) b += m;
  if (exp === 0n) return 1n;
  const bits = exp.toString(2);
  const w = bits.length > 512 ? 5 : bits.length > 64 ? 4 : 1;
  if (w === 1) {
    let r = 1n;
    for (let i = 0; i < bits.length; i++) {
      r = (r * r) % m;
      if (bits.charCodeAt(i) === 49) r = (r * b) % m;
    }
    return r;
  }
  // Odd powers b, b^3, …, b^(2^w − 1).
  const odd: bigint[] = [b];
  const b2 = (b * b) % m;
  for (let i = 1; i < 1 << (w - 1); i++) odd.push(((odd[i - 1] as bigint) * b2) % m);
  let r = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits.charCodeAt(i) === 48) {
      r = (r * r) % m;
      i++;
      continue;
    }
    // The longest window starting here of width ≤ w that ends in a 1.
    let j = Math.min(i + w, bits.length);
    while (bits.charCodeAt(j - 1) === 48) j--;
    const v = Number.parseInt(bits.slice(i, j), 2);
    for (let k = i; k < j; k++) r = (r * r) % m;
    r = (r * (odd[(v - 1) >> 1] as bigint)) % m;
    i = j;
  }
  return r;
}

const SMALL_PRIMES: number[] = (() => {
  const out: number[] = [];
  for (let p = 3; out.length < 400; p += 2) if (out.every((q) => p % q !== 0)) out.push(p);
  return out;
})();

/** Miller–Rabin with `rounds` random bases after trial division (error ≤ 4^-rounds for a random candidate). */
export function isProbablePrime(n: bigint, rounds: number, random: RandomFill): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    const bp = BigInt(p);
    if (n === bp) return true;
    if (n % bp === 0n) return false;
  }
  if (n % 2n === 0n) return false;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const bits = bitLength(n);
  outer: for (let k = 0; k < rounds; k++) {
    let a: bigint;
    do a = randomBits(bits, random);
    while (a < 2n || a > n - 2n);
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/**
 * A random probable prime of exactly `bits` bits whose two top bits are set (so the product
 * of two such primes has exactly 2·bits bits). Candidates step by 2 from a random odd start,
 * with a small-prime sieve on residues before Miller–Rabin.
 */
export function randomPrime(bits: number, random: RandomFill, rounds = 24): bigint {
  if (!(Number.isInteger(bits) && bits >= 16)) {
    throw new FederaError('E_ARG', `randomPrime: bits must be an integer ≥ 16, got ${bits}`);
  }
  for (;;) {
    let c = randomBits(bits, random) | (3n << BigInt(bits - 2)) | 1n;
    const residues = SMALL_PRIMES.map((p) => Number(c % BigInt(p)));
    for (let step = 0; step < 20 * bits; step += 2) {
      if (bitLength(c) !== bits) break;
      let sieved = true;
      for (let i = 0; i < SMALL_PRIMES.length; i++) {
        if (((residues[i] as number) + step) % (SMALL_PRIMES[i] as number) === 0) {
          sieved = false;
          break;
        }
      }
      if (sieved && isProbablePrime(c, rounds, random)) return c;
      c += 2n;
    }
  }
}
