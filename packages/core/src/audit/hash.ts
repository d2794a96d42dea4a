import type { Weights } from '../weights.js';
import { canonicalJson } from './canonical-json.js';
import { toHex } from './encoding.js';
import { subtleOf } from './keys.js';

const utf8 = new TextEncoder();

/** SHA-256 of bytes as lower-case hex (64 characters). */
export async function sha256Hex(bytes: Uint8Array, subtle?: SubtleCrypto): Promise<string> {
  return toHex(new Uint8Array(await subtleOf(subtle).digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

/**
 * SHA-256 (hex) identifying a set of weights or an update: SHA-256 over the canonical JSON
 * of the tensor names and shapes, one zero byte, then the 32-byte SHA-256 of the float32
 * values as stored (little-endian on every platform federa runs on; the values are hashed
 * in place, not copied). Equal layouts and bit-identical values give equal hashes.
 *
 * @example
 * const weightsIn = await hashWeights(global);
 */
export async function hashWeights(w: Weights, subtle?: SubtleCrypto): Promise<string> {
  const head = utf8.encode(canonicalJson(w.specs.map((s) => ({ name: s.name, shape: s.shape }))));
  const s = subtleOf(subtle);
  const body = new Uint8Array(w.data.buffer as ArrayBuffer, w.data.byteOffset, w.data.byteLength);
  const dataHash = new Uint8Array(await s.digest('SHA-256', body));
  const all = new Uint8Array(head.length + 1 + dataHash.length);
  all.set(head, 0);
  all.set(dataHash, head.length + 1);
  return sha256Hex(all, s);
}
