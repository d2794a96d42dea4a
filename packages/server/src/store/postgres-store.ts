import { type AuditHead, FederaError, type RoundRecord } from '@federa/core';
import pg from 'pg';
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

/**
 * The schema's migrations, in order: migration i brings the schema to version i + 1. `§` is
 * the quoted schema name. Append new ones; never edit a released one. The tables and columns
 * are SqliteStore's (the audit tables keep core's AUDIT_SQLITE names). Checkpoint bytes are
 * stored uncompressed (STORAGE EXTERNAL): float weights barely compress, and pglz's attempt
 * doubled saveRound's time for a 100k-parameter model (bench/store.ts).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE §.runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, config_hash TEXT NOT NULL, config_json TEXT NOT NULL,
    seed BIGINT NOT NULL, rounds INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('running', 'finished')),
    stop_reason TEXT, created_at TEXT NOT NULL);
  CREATE INDEX runs_by_name ON §.runs (name, status);
  CREATE TABLE §.rounds (
    run_id TEXT NOT NULL REFERENCES §.runs(id), round INTEGER NOT NULL, record_json TEXT NOT NULL,
    PRIMARY KEY (run_id, round));
  CREATE TABLE §.checkpoints (
    run_id TEXT NOT NULL REFERENCES §.runs(id), round INTEGER NOT NULL, weights BYTEA NOT NULL,
    strategy_tensors BYTEA, strategy_json TEXT, PRIMARY KEY (run_id, round));
  ALTER TABLE §.checkpoints ALTER COLUMN weights SET STORAGE EXTERNAL,
    ALTER COLUMN strategy_tensors SET STORAGE EXTERNAL;
  CREATE TABLE §.clients (
    id TEXT PRIMARY KEY, public_key BYTEA NOT NULL, token_hash TEXT NOT NULL, last_seq BIGINT NOT NULL,
    num_examples BIGINT NOT NULL, enrolled_at TEXT NOT NULL, last_seen TEXT NOT NULL);
  CREATE TABLE §.audit_log (seq BIGINT PRIMARY KEY, entry TEXT NOT NULL);
  CREATE TABLE §.audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** The schema version this code writes (the number of migrations). */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Options of `PostgresStore.connect`. */
export interface PostgresStoreOptions {
  /** The schema that holds the tables, created if missing (default 'federa'): lower-case letters, digits, '_'. */
  readonly schema?: string;
  /** Checkpoints kept per run, the newest ones (default 2, as SqliteStore). */
  readonly keepCheckpoints?: number;
  /** Pooled connections at most (default 4). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, ms (default 10,000). */
  readonly connectTimeoutMs?: number;
  /** Receives one line per notable event (connected, migrated, an idle connection's error). */
  readonly log?: (line: string) => void;
}

interface Target {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly user: string;
}

const BIGINT_OID = 20;

/** int8 columns (seed, seq, counts) come back as numbers: they hold JS numbers (≤ 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === BIGINT_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A Store in PostgreSQL, for deployments that want a database server: the same tables and
 * semantics as SqliteStore (round records as JSON keeping NaN, checkpoints as bytea, the
 * older checkpoints pruned), in a schema of its own (default `federa`) that `connect` creates
 * or migrates (its version is in `schema_version`). `saveRound` is one transaction on one
 * pooled connection: a crash leaves the round or nothing. Unlike SqliteStore, storing a run
 * id, a round or an audit seq twice is refused (E_STORE) and leaves what is stored as it was,
 * so two servers writing one run cannot overwrite each other.
 *
 * @example
 * const store = await PostgresStore.connect('postgres://federa:secret@db:5432/federa');
 * const server = await FederaServer.start({ store, auth: { tokens } });
 */
