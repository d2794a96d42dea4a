import { type AsyncRecord, AuditChain, auditRoundFromRecord, auditRow, hashWeights, type Weights } from '@federa/core';
import type { Hub } from './hub.js';
import type { AuditRow, Store } from './store/store.js';

/**
 * The audit chain of an asynchronous run: one signed row per stored version, naming every
 * update its record lists with the SHA-256 its client signed. A record covers the arrivals
 * since the previous version, so a client may appear in it twice and a reply may arrive (and
 * be hashed) before the previous version's record is written: hashes are kept per client in
 * task order and each record's client entries take theirs in the same order (one task, one
 * outcome, one entry; a client runs one task at a time).
 */
export class AsyncAudit {
  private readonly queues = new Map<string, (string | undefined)[]>();
  private readonly off: () => void;
  private chain: AuditChain | undefined;
  private weightsIn: string | undefined;

  constructor(
    hub: Hub,
    private readonly store: Store,
    private readonly privateKey: CryptoKey,
  ) {
    this.off = hub.on((e) => {
      if (e.type !== 'outcome' || e.kind !== 'train') return;
      const q = this.queues.get(e.clientId) ?? [];
      q.push(e.ok ? e.updateHash : undefined);
      this.queues.set(e.clientId, q);
    });
  }

  /** Continues the store's chain (after `RunObserver.begin` recorded the public key). */
  async begin(weights: Weights): Promise<void> {
    const head = await this.store.auditHead();
    this.chain = new AuditChain({ privateKey: this.privateKey, ...(head ? { head } : {}) });
    this.weightsIn = await hashWeights(weights);
  }

  /** The signed row of a version's record (store it with the checkpoint), `weights` being that version's. */
  async row(runId: string, strategy: string, record: AsyncRecord, weights: Weights): Promise<AuditRow> {
    const chain = this.chain as AuditChain;
    const hashes = new Map<string, string>();
    const entries: { clientId: string; ok: boolean; numExamples?: number }[] = [];
    for (const c of record.clients) {
      const hash = this.queues.get(c.clientId)?.shift();
      // A failed entry consumes its outcome too; only folded-in or received updates carry a hash.
      if (c.ok && hash !== undefined) hashes.set(`${c.clientId}#${entries.length}`, hash);
      entries.push({
        clientId: `${c.clientId}#${entries.length}`,
        ok: c.ok,
        ...(c.numExamples !== undefined ? { numExamples: c.numExamples } : {}),
      });
    }
    const weightsOut = await hashWeights(weights);
    const round = auditRoundFromRecord(
      { ...record, clients: entries },
      { strategy, runId, weightsIn: this.weightsIn ?? '', weightsOut, updateHashes: hashes },
    );
    // The entry names clients by id (an id twice when it sent two updates in this version).
    const entry = await chain.append({
      ...round,
      clients: round.clients.map((c) => ({ ...c, clientId: c.clientId.slice(0, c.clientId.lastIndexOf('#')) })),
    });
    this.weightsIn = weightsOut;
    return auditRow(entry);
  }

  close(): void {
    this.off();
  }
}
