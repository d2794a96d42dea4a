import { FederaError } from '../errors.js';
import { Rng } from '../rng.js';

/**
 * The cryptographic building blocks of SecAgg over WebCrypto (`globalThis.crypto.subtle`,
 * Node ≥ 20 and browsers): X25519 key agreement, HKDF-SHA-256, AES-GCM for the encrypted
 * shares and AES-CTR (the keystream of zeros) as the mask PRG. Nothing here imports node:*.
 */

/** Where a client's secret bytes come from: the platform CSPRNG, or a seeded Rng in simulation. */
export type RandomBytes = (n: number) => Uint8Array;

/** 32-bit words are read and written little-endian whatever the platform. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

const X25519 = { name: 'X25519' } as const;
/** PKCS#8 prefix of an X25519 private key (RFC 8410): the 32 key bytes follow. */
const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;

/** An X25519 key pair with its raw 32-byte secret and public key. */
export interface X25519Pair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKey;
}

/** The X25519 key pair whose secret is the given 32 bytes (RFC 7748 clamps them on use). */
export async function x25519FromSecret(secret: Uint8Array): Promise<X25519Pair> {
  if (secret.length !== 32)
    throw new FederaError('E_SECAGG_KEY', `an X25519 secret has 32 bytes, got ${secret.length}`);
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_X25519);
  pkcs8.set(secret, 16);
  let privateKey: CryptoKey;
  try {
    privateKey = await subtle().importKey('pkcs8', pkcs8, X25519, true, ['deriveBits']);
  } catch (e) {
    throw new FederaError('E_SECAGG_KEY', `X25519 key import failed: ${(e as Error).message}`, 'use Node >= 20');
  }
  const jwk = await subtle().exportKey('jwk', privateKey);
  const publicKey = base64UrlDecode(jwk.x ?? '');
  return { secretKey: secret.slice(), publicKey, privateKey };
}

/** A fresh X25519 key pair from 32 bytes of `random`. */
export function x25519Generate(random: RandomBytes): Promise<X25519Pair> {
  return x25519FromSecret(random(32));
}

/** X25519(secret, public) → 32 shared bytes; throws E_SECAGG_KEY on a malformed or low-order public key. */
export async function x25519Agree(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  try {
    const pub = await subtle().importKey('raw', buf(publicKey), X25519, false, []);
    return new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch (e) {
    throw new FederaError('E_SECAGG_KEY', `X25519 agreement failed: ${(e as Error).message}`);
  }
}

const encoder = new TextEncoder();

/** HKDF-SHA-256(ikm, salt = session id, info) → `bits` bits. */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, bits: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const out = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: encoder.encode(info) },
    key,
    bits,
  );
  return new Uint8Array(out);
}

/** AES-256-GCM key for the shares u sends v, from X25519(c_u^SK, c_v^PK). */
export async function shareKey(shared: Uint8Array, sessionId: Uint8Array): Promise<CryptoKey> {
  const raw = await hkdf(shared, sessionId, 'federa/secagg/v1/share-encryption', 256);
  return subtle().importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** AES-128-CTR key of a mask PRG from a seed (the agreed s_{u,v} or the self-mask seed b_u). */
export async function maskKey(seed: Uint8Array, sessionId: Uint8Array, label: string): Promise<CryptoKey> {
  const raw = await hkdf(seed, sessionId, `federa/secagg/v1/mask/${label}`, 128);
  return subtle().importKey('raw', buf(raw), 'AES-CTR', false, ['encrypt']);
}

/** iv (12 bytes) ‖ AES-GCM(plaintext, additional data). */
export async function seal(
  key: CryptoKey,
  plaintext: Uint8Array,
  aad: Uint8Array,
  random: RandomBytes,
): Promise<Uint8Array> {
  const iv = random(12);
  const ct = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad) }, key, buf(plaintext)),
  );
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return out;
}

/** Inverse of `seal`; undefined when the ciphertext is not authentic under this key and data. */
export async function open(key: CryptoKey, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
  if (sealed.length < 12 + 16) return undefined;
  try {
    const pt = await subtle().decrypt(
      { name: 'AES-GCM', iv: buf(sealed.subarray(0, 12)), additionalData: buf(aad) },
      key,
      buf(sealed.subarray(12)),
    );
    return new Uint8Array(pt);
  } catch {
    return undefined;
  }
}

let zeros = new Uint8Array(0);

/**
 * PRG(seed): `length` uniform 32-bit words, the AES-CTR keystream (counter from 0) of zeros.
 * Words are little-endian on every platform, so client and server agree.
 */
export async function prg(key: CryptoKey, length: number): Promise<Uint32Array> {
  const bytes = length * 4;
  if (zeros.length < bytes) zeros = new Uint8Array(bytes);
  const out = await subtle().encrypt(
    { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 },
    key,
    zeros.subarray(0, bytes),
  );
  const words = new Uint32Array(out);
  if (!LITTLE_ENDIAN) swapBytes(words);
  return words;
}

function swapBytes(w: Uint32Array): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    w[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  }
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Constant-size equality of two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
