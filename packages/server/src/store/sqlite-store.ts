import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AUDIT_SQLITE, type AuditHead, FederaError, type RoundRecord } from '@federa/core';
import Database from 'better-sqlite3';
import { type CheckpointDb, type ClientDb, checkpointRow, clientRow, type RunDb, runRow } from './rows.js';
import {
  type AuditRow,
  type Checkpoint,
  type ClientRow,
  type RunRow,
  recordFromJson,
  recordToJson,
  type Store,
} from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, config_hash TEXT NOT NULL, config_json TEXT NOT NULL,
  seed INTEGER NOT NULL, rounds INTEGER NOT NULL, status TEXT NOT NULL, stop_reason TEXT, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
  run_id TEXT NOT NULL REFERENCES runs(id), round INTEGER NOT NULL, record_json TEXT NOT NULL,
  PRIMARY KEY (run_id, round)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  run_id TEXT NOT NULL REFERENCES runs(id), round INTEGER NOT NULL, weights BLOB NOT NULL,
  strategy_tensors BLOB, strategy_json TEXT, PRIMARY KEY (run_id, round)
);
CREATE TABLE IF NOT EXISTS clients (
  id TEXT PRIMARY KEY, public_key BLOB NOT NULL, token_hash TEXT NOT NULL, last_seq INTEGER NOT NULL,
  num_examples INTEGER NOT NULL, enrolled_at TEXT NOT NULL, last_seen TEXT NOT NULL
);
`;

/**
 * The default Store: one SQLite file (better-sqlite3, WAL journal). Each completed round's
 * record and checkpoint commit in one transaction; older checkpoints than `keep` are pruned.
 *
 * @example
 * const store = SqliteStore.open('runs/mnist.sqlite');
 */
export class SqliteStore implements Store {
  private constructor(
    private readonly db: Database.Database,
    private readonly keep: number,
  ) {}

  /** Opens (creating it and its folder if needed) the database at `path` (':memory:' for a throwaway one). */
  static open(path: string, opts: { keepCheckpoints?: number } = {}): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    db.exec(AUDIT_SQLITE.schema);
    return new SqliteStore(db, opts.keepCheckpoints ?? 2);
  }

  async findRun(name: string): Promise<RunRow | undefined> {
    const r = this.db
      .prepare("SELECT * FROM runs WHERE name = ? AND status = 'running' ORDER BY created_at DESC LIMIT 1")
      .get(name) as RunDb | undefined;
    return r ? runRow(r) : undefined;
  }

  async createRun(row: Omit<RunRow, 'status' | 'stopReason'>): Promise<void> {
    try {
      this.db
        .prepare(
          "INSERT INTO runs (id, name, config_hash, config_json, seed, rounds, status, stop_reason, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running', NULL, ?)",
        )
        .run(row.id, row.name, row.configHash, row.configJson, row.seed, row.rounds, row.createdAt);
    } catch (e) {
      throw conflictError(e, `createRun('${row.id}')`);
    }
  }

  async finishRun(id: string, stopReason: string): Promise<void> {
    this.db.prepare("UPDATE runs SET status = 'finished', stop_reason = ? WHERE id = ?").run(stopReason, id);
  }

  async saveRound(runId: string, record: RoundRecord, c: Checkpoint, audit?: AuditRow): Promise<void> {
    try {
      this.save(runId, record, c, audit);
    } catch (e) {
      throw conflictError(e, `saveRound('${runId}', round ${record.round})`);
    }
  }

  private save(runId: string, record: RoundRecord, c: Checkpoint, audit?: AuditRow): void {
    this.db.transaction(() => {
      if (audit) this.db.prepare(AUDIT_SQLITE.insert).run(audit.seq, audit.entry);
      this.db
        .prepare('INSERT INTO rounds (run_id, round, record_json) VALUES (?, ?, ?)')
        .run(runId, record.round, recordToJson(record));
      this.db
        .prepare(
          'INSERT INTO checkpoints (run_id, round, weights, strategy_tensors, strategy_json) VALUES (?, ?, ?, ?, ?)',
        )
        .run(
          runId,
          c.round,
          Buffer.from(c.weights.buffer, c.weights.byteOffset, c.weights.byteLength),
          c.strategyTensors ? Buffer.from(c.strategyTensors) : null,
          c.strategyJson,
        );
      this.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND round <= ?').run(runId, c.round - this.keep);
    })();
  }

  async latestCheckpoint(runId: string): Promise<Checkpoint | undefined> {
    const r = this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY round DESC LIMIT 1').get(runId) as
      | CheckpointDb
      | undefined;
    return r ? checkpointRow(r) : undefined;
  }

  async rounds(runId: string): Promise<RoundRecord[]> {
    const rows = this.db.prepare('SELECT record_json FROM rounds WHERE run_id = ? ORDER BY round').all(runId) as {
      record_json: string;
    }[];
    return rows.map((r) => recordFromJson(r.record_json));
  }

  async auditHead(): Promise<AuditHead | undefined> {
    const r = this.db
      .prepare(
        `SELECT ${AUDIT_SQLITE.entryColumn} AS entry FROM ${AUDIT_SQLITE.table} ORDER BY ${AUDIT_SQLITE.seqColumn} DESC LIMIT 1`,
      )
      .get() as { entry: string } | undefined;
    if (!r) return undefined;
    const e = JSON.parse(r.entry) as AuditHead;
    return { seq: e.seq, hash: e.hash };
  }

  async auditRows(): Promise<AuditRow[]> {
    return this.db
      .prepare(
        `SELECT ${AUDIT_SQLITE.seqColumn} AS seq, ${AUDIT_SQLITE.entryColumn} AS entry FROM ${AUDIT_SQLITE.table} ORDER BY ${AUDIT_SQLITE.seqColumn}`,
      )
      .all() as AuditRow[];
  }

  async setAuditKey(publicKey: string): Promise<void> {
    this.db
      .prepare(`INSERT OR REPLACE INTO ${AUDIT_SQLITE.metaTable} (key, value) VALUES (?, ?)`)
      .run(AUDIT_SQLITE.publicKeyName, publicKey);
  }

  async getClient(id: string): Promise<ClientRow | undefined> {
    const r = this.db.prepare('SELECT * FROM clients WHERE id = ?').get(id) as ClientDb | undefined;
    return r ? clientRow(r) : undefined;
  }

  async putClient(c: ClientRow): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO clients (id, public_key, token_hash, last_seq, num_examples, enrolled_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(c.id, Buffer.from(c.publicKey), c.tokenHash, c.lastSeq, c.numExamples, c.enrolledAt, c.lastSeen);
  }

  async touchClient(id: string, lastSeq: number): Promise<void> {
    this.db
      .prepare('UPDATE clients SET last_seq = MAX(last_seq, ?), last_seen = ? WHERE id = ?')
      .run(lastSeq, new Date().toISOString(), id);
  }

  async clients(): Promise<ClientRow[]> {
    return (this.db.prepare('SELECT * FROM clients ORDER BY id').all() as ClientDb[]).map(clientRow);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * A constraint failure as the FederaError PostgresStore gives for it: a run, round or audit
 * seq stored twice (two writers of one run), or a round of an unknown run. The transaction
 * was rolled back, so nothing was written. Other errors pass through.
 */
function conflictError(e: unknown, what: string): unknown {
  const err = e as Error & { code?: string };
  if (err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new FederaError(
      'E_STORE',
      `${what}: the run is not in the store; nothing was written`,
      'createRun it first',
    );
  }
  if (err.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && err.code !== 'SQLITE_CONSTRAINT_UNIQUE') return e;
  const which = /runs\.id/.test(err.message)
    ? 'a run with this id is already stored'
    : /audit_log/.test(err.message)
      ? 'an audit row with this seq is already stored'
      : 'this round is already stored';
  return new FederaError(
    'E_STORE',
    `${what}: ${which} (${err.message}); nothing was written`,
    'another server is probably writing the same run or audit log: run one server per run, or give each its own database',
  );
}
