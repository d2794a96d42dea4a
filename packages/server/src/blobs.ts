import { hex, sha256 } from '@federa/client';
import { encodeWeights, type Weights } from '@federa/core';

/** Weights encoded once for sending: codec bytes, their SHA-256 and a transfer id. */
export interface Blob {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly sha256: Uint8Array;
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
