import type { AuditHead, RoundRecord } from '@federa/core';
import type { AuditRow, Checkpoint, ClientRow, RunRow, Store } from './store.js';

/** A Store in memory (tests, benchmarks, throwaway servers): nothing survives the process. */
export class MemoryStore implements Store {
  private readonly runs = new Map<string, RunRow>();
  private readonly records = new Map<string, RoundRecord[]>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly clientRows = new Map<string, ClientRow>();
  private readonly audit: AuditRow[] = [];
  /** The audit public key recorded with `setAuditKey`. */
  auditKey: string | undefined;

  async findRun(name: string): Promise<RunRow | undefined> {
    return [...this.runs.values()].reverse().find((r) => r.name === name && r.status === 'running');
  }

  async createRun(row: Omit<RunRow, 'status' | 'stopReason'>): Promise<void> {
    this.runs.set(row.id, { ...row, status: 'running', stopReason: null });
    this.records.set(row.id, []);
  }

  async finishRun(id: string, stopReason: string): Promise<void> {
    const r = this.runs.get(id);
    if (r) this.runs.set(id, { ...r, status: 'finished', stopReason });
  }

  async saveRound(runId: string, record: RoundRecord, c: Checkpoint, audit?: AuditRow): Promise<void> {
    if (audit) this.audit.push(audit);
    const list = (this.records.get(runId) ?? []).filter((r) => r.round !== record.round);
    this.records.set(
      runId,
      [...list, record].sort((a, b) => a.round - b.round),
    );
    this.checkpoints.set(runId, { ...c, weights: c.weights.slice() });
  }

  async latestCheckpoint(runId: string): Promise<Checkpoint | undefined> {
    return this.checkpoints.get(runId);
  }

  async rounds(runId: string): Promise<RoundRecord[]> {
    return [...(this.records.get(runId) ?? [])];
  }

  async auditHead(): Promise<AuditHead | undefined> {
    const last = this.audit.at(-1);
    if (!last) return undefined;
    const e = JSON.parse(last.entry) as AuditHead;
    return { seq: e.seq, hash: e.hash };
  }

  async auditRows(): Promise<AuditRow[]> {
    return [...this.audit];
  }

  async setAuditKey(publicKey: string): Promise<void> {
    this.auditKey = publicKey;
  }

  async getClient(id: string): Promise<ClientRow | undefined> {
    return this.clientRows.get(id);
  }

  async putClient(row: ClientRow): Promise<void> {
    this.clientRows.set(row.id, row);
  }

  async touchClient(id: string, lastSeq: number): Promise<void> {
    const c = this.clientRows.get(id);
    if (c) this.clientRows.set(id, { ...c, lastSeq: Math.max(c.lastSeq, lastSeq), lastSeen: new Date().toISOString() });
  }

  async clients(): Promise<ClientRow[]> {
    return [...this.clientRows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async close(): Promise<void> {}
}
