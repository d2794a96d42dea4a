import { FederaError } from '@federa/core';
/** One Chunk frame as `encodeFrame` takes it. */
export interface ChunkInit {
  readonly case: 'chunk';
  readonly value: { transferId: string; offset: bigint; total: bigint; data: Uint8Array };
}

/**
 * The Chunk frames that carry `bytes[from..]` of transfer `id`, each at most `chunkBytes`
 * (views of `bytes`, no copy). A resumed transfer starts at the receiver's offset.
 */
export function* chunkFrames(id: string, bytes: Uint8Array, chunkBytes: number, from = 0): Generator<ChunkInit> {
  if (!(Number.isInteger(chunkBytes) && chunkBytes > 0))
    throw new FederaError('E_ARG', `chunkBytes must be a positive integer, got ${chunkBytes}`);
  if (!(Number.isInteger(from) && from >= 0 && from <= bytes.byteLength)) {
    throw new FederaError(
      'E_CHUNK_OFFSET',
      `transfer '${id}' has ${bytes.byteLength} bytes; cannot resume from ${from}`,
      'ask again from offset 0',
    );
  }
  const total = BigInt(bytes.byteLength);
  for (let o = from; o < bytes.byteLength || (o === 0 && bytes.byteLength === 0); o += chunkBytes) {
    yield {
      case: 'chunk',
      value: {
        transferId: id,
        offset: BigInt(o),
        total,
        data: bytes.subarray(o, Math.min(o + chunkBytes, bytes.byteLength)),
      },
    };
    if (bytes.byteLength === 0) break;
  }
}

/**
 * Receives one transfer in order: chunks must arrive contiguously from `received` (what a
 * resumed sender is told); a gap, an overlap, a chunk past `total` or a changed `total` is
 * refused with E_CHUNK_OFFSET / E_CHUNK naming the expected offset. `limit` bounds `total`
 * before anything is allocated (E_TOO_LARGE).
 */
export class Assembler {
  readonly total: number;
  private readonly buf: Uint8Array;
  private at = 0;

  constructor(
    readonly id: string,
    total: number,
    limit: number,
  ) {
    if (!(Number.isSafeInteger(total) && total >= 0))
      throw new FederaError('E_CHUNK', `transfer '${id}' declares ${total} bytes`);
    if (total > limit) {
      throw new FederaError(
        'E_TOO_LARGE',
        `transfer '${id}' declares ${total} bytes, more than the limit of ${limit}`,
        "send an update of the global model's layout (or raise the server's maxUpdateBytes)",
      );
    }
    this.total = total;
    this.buf = new Uint8Array(total);
  }

  /** Bytes received so far (the offset a resumed sender continues from). */
  get received(): number {
    return this.at;
  }

  get done(): boolean {
    return this.at === this.total;
  }

  /** Adds one chunk; returns true when the transfer is complete. */
  add(offset: number, total: number, data: Uint8Array): boolean {
    if (total !== this.total) {
      throw new FederaError(
        'E_CHUNK',
        `transfer '${this.id}' changed its total from ${this.total} to ${total} bytes`,
        'restart the transfer under a new id',
      );
    }
    if (offset !== this.at) {
      throw new FederaError(
        'E_CHUNK_OFFSET',
        `transfer '${this.id}': chunk at offset ${offset}, expected ${this.at}`,
        `resend from offset ${this.at}`,
      );
    }
    if (offset + data.byteLength > this.total) {
      throw new FederaError(
        'E_CHUNK',
        `transfer '${this.id}': chunk [${offset}, ${offset + data.byteLength}) runs past its ${this.total} bytes`,
      );
    }
    this.buf.set(data, offset);
    this.at += data.byteLength;
    return this.done;
  }

  /** The whole transfer; throws E_CHUNK when it is not complete. */
  bytes(): Uint8Array {
    if (!this.done)
      throw new FederaError(
        'E_CHUNK',
        `transfer '${this.id}' has ${this.at} of ${this.total} bytes`,
        `resume it from offset ${this.at}`,
      );
    return this.buf;
  }

  /** The first `n` bytes received (e.g. to check a codec header early). */
  head(n: number): Uint8Array {
    return this.buf.subarray(0, Math.min(n, this.at));
  }
}

/** A non-negative safe integer from a uint64 field; throws E_FRAME otherwise. */
export function safeNumber(v: bigint, what: string): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FederaError('E_FRAME', `${what} ${v} is out of range`);
  return Number(v);
}
