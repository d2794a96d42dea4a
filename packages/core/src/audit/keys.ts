import { FederaError } from '../errors.js';
import { fromBase64, toBase64 } from './encoding.js';

const ED25519 = { name: 'Ed25519' } as const;

/** The WebCrypto to use: the one passed in, else the platform's (`globalThis.crypto.subtle`). */
export function subtleOf(subtle?: SubtleCrypto): SubtleCrypto {
  const s = subtle ?? globalThis.crypto?.subtle;
  if (!s) {
    throw new FederaError(
      'E_AUDIT_CRYPTO',
      'no WebCrypto (crypto.subtle) in this runtime',
      'run on Node 20+ or in a secure browser context (https or localhost), or pass `subtle`',
    );
  }
  return s;
}

/**
 * A new Ed25519 key pair for signing the audit chain (both halves extractable, so the
 * server can store the private key and publish the public one).
 *
 * @example
 * const keys = await generateAuditKeys();
 * const pub = await exportAuditPublicKey(keys.publicKey); // base64, 44 chars
 */
export async function generateAuditKeys(subtle?: SubtleCrypto): Promise<CryptoKeyPair> {
  return (await subtleOf(subtle).generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** The raw 32-byte Ed25519 public key as base64. */
export async function exportAuditPublicKey(key: CryptoKey, subtle?: SubtleCrypto): Promise<string> {
  return toBase64(new Uint8Array(await subtleOf(subtle).exportKey('raw', key)));
}

/** A public key from base64 (raw 32 bytes) or raw bytes; throws E_AUDIT_KEY when malformed. */
export async function importAuditPublicKey(key: string | Uint8Array, subtle?: SubtleCrypto): Promise<CryptoKey> {
  const raw = typeof key === 'string' ? fromBase64(key.trim()) : key;
  if (raw?.length !== 32) {
    throw new FederaError(
      'E_AUDIT_KEY',
      'the audit public key must be 32 raw Ed25519 bytes (44 base64 characters)',
      'pass the value the server printed or stored as its audit public key',
    );
  }
  return subtleOf(subtle).importKey('raw', raw as Uint8Array<ArrayBuffer>, ED25519, true, ['verify']);
}

/** The private key as base64 PKCS#8 (what a server writes to its key file). */
export async function exportAuditPrivateKey(key: CryptoKey, subtle?: SubtleCrypto): Promise<string> {
  return toBase64(new Uint8Array(await subtleOf(subtle).exportKey('pkcs8', key)));
}

/**
 * The signing key pair back from base64 PKCS#8 (as written by `exportAuditPrivateKey`);
 * the public half is derived from it. Throws E_AUDIT_KEY when malformed.
 */
export async function importAuditPrivateKey(pkcs8: string, subtle?: SubtleCrypto): Promise<CryptoKeyPair> {
  const s = subtleOf(subtle);
  const raw = fromBase64(pkcs8.trim());
  const bad = () =>
    new FederaError('E_AUDIT_KEY', 'the audit private key is not base64 PKCS#8 Ed25519', 'regenerate the key file');
  if (!raw) throw bad();
  let privateKey: CryptoKey;
  try {
    privateKey = await s.importKey('pkcs8', raw as Uint8Array<ArrayBuffer>, ED25519, true, ['sign']);
  } catch {
    throw bad();
  }
  const jwk = await s.exportKey('jwk', privateKey);
  const publicKey = await s.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, ED25519, true, ['verify']);
  return { privateKey, publicKey };
}

/** Ed25519 signature of `data` as base64. */
export async function signBytes(key: CryptoKey, data: Uint8Array, subtle?: SubtleCrypto): Promise<string> {
  return toBase64(new Uint8Array(await subtleOf(subtle).sign(ED25519, key, data as Uint8Array<ArrayBuffer>)));
}

/** Whether `signature` (base64) is a valid Ed25519 signature of `data`; false when malformed. */
export async function verifyBytes(
  key: CryptoKey,
  signature: string,
  data: Uint8Array,
  subtle?: SubtleCrypto,
): Promise<boolean> {
  const sig = fromBase64(signature);
  if (sig?.length !== 64) return false;
  try {
    return await subtleOf(subtle).verify(ED25519, key, sig as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}
