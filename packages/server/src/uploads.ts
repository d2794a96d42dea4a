import { Assembler, type FrameOf, safeNumber } from '@federa/client';
import { FederaError, peekHeader, WIRE_HEADER_BYTES } from '@federa/core';
import type { PendingTask } from './tasks.js';

/**
 * Updates being uploaded, by client and transfer id ('u-<task id>'), kept across the
 * client's reconnects so an upload resumes from its offset (Welcome.uploads).
 */
export class UploadTable {
  private readonly byClient = new Map<string, Map<string, Assembler>>();

  constructor(
    private readonly chunkBytes: number,
    /** Largest update accepted for a task. */
    readonly limit: (t: PendingTask) => number,
  ) {}

  /**
   * Adds one chunk from `clientId` to the upload of its open training task `task` (undefined
   * when the transfer names no such task: E_UNKNOWN_TRANSFER). Chunks over the chunk size,
   * out of order, past the declared total or over the limit are refused; the codec header is
   * checked as soon as it has arrived (E_BAD_MAGIC, E_TOO_LARGE, ...), dropping the upload.
   */
  add(clientId: string, task: PendingTask | undefined, c: FrameOf<'chunk'>): void {
    if (!task || task.clientId !== clientId || task.kind === 'evaluate' || c.transferId !== `u-${task.id}`) {
      throw new FederaError(
        'E_UNKNOWN_TRANSFER',
        `upload '${c.transferId}' is not for an open training or secure-aggregation task of '${clientId}'`,
        "name uploads 'u-<task id>'",
      );
    }
    if (c.data.byteLength > this.chunkBytes) {
      throw new FederaError(
        'E_TOO_LARGE',
        `chunk of ${c.data.byteLength} bytes, more than the ${this.chunkBytes}-byte chunk size`,
        'split uploads into Welcome.chunk_bytes pieces',
      );
    }
    let up = this.byClient.get(clientId);
    if (!up) this.byClient.set(clientId, (up = new Map()));
    let a = up.get(c.transferId);
    const offset = safeNumber(c.offset, 'offset');
    const total = safeNumber(c.total, 'total');
    if (!a || (offset === 0 && a.received > 0)) {
      if (offset !== 0) {
        throw new FederaError('E_CHUNK_OFFSET', `upload '${c.transferId}' is unknown here; start it at offset 0`);
      }
      a = new Assembler(c.transferId, total, this.limit(task));
      up.set(c.transferId, a);
    }
    const before = a.received;
    a.add(offset, total, c.data);
    task.bytesUp += c.data.byteLength;
    // An update is codec bytes: check its header early. (A masked input is raw ring words.)
    if (task.kind === 'train' && before < WIRE_HEADER_BYTES && a.received >= WIRE_HEADER_BYTES) {
      try {
        peekHeader(a.head(WIRE_HEADER_BYTES), { maxBytes: this.limit(task) });
      } catch (e) {
        up.delete(c.transferId);
        throw e;
      }
    }
  }

  get(clientId: string, id: string): Assembler | undefined {
    return this.byClient.get(clientId)?.get(id);
  }

  delete(clientId: string, id: string): void {
    this.byClient.get(clientId)?.delete(id);
  }

  /** The client's uploads in progress and how far each got. */
  inProgress(clientId: string): { transferId: string; offset: bigint }[] {
    return [...(this.byClient.get(clientId)?.values() ?? [])].map((a) => ({
      transferId: a.id,
      offset: BigInt(a.received),
    }));
  }
}
