import type { AuditHead, RoundRecord } from '@federa/core';

/** One row of the audit chain as stored (core's `auditRow`: seq and canonical JSON). */
export interface AuditRow {
  readonly seq: number;
  readonly entry: string;
}

/** One training run the server knows. */
export interface RunRow {
  readonly id: string;
  /** The config's name; a server resumes the unfinished run of its name. */
  readonly name: string;
  /** SHA-256 (hex) of the run's config JSON: a resumed run must have the same config. */
  readonly configHash: string;
  readonly configJson: string;
  readonly seed: number;
  readonly rounds: number;
  readonly status: 'running' | 'finished';
  readonly stopReason: string | null;
  readonly createdAt: string;
}

/** The state after a completed round: enough to resume the run bit for bit. */
export interface Checkpoint {
  readonly round: number;
  /** The global weights w_round, federa codec bytes. */
  readonly weights: Uint8Array;
  /** The strategy's tensor state (`StatefulStrategy.state()`), codec messages back to back; null when stateless. */
  readonly strategyTensors: Uint8Array | null;
  /** The strategy's JSON state (e.g. the DP ledger and clip norm), when it has one. */
  readonly strategyJson: string | null;
}

/** A client enrolled with the server: its name, bound to its Ed25519 public key. */
export interface ClientRow {
  readonly id: string;
  readonly publicKey: Uint8Array;
  /** SHA-256 (hex) of the enrolment token used, or 'secret' for the shared secret. */
  readonly tokenHash: string;
  /** Highest reply sequence number accepted (replay protection). */
  readonly lastSeq: number;
  readonly numExamples: number;
  readonly enrolledAt: string;
  readonly lastSeen: string;
}

/**
 * Where the server keeps what must survive a restart: runs, per-round records, checkpoints
 * and enrolled clients. Methods are async so a network database (PostgreSQL) can implement
 * it; `saveRound` must be atomic (the round record and its checkpoint commit together, so a
 * crash leaves either the round or nothing).
 */
export interface Store {
  /** The unfinished run with this name (the newest), if any. */
  findRun(name: string): Promise<RunRow | undefined>;
  createRun(row: Omit<RunRow, 'status' | 'stopReason'>): Promise<void>;
  finishRun(id: string, stopReason: string): Promise<void>;
  /** Records a completed round, its checkpoint and (when auditing) its audit row in one transaction. */
  saveRound(runId: string, record: RoundRecord, checkpoint: Checkpoint, audit?: AuditRow): Promise<void>;
  /** The last audit row's { seq, hash }, to continue the chain after a restart. */
  auditHead(): Promise<AuditHead | undefined>;
  /** Every audit row in order. */
  auditRows(): Promise<AuditRow[]>;
  /** Records the audit chain's public key (base64) with the rows, for `federa audit verify`. */
  setAuditKey(publicKey: string): Promise<void>;
  /** The checkpoint of the last completed round, if any. */
  latestCheckpoint(runId: string): Promise<Checkpoint | undefined>;
  /** The run's round records in order. */
  rounds(runId: string): Promise<RoundRecord[]>;
  getClient(id: string): Promise<ClientRow | undefined>;
  /** Inserts or replaces a client. */
  putClient(row: ClientRow): Promise<void>;
  /** Raises a client's last accepted sequence number and last-seen time. */
  touchClient(id: string, lastSeq: number): Promise<void>;
  clients(): Promise<ClientRow[]>;
  close(): Promise<void>;
}

/** JSON that keeps NaN and ±Infinity (round records use NaN for "not evaluated"). */
export function recordToJson(r: RoundRecord): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `__num:${v}` : v));
}

export function recordFromJson(s: string): RoundRecord {
  return JSON.parse(s, (_k, v) =>
    typeof v === 'string' && v.startsWith('__num:') ? Number(v.slice(6)) : v,
  ) as RoundRecord;
}