export class PostgresStore implements Store {
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
    private readonly keep: number,
    private readonly where: string,
  ) {}

  /**
   * Connects to the database at `url` (postgres://user:password@host:port/database), creates
   * the schema and its tables if missing and migrates an older schema. Throws E_ARG for a
   * malformed URL or option, E_STORE when the database cannot be reached or used (the message
   * names host, port and database, never the password).
   */
  static async connect(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const target = parseUrl(url);
    const schema = opts.schema ?? 'federa';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new FederaError(
        'E_ARG',
        `PostgresStore schema '${schema}' is not a plain lower-case identifier`,
        "use letters a-z, digits and '_', starting with a letter or '_' (e.g. 'federa')",
      );
    }
    const keep = opts.keepCheckpoints ?? 2;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new FederaError('E_ARG', `keepCheckpoints must be an integer ≥ 1, got ${keep}`);
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections ?? 4,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      types,
    });
    const where = `${target.host}:${target.port}/${target.database}`;
    const log = opts.log ?? (() => {});
    // An idle pooled connection that dies (server restart) must not crash the process.
    pool.on('error', (e) => log(`postgres ${where}: idle connection lost (${e.message})`));
    const s = `"${schema}"`;
    try {
      const from = await migrate(pool, schema, s);
      log(
        from === MIGRATIONS.length
          ? `postgres ${where}: schema ${schema} at version ${from}`
          : `postgres ${where}: schema ${schema} migrated from version ${from} to ${MIGRATIONS.length}`,
      );
    } catch (e) {
      await pool.end().catch(() => {});
      throw connectError(e, target, schema);
    }
    return new PostgresStore(pool, s, keep, where);
  }

  async findRun(name: string): Promise<RunRow | undefined> {
    const r = await this.query<RunDb>(
      'findRun',
      `SELECT * FROM ${this.s}.runs WHERE name = $1 AND status = 'running' ORDER BY created_at COLLATE "C" DESC LIMIT 1`,
      [name],
    );
    return r[0] ? runRow(r[0]) : undefined;
  }

  async createRun(row: Omit<RunRow, 'status' | 'stopReason'>): Promise<void> {
    await this.query(
      `createRun('${row.id}')`,
      `INSERT INTO ${this.s}.runs (id, name, config_hash, config_json, seed, rounds, status, stop_reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', NULL, $7)`,
      [row.id, row.name, row.configHash, row.configJson, row.seed, row.rounds, row.createdAt],
    );
  }

  async finishRun(id: string, stopReason: string): Promise<void> {
    await this.query(
      `finishRun('${id}')`,
      `UPDATE ${this.s}.runs SET status = 'finished', stop_reason = $1 WHERE id = $2`,
      [stopReason, id],
    );
  }

  async saveRound(runId: string, record: RoundRecord, c: Checkpoint, audit?: AuditRow): Promise<void> {
    const what = `saveRound(run '${runId}', round ${record.round})`;
    const client = await this.pool.connect().catch((e) => {
      throw storeError(e, what, this.where);
    });
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${this.s}.rounds (run_id, round, record_json) VALUES ($1, $2, $3)`, [
        runId,
        record.round,
        recordToJson(record),
      ]);
      await client.query(
        `INSERT INTO ${this.s}.checkpoints (run_id, round, weights, strategy_tensors, strategy_json) VALUES ($1, $2, $3, $4, $5)`,
        [runId, c.round, bytes(c.weights), c.strategyTensors ? bytes(c.strategyTensors) : null, c.strategyJson],
      );
      if (audit) {
        await client.query(`INSERT INTO ${this.s}.audit_log (seq, entry) VALUES ($1, $2)`, [audit.seq, audit.entry]);
      }
      await client.query(`DELETE FROM ${this.s}.checkpoints WHERE run_id = $1 AND round <= $2`, [
        runId,
        c.round - this.keep,
      ]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch((r: Error) => {
        broken = r;
      });
      throw storeError(e, what, this.where);
    } finally {
      client.release(broken);
    }
  }

  async latestCheckpoint(runId: string): Promise<Checkpoint | undefined> {
    const r = await this.query<CheckpointDb>(
      'latestCheckpoint',
      `SELECT * FROM ${this.s}.checkpoints WHERE run_id = $1 ORDER BY round DESC LIMIT 1`,
      [runId],
    );
    return r[0] ? checkpointRow(r[0]) : undefined;
  }

  async rounds(runId: string): Promise<RoundRecord[]> {
    const rows = await this.query<{ record_json: string }>(
      'rounds',
      `SELECT record_json FROM ${this.s}.rounds WHERE run_id = $1 ORDER BY round`,
      [runId],
    );
    return rows.map((r) => recordFromJson(r.record_json));
  }

  async auditHead(): Promise<AuditHead | undefined> {
    const r = await this.query<{ entry: string }>(
      'auditHead',
      `SELECT entry FROM ${this.s}.audit_log ORDER BY seq DESC LIMIT 1`,
    );
    if (!r[0]) return undefined;
    const e = JSON.parse(r[0].entry) as AuditHead;
    return { seq: e.seq, hash: e.hash };
  }

  async auditRows(): Promise<AuditRow[]> {
    return this.query<AuditRow>('auditRows', `SELECT seq, entry FROM ${this.s}.audit_log ORDER BY seq`);
  }

  /** The audit public key recorded with `setAuditKey` (base64), for `federa audit verify`. */
  async auditPublicKey(): Promise<string | undefined> {
    const rows = await this.query<{ value: string }>(
      'auditPublicKey',
      `SELECT value FROM ${this.s}.audit_meta WHERE key = 'public_key'`,
    );
    return rows[0]?.value;
  }

  async setAuditKey(publicKey: string): Promise<void> {
    await this.query(
      'setAuditKey',
      `INSERT INTO ${this.s}.audit_meta (key, value) VALUES ('public_key', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [publicKey],
    );
  }

  async getClient(id: string): Promise<ClientRow | undefined> {
    const r = await this.query<ClientDb>('getClient', `SELECT * FROM ${this.s}.clients WHERE id = $1`, [id]);
    return r[0] ? clientRow(r[0]) : undefined;
  }

  async putClient(c: ClientRow): Promise<void> {
    await this.query(
      `putClient('${c.id}')`,
      `INSERT INTO ${this.s}.clients (id, public_key, token_hash, last_seq, num_examples, enrolled_at, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET public_key = EXCLUDED.public_key, token_hash = EXCLUDED.token_hash,
         last_seq = EXCLUDED.last_seq, num_examples = EXCLUDED.num_examples, enrolled_at = EXCLUDED.enrolled_at,
         last_seen = EXCLUDED.last_seen`,
      [c.id, bytes(c.publicKey), c.tokenHash, c.lastSeq, c.numExamples, c.enrolledAt, c.lastSeen],
    );
  }

  async touchClient(id: string, lastSeq: number): Promise<void> {
    await this.query(
      `touchClient('${id}')`,
      `UPDATE ${this.s}.clients SET last_seq = GREATEST(last_seq, $1), last_seen = $2 WHERE id = $3`,
      [lastSeq, new Date().toISOString(), id],
    );
  }

  async clients(): Promise<ClientRow[]> {
    const rows = await this.query<ClientDb>('clients', `SELECT * FROM ${this.s}.clients ORDER BY id COLLATE "C"`);
    return rows.map(clientRow);
  }

  /** Ends the pool (waits for queries in flight). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async query<R extends object = object>(what: string, sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.closed) throw new FederaError('E_STORE', `${what}: the PostgresStore is closed`, 'connect a new one');
    try {
      return (await this.pool.query(sql, params)).rows as R[];
    } catch (e) {
      throw storeError(e, what, this.where);
    }
  }
}

/** Creates or migrates the schema, serialized across servers by an advisory lock. Returns the version found. */
async function migrate(pool: pg.Pool, schema: string, s: string): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`federa-schema:${schema}`]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
    );
    const found = Number((await c.query(`SELECT coalesce(max(version), 0) AS v FROM ${s}.schema_version`)).rows[0].v);
    if (found > MIGRATIONS.length) {
      throw new FederaError(
        'E_STORE',
        `schema ${schema} is at version ${found}, newer than this federa knows (${MIGRATIONS.length})`,
        'upgrade federa, or use another schema',
      );
    }
    for (let v = found; v < MIGRATIONS.length; v++) {
      await c.query((MIGRATIONS[v] as string).replaceAll('§', s));
      await c.query(`INSERT INTO ${s}.schema_version (version, applied_at) VALUES ($1, $2)`, [
        v + 1,
        new Date().toISOString(),
      ]);
    }
    await c.query('COMMIT');
    return found;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/** Host, port, database and user of a postgres:// URL; E_ARG when it is not one. */
