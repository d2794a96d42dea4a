import { canonicalJson } from './canonical-json.js';
import type { AuditEntry } from './entry.js';

/**
 * How a server keeps the audit chain in SQLite, so that `federa audit verify <db>` can read
 * it: one row per entry, `seq` the entry's seq, `entry` its canonical JSON; the public key
 * in the meta table under AUDIT_SQLITE.publicKeyName.
 */
export const AUDIT_SQLITE = {
  table: 'audit_log',
  seqColumn: 'seq',
  entryColumn: 'entry',
  metaTable: 'audit_meta',
  publicKeyName: 'public_key',
  /** Statements that create both tables (idempotent). */
  schema:
    'CREATE TABLE IF NOT EXISTS audit_log (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);\n' +
    'CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);',
  /** Reads every row in order (bind nothing). */
  selectAll: 'SELECT entry FROM audit_log ORDER BY seq',
  /** Inserts one row: bind (seq, entry). */
  insert: 'INSERT INTO audit_log (seq, entry) VALUES (?, ?)',
} as const;

/** The SQLite row for an entry: bind as `AUDIT_SQLITE.insert` with (row.seq, row.entry). */
export function auditRow(e: AuditEntry): { seq: number; entry: string } {
  return { seq: e.seq, entry: canonicalJson(e) };
}
