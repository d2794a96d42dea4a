import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';
import { addRing } from './quantize.js';

/**
 * The cryptographic building blocks of SecAgg: X25519 key agreement, HKDF-SHA-256, AES-GCM
 * for the encrypted shares and AES-CTR (the keystream of zeros) as the mask PRG, behind the
 * `SecAggCrypto` interface, with `webCryptoSecAgg` (`globalThis.crypto.subtle`, Node ≥ 20 and
 * browsers) as the default; the SecAgg-specific derivations (`shareKey`, `pairwiseMaskKey`,
 * `selfMaskKey`, `seal`, `open`) are defined once here over any provider. Nothing here
 * imports node:*.
 */

/** Where a client's secret bytes come from: the platform CSPRNG, or a seeded Rng in simulation. */
export type RandomBytes = (n: number) => Uint8Array;

export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new FederaError(
      'E_PLATFORM',
      'secure aggregation needs WebCrypto (globalThis.crypto.subtle)',
      'use Node >= 20 or a browser over https',
    );
  }
  return s;
}

/** Random bytes from `globalThis.crypto.getRandomValues` (in chunks of 64 KiB, its limit). */
export function secureRandomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** Reproducible bytes from a seeded Rng: for simulation and tests only (whoever knows the seed knows the keys). */
export function seededRandomBytes(rng: Rng): RandomBytes {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.u32() & 255;
    return out;
  };
}