function parseUrl(url: string): Target {
  const shown = typeof url === 'string' ? url.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@') : String(url);
  const hint = 'write it as postgres://user:password@host:5432/database';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FederaError('E_ARG', `PostgreSQL URL '${shown}' is not a URL`, hint);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new FederaError('E_ARG', `PostgreSQL URL '${shown}' must start with postgres:// or postgresql://`, hint);
  }
  const host = u.hostname || u.searchParams.get('host') || '';
  if (!host) throw new FederaError('E_ARG', `PostgreSQL URL '${shown}' names no host`, hint);
  const user = decodeURIComponent(u.username);
  return {
    host,
    port: u.port || '5432',
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || user || '(default)',
    user: user || '(default)',
  };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The FederaError for a failure while connecting and creating the schema. */
function connectError(e: unknown, t: Target, schema: string): FederaError {
  if (e instanceof FederaError) return e;
  const err = e as Error & { code?: string };
  const at = `${t.host}:${t.port}`;
  let out: FederaError;
  if (UNREACHABLE.has(err.code ?? '') || /timeout|terminated/i.test(err.message)) {
    out = new FederaError(
      'E_STORE',
      `cannot reach PostgreSQL at ${at} (database ${t.database}): ${err.code ?? err.message}`,
      'check the URL (postgres://user:password@host:port/database) and that PostgreSQL is running and accepts TCP connections there; for a local test database run scripts/start-postgres.sh',
    );
  } else if (err.code === '3D000') {
    out = new FederaError(
      'E_STORE',
      `PostgreSQL at ${at} has no database '${t.database}'`,
      `create it (createdb -h ${t.host} -p ${t.port} ${t.database}) or fix the database name in the URL`,
    );
  } else if (err.code === '28P01' || err.code === '28000') {
    out = new FederaError(
      'E_STORE',
      `PostgreSQL at ${at} refused user '${t.user}' for database '${t.database}': ${err.message}`,
      "check the user and password in the URL and the server's pg_hba.conf",
    );
  } else if (err.code === '42501') {
    out = new FederaError(
      'E_STORE',
      `user '${t.user}' may not create schema ${schema} or its tables in database '${t.database}' at ${at}`,
      `grant it CREATE on the database (GRANT CREATE ON DATABASE ${t.database} TO ${t.user}) or create the schema for it`,
    );
  } else {
    out = new FederaError(
      'E_STORE',
      `PostgreSQL at ${at}/${t.database} (schema ${schema}): ${err.message}${err.code ? ` (${err.code})` : ''}`,
      'check the URL and that the database is usable by this user',
    );
  }
  Object.defineProperty(out, 'cause', { value: e });
  return out;
}

