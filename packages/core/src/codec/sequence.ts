import type { Weights } from '../weights.js';
import { decodeWeights, peekHeader } from './decode.js';
import { encodeWeights } from './encode.js';

/** Several Weights as codec messages back to back (each message carries its own length). */
export function encodeWeightsSequence(items: readonly Weights[]): Uint8Array {
  const parts = items.map((w) => encodeWeights(w));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** The inverse of `encodeWeightsSequence`: every message decoded (copied), with the codec's checks. */
export function decodeWeightsSequence(bytes: Uint8Array): Weights[] {
  const out: Weights[] = [];
  for (let o = 0; o < bytes.byteLength; ) {
    const n = peekHeader(bytes.subarray(o)).totalBytes;
    out.push(decodeWeights(bytes.subarray(o, o + n), { copy: true }).weights);
    o += n;
  }
  return out;
}