/** A fast (non-cryptographic) generator seeded from `random`: drives stochastic rounding. */
export function roundingRng(random: RandomBytes): Rng {
  const b = random(4);
  return new Rng((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
}

/** A provider's opaque key handle: a CryptoKey for WebCrypto; raw bytes or a KeyObject for node:crypto. */
export type SecAggKey = object;

/** An X25519 key pair: its raw 32-byte secret and public key, and the provider's handle of the secret. */
export interface X25519Pair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly privateKey: SecAggKey;
}

/** What a derived key is for: AES-256-GCM (the encrypted shares) or AES-128-CTR (the mask PRG). */
export type SecAggKeyUse = 'AES-GCM-256' | 'AES-CTR-128';

/**
 * The primitives SecAgg runs on, injectable so a platform can supply faster ones than
 * WebCrypto (Node's `node:crypto` runs a key chain ~4× faster). Every provider must compute
 * exactly the same functions — same keys, same ciphertexts, same masks — so clients and a
 * server using different providers interoperate. The default is `webCryptoSecAgg`.
 *
 * - X25519 is RFC 7748 (the secret is clamped on use); an agreement with a malformed or
 *   low-order public key (all-zero output) throws E_SECAGG_KEY.
 * - HKDF is HKDF-SHA-256 (RFC 5869) with the given salt and UTF-8 info, 32 bytes out for
 *   AES-GCM-256 and 16 for AES-CTR-128.
 * - `aesGcmEncrypt` returns ciphertext ‖ 16-byte tag; `aesGcmDecrypt` returns undefined when
 *   the tag does not verify.
 * - `addMasks` adds Σ sign·PRG(key) to `y` mod 2^32, where PRG(key) is the AES-128-CTR
 *   keystream (initial counter block all zeros, incremented big-endian) read as little-endian
 *   32-bit words, `y.length` of them.
 *
 * @example
 * // Node: @federa/client's nodeSecAggCrypto; browsers keep the default.
 * const client = new SecAggClient('site-1', params, { crypto: nodeSecAggCrypto });
 */
export interface SecAggCrypto {
  /** A name for reports ('webcrypto', 'node:crypto'). */
  readonly name: string;
  /** A fresh X25519 key pair from the platform CSPRNG. */
  x25519Generate(): Promise<X25519Pair>;
  /** The X25519 key pair whose secret is these 32 bytes. */
  x25519FromSecret(secret: Uint8Array): Promise<X25519Pair>;
  /** HKDF(X25519(own secret, peer public), salt, info) as a key for `use`. */
  agreeKey(
    own: X25519Pair,
    peerPublic: Uint8Array,
    salt: Uint8Array,
    info: string,
    use: SecAggKeyUse,
  ): Promise<SecAggKey>;
  /** HKDF(seed, salt, info) as a key for `use`. */
  deriveKey(seed: Uint8Array, salt: Uint8Array, info: string, use: SecAggKeyUse): Promise<SecAggKey>;
  /** AES-256-GCM: ciphertext ‖ tag. */
  aesGcmEncrypt(key: SecAggKey, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Inverse of `aesGcmEncrypt`; undefined when not authentic. */
  aesGcmDecrypt(key: SecAggKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined>;
  /** y ← y + Σ sign·PRG(key) mod 2^32 over `masks`, PRG(key) = `y.length` words of the AES-128-CTR keystream. */
  addMasks(masks: readonly SecAggMask[], y: Uint32Array): Promise<void>;
}

/** One mask to add: the AES-128-CTR key of its PRG and its sign. */
export interface SecAggMask {
  readonly key: SecAggKey;
  readonly sign: 1 | -1;
}

const X25519 = { name: 'X25519' } as const;
/** PKCS#8 prefix of an X25519 private key (RFC 8410): the 32 key bytes follow. */
export const PKCS8_X25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const USAGES: KeyUsage[] = ['deriveBits', 'deriveKey'];
const encoder = new TextEncoder();

const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;
const ck = (k: SecAggKey): CryptoKey => k as CryptoKey;

function keyError(what: string, e: unknown): FederaError {
  return new FederaError('E_SECAGG_KEY', `${what}: ${(e as Error).message}`);
}

/**
 * Imported public keys by their bytes: in a simulation every client imports the same
 * neighbours' keys. Public data only; cleared when it grows past `PUBLIC_CACHE_SIZE`.
 */
const publicKeys = new Map<string, CryptoKey>();
const PUBLIC_CACHE_SIZE = 4096;

async function importPublic(publicKey: Uint8Array): Promise<CryptoKey> {
  const id = String.fromCharCode(...publicKey);
  let key = publicKeys.get(id);
  if (!key) {
    try {
      key = await subtle().importKey('raw', buf(publicKey), X25519, false, []);
    } catch (e) {
      throw keyError('malformed X25519 public key', e);
    }
    if (publicKeys.size >= PUBLIC_CACHE_SIZE) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

function derivedAlgorithm(use: SecAggKeyUse): AesKeyGenParams {
  return use === 'AES-GCM-256' ? { name: 'AES-GCM', length: 256 } : { name: 'AES-CTR', length: 128 };
}

function derivedUsages(use: SecAggKeyUse): KeyUsage[] {
  return use === 'AES-GCM-256' ? ['encrypt', 'decrypt'] : ['encrypt'];
}

function hkdfParams(salt: Uint8Array, info: string): HkdfParams {
  return { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: encoder.encode(info) };
}

let zeros = new Uint8Array(0);

/**
 * SecAgg's primitives over WebCrypto (`globalThis.crypto.subtle`): isomorphic (Node ≥ 20,
 * browsers), keys never leave WebCrypto except the X25519 secrets that are Shamir-shared.
 */
export const webCryptoSecAgg: SecAggCrypto = {
  name: 'webcrypto',

  async x25519Generate() {
    const pair = (await subtle().generateKey(X25519, true, USAGES)) as CryptoKeyPair;
    const [pkcs8, pub] = await Promise.all([
      subtle().exportKey('pkcs8', pair.privateKey),
      subtle().exportKey('raw', pair.publicKey),
    ]);
    return { secretKey: new Uint8Array(pkcs8).slice(16), publicKey: new Uint8Array(pub), privateKey: pair.privateKey };
  },

  async x25519FromSecret(secret) {
    checkSecret(secret);
    const pkcs8 = new Uint8Array(48);
    pkcs8.set(PKCS8_X25519_PREFIX);
    pkcs8.set(secret, 16);
    let privateKey: CryptoKey;
    try {
      privateKey = await subtle().importKey('pkcs8', pkcs8, X25519, true, USAGES);
    } catch (e) {
      throw new FederaError('E_SECAGG_KEY', `X25519 key import failed: ${(e as Error).message}`, 'use Node >= 20');
    }
    // The public key is X25519(secret, 9), the base point.
    const base = new Uint8Array(32);
    base[0] = 9;
    const pub = await importPublic(base);
    const publicKey = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
    return { secretKey: secret.slice(), publicKey, privateKey };
  },

  async agreeKey(own, peerPublic, salt, info, use) {
    const pub = await importPublic(peerPublic);
    let ikm: CryptoKey;
    try {
      ikm = await subtle().deriveKey({ name: 'X25519', public: pub }, ck(own.privateKey), 'HKDF', false, ['deriveKey']);
    } catch (e) {
      throw keyError('X25519 agreement failed', e);
    }
    return subtle().deriveKey(hkdfParams(salt, info), ikm, derivedAlgorithm(use), false, derivedUsages(use));
  },

  async deriveKey(seed, salt, info, use) {
    const ikm = await subtle().importKey('raw', buf(seed), 'HKDF', false, ['deriveKey']);
    return subtle().deriveKey(hkdfParams(salt, info), ikm, derivedAlgorithm(use), false, derivedUsages(use));
  },

  async aesGcmEncrypt(key, iv, plaintext, aad) {
    return new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, ck(key), buf(plaintext)),
    );
  },

  async aesGcmDecrypt(key, iv, sealed, aad) {
    try {
      const pt = await subtle().decrypt(
        { name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) },
        ck(key),
        buf(sealed),
      );
      return new Uint8Array(pt);
    } catch {
      return undefined;
    }
  },

  async addMasks(masks, y) {
    const bytes = y.length * 4;
    if (zeros.length < bytes) zeros = new Uint8Array(bytes);
    // WebCrypto runs a few expansions at once on its thread pool; more would only hold more memory.
    await forEachLimit(masks, MASK_CONCURRENCY, async ({ key, sign }) => {
      const ks = await subtle().encrypt(
        { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 },
        ck(key),
        zeros.subarray(0, bytes),
      );
      addRing(y, new Uint8Array(ks), sign);
    });
  },
};

/** Mask expansions WebCrypto runs at once. */
const MASK_CONCURRENCY = 4;

/** Runs `f` on every item with at most `limit` in flight. */
export async function forEachLimit<T>(items: readonly T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new FederaError('E_SECAGG_KEY', `an X25519 secret has 32 bytes, got ${secret?.length}`);
  }
}

/** A fresh X25519 key pair: from 32 bytes of `random` when given, else generated by the provider (faster). */
export function x25519Generate(crypto: SecAggCrypto, random?: RandomBytes): Promise<X25519Pair> {
  return random ? crypto.x25519FromSecret(random(32)) : crypto.x25519Generate();
}

/** AES-256-GCM key for the shares u sends v: HKDF(X25519(c_u^SK, c_v^PK), salt = session id). */
export function shareKey(
  crypto: SecAggCrypto,
  own: X25519Pair,
  publicKey: Uint8Array,
  sessionId: Uint8Array,
): Promise<SecAggKey> {
  return crypto.agreeKey(own, publicKey, sessionId, 'federa/secagg/v1/share-encryption', 'AES-GCM-256');
}

/** AES-128-CTR key of the pairwise mask PRG(s_{u,v}): HKDF(X25519(s_u^SK, s_v^PK)), symmetric in u, v. */
export function pairwiseMaskKey(
  crypto: SecAggCrypto,
  own: X25519Pair,
  publicKey: Uint8Array,
  sessionId: Uint8Array,
): Promise<SecAggKey> {
  return crypto.agreeKey(own, publicKey, sessionId, 'federa/secagg/v1/mask/s', 'AES-CTR-128');
}

/** AES-128-CTR key of the self-mask PRG(b_u): HKDF(b_u). */
export function selfMaskKey(crypto: SecAggCrypto, seed: Uint8Array, sessionId: Uint8Array): Promise<SecAggKey> {
  return crypto.deriveKey(seed, sessionId, 'federa/secagg/v1/mask/b', 'AES-CTR-128');
}

/** iv (12 bytes) ‖ AES-GCM(plaintext, additional data). */
export async function seal(
  crypto: SecAggCrypto,
  key: SecAggKey,
  plaintext: Uint8Array,
  aad: Uint8Array,
  random: RandomBytes,
): Promise<Uint8Array> {
  const iv = random(12);
  const ct = await crypto.aesGcmEncrypt(key, iv, plaintext, aad);
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return out;
}

/** Inverse of `seal`; undefined when the ciphertext is not authentic under this key and data. */
export async function open(
  crypto: SecAggCrypto,
  key: SecAggKey,
  sealed: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array | undefined> {
  if (sealed.length < 12 + 16) return undefined;
  return crypto.aesGcmDecrypt(key, sealed.subarray(0, 12), sealed.subarray(12), aad);
}

/** Constant-size equality of two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
