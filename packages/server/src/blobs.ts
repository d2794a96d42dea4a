import { chunkFrames, encodeFrame, hex, sha256 } from '@federa/client';
import { encodeWeights, type Weights } from '@federa/core';

/** Weights encoded once for sending: codec bytes, their SHA-256 and a transfer id. */
export interface Blob {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly sha256: Uint8Array;
}

const framesCache = new WeakMap<Blob, { chunkBytes: number; frames: Uint8Array[] }>();

/**
 * The encoded Chunk frames of `blob` from byte `from`: every client gets the same frames, so
 * each is encoded once per blob and chunk size (a resume at an offset that is not a chunk
 * boundary is encoded on the fly).
 */
export function* blobFrames(
  blob: Blob,
  chunkBytes: number,
  from: number,
): Generator<{ frame: Uint8Array; bytes: number }> {
  if (from % chunkBytes !== 0) {
    let at = from;
    for (const f of chunkFrames(blob.id, blob.bytes, chunkBytes, from)) {
      const bytes = Math.min(chunkBytes, blob.bytes.byteLength - at);
      at += bytes;
      yield { frame: encodeFrame(f), bytes };
    }
    return;
  }
  let c = framesCache.get(blob);
  if (!c || c.chunkBytes !== chunkBytes) {
    c = { chunkBytes, frames: [...chunkFrames(blob.id, blob.bytes, chunkBytes)].map((f) => encodeFrame(f)) };
    framesCache.set(blob, c);
  }
  for (let i = from / chunkBytes; i < c.frames.length; i++) {
    yield { frame: c.frames[i] as Uint8Array, bytes: Math.min(chunkBytes, blob.bytes.byteLength - i * chunkBytes) };
  }
}

/**
 * Encodes each Weights object once (the global model goes to every sampled client): the
 * transfer id names the round and the content hash, so a client that already holds these
 * bytes (or part of them) resumes instead of downloading again.
 */
export class BlobCache {
  private cache = new WeakMap<Weights, Promise<Blob>>();

  get(w: Weights, round: number): Promise<Blob> {
    let b = this.cache.get(w);
    if (!b) {
      b = (async () => {
        const bytes = encodeWeights(w, { kind: 'weights', round });
        const sha = await sha256(bytes);
        return { id: `w-${round}-${hex(sha).slice(0, 24)}`, bytes, sha256: sha };
      })();
      this.cache = new WeakMap([[w, b]]);
    }
    return b;
  }
}