/** The FederaError for a failed statement: conflicts (two writers of one run) are named as such. */
function storeError(e: unknown, what: string, where: string): FederaError {
  if (e instanceof FederaError) return e;
  const err = e as Error & { code?: string; table?: string; detail?: string };
  let out: FederaError;
  if (err.code === '23505') {
    const which =
      err.table === 'runs'
        ? 'a run with this id is already stored'
        : err.table === 'audit_log'
          ? 'an audit row with this seq is already stored'
          : 'this round is already stored';
    out = new FederaError(
      'E_STORE',
      `${what}: ${which} (${err.detail ?? err.message}); nothing was written`,
      'another server is probably writing the same run or audit log: run one server per run, or give each its own schema or database',
    );
  } else if (err.code === '23503') {
    out = new FederaError('E_STORE', `${what}: the run is not in the store; nothing was written`, 'createRun it first');
  } else {
    out = new FederaError(
      'E_STORE',
      `${what} failed on PostgreSQL ${where}: ${err.message}${err.code ? ` (${err.code})` : ''}`,
      'check that PostgreSQL is running and reachable; the round is not stored and the server can resume from its last one',
    );
  }
  Object.defineProperty(out, 'cause', { value: e });
  return out;
}

/** A Buffer over the same bytes (no copy); pg sends Buffers as bytea. */
function bytes(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
