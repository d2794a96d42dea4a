import { FederaError } from '@federa/core';

/** An Ed25519 key pair (WebCrypto) and its raw 32-byte public key. */
export interface Identity {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicRaw: Uint8Array;
}

const ED25519 = { name: 'Ed25519' } as const;

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new FederaError(
      'E_PLATFORM',
      'WebCrypto (crypto.subtle) is not available',
      'use Node ≥ 20 or a browser over https',
    );
  return s;
}

/** A fresh Ed25519 identity (extractable, so it can be saved with `exportIdentity`). */
export async function generateIdentity(): Promise<Identity> {
  const pair = (await subtle().generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicRaw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicRaw };
}

/** The identity as a JSON Web Key (private; keep it secret). */
export async function exportIdentity(id: Identity): Promise<JsonWebKey> {
  return subtle().exportKey('jwk', id.privateKey);
}

/** An identity saved with `exportIdentity`. */
export async function importIdentity(jwk: JsonWebKey): Promise<Identity> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new FederaError('E_ARG', 'not an Ed25519 private JWK', 'pass what exportIdentity returned');
  }
  const privateKey = await subtle().importKey('jwk', jwk, ED25519, true, ['sign']);
  const { d: _, key_ops: __, ...pub } = jwk;
  const publicKey = await subtle().importKey('jwk', { ...pub, key_ops: ['verify'] }, ED25519, true, ['verify']);
  const publicRaw = new Uint8Array(await subtle().exportKey('raw', publicKey));
  return { privateKey, publicKey, publicRaw };
}

/** Signs `bytes` with the identity's private key (64-byte signature). */
export async function sign(id: Identity, bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign(ED25519, id.privateKey, bytes as Uint8Array<ArrayBuffer>));
}

/** Imports a raw 32-byte Ed25519 public key; throws E_AUTH when it is not one. */
export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== 32)
    throw new FederaError('E_AUTH', `public key must be 32 bytes (raw Ed25519), got ${raw.byteLength}`);
  try {
    return await subtle().importKey('raw', raw as Uint8Array<ArrayBuffer>, ED25519, true, ['verify']);
  } catch (e) {
    throw new FederaError('E_AUTH', `not an Ed25519 public key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by `key`. */
export async function verify(key: CryptoKey, signature: Uint8Array, bytes: Uint8Array): Promise<boolean> {
  if (signature.byteLength !== 64) return false;
  return subtle().verify(ED25519, key, signature as Uint8Array<ArrayBuffer>, bytes as Uint8Array<ArrayBuffer>);
}

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Lower-case hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Constant-time equality of two byte strings. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/**
 * What a client signs in Hello: a domain tag, the server's challenge nonce, its name and its
 * public key, each length-prefixed, so the signature proves possession of the key for this
 * connection only (a recorded Hello cannot be replayed on another connection).
 */
export function helloSigningBytes(nonce: Uint8Array, name: string, publicRaw: Uint8Array): Uint8Array {
  return concatFields([new TextEncoder().encode('federa-hello-v1'), nonce, new TextEncoder().encode(name), publicRaw]);
}

function concatFields(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + 4 + p.byteLength, 0);
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const p of parts) {
    view.setUint32(o, p.byteLength, true);
    out.set(p, o + 4);
    o += 4 + p.byteLength;
  }
  return out;
}
