import { readFile, writeFile } from 'node:fs/promises';
import {
  AUDIT_SQLITE,
  type AuditHead,
  type AuditVerifyResult,
  canonicalJson,
  FederaError,
  fromHex,
  parseAuditJsonl,
  verifyAuditChain,
} from '@federa/core';
import { type Command, CommanderError } from 'commander';

/** Where `federa audit` writes; tests pass their own. */
export interface AuditCommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STDIO: AuditCommandIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** The rows of an audit export and what it says about its own key, whatever its format. */
interface LoadedAudit {
  readonly format: 'jsonl' | 'sqlite' | 'postgres';
  readonly entries: unknown[];
  /** Where each row is in the source, for messages ("line 4", "seq column 3"). */
  readonly where: string[];
  readonly embeddedKey?: string;
  readonly embeddedHead?: AuditHead;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * Registers `federa audit verify <file>`: checks an audit chain exported as JSONL
 * (`auditToJsonl`) or stored in a server's SQLite database (`AUDIT_SQLITE` layout), prints
 * `OK` or the first bad row and why, and fails (exit code 1) when the chain is not intact;
 * and `federa audit export <db> [--out file]`, which writes a database's chain as JSONL.
 *
 * @example
 * registerAuditCommand(program); // federa audit verify runs/server/audit.jsonl --key <base64>
 */
export function registerAuditCommand(program: Command, io: AuditCommandIo = STDIO): Command {
  const audit = program.command('audit').description("check a server's signed, hash-chained round log");
  audit
    .command('verify')
    .description('verify an audit chain (JSONL export or SQLite database); exit 1 on the first bad row')
    .argument('<file>', 'audit export (.jsonl), the server database (.db / .sqlite) or its postgres:// URL')
    .option('--key <base64|file>', "the server's audit public key (base64, or a file holding it); trusted")
    .option('--head <seq:hash>', 'the head the chain must reach (detects rows removed from the end)')
    .option('--json', 'print the result as one JSON object')
    .action(async (file: string, o: { key?: string; head?: string; json?: boolean }) => {
      const loaded = await loadAudit(file);
      const trustedKey = o.key === undefined ? undefined : await readKey(o.key);
      const key = trustedKey ?? loaded.embeddedKey;
      if (key === undefined) {
        throw new FederaError(
          'E_AUDIT_KEY',
          `${file} carries no audit public key and --key was not given`,
          "pass --key with the server's audit public key (base64)",
        );
      }
      const head = o.head === undefined ? loaded.embeddedHead : parseHead(o.head);
      const result = await verifyAuditChain(loaded.entries, key, { head });
      if (o.json) {
        io.out(`${JSON.stringify({ file, keyFromFile: trustedKey === undefined, ...result })}\n`);
      } else {
        if (trustedKey === undefined) {
          io.err(
            'federa: warning: using the public key stored in the file itself; this shows the rows are intact, ' +
              'not who wrote them (pass --key to pin the server key)\n',
          );
        }
        io.out(`${describe(result, loaded, file)}\n`);
      }
      if (!result.ok) throw new CommanderError(1, 'federa.audit.failed', 'audit chain verification failed');
    });
  audit
    .command('export')
    .description("write a server database's audit chain as JSONL (a header with its public key, then one row per line)")
    .argument('<db>', 'the server database (.db / .sqlite)')
    .option('--out <file>', 'write to this file (default: standard output)')
    .action(async (db: string, o: { out?: string }) => {
      const loaded = await loadAudit(db);
      if (loaded.format === 'jsonl') {
        throw new FederaError(
          'E_ARG',
          `${db} is not a SQLite database`,
          'pass the server database; a JSONL file is already an export',
        );
      }
      const text = exportJsonl(loaded);
      if (o.out === undefined) io.out(text);
      else {
        await writeFile(o.out, text);
        io.err(`federa: exported ${loaded.entries.length} audit rows to ${o.out}\n`);
      }
    });
  return audit;
}

/**
 * The JSONL text of rows read from a database, copied as they are (an unreadable row stays
 * as its raw text, so verifying the export fails at the same row). The header carries the
 * stored public key and, as `head`, the last row's seq and hash: a record of where the chain
 * ended at export time, only as trustworthy as the database it came from.
 */
function exportJsonl(a: LoadedAudit): string {
  const last = a.entries[a.entries.length - 1] as { seq?: unknown; hash?: unknown } | undefined;
  const head =
    last && typeof last === 'object' && Number.isInteger(last.seq) && typeof last.hash === 'string'
      ? { seq: last.seq as number, hash: last.hash }
      : undefined;
  const header = { federaAudit: 1, ...(a.embeddedKey ? { publicKey: a.embeddedKey } : {}), ...(head ? { head } : {}) };
  const lines = [canonicalJson(header), ...a.entries.map((e) => (typeof e === 'string' ? e : canonicalJson(e)))];
  return `${lines.join('\n')}\n`;
}

function describe(r: AuditVerifyResult, a: LoadedAudit, file: string): string {
  if (r.ok) {
    return r.count === 0
      ? `OK: ${file} holds no audit rows`
      : `OK: ${r.count} rows verified (${a.format}); head seq ${r.head.seq} ${r.head.hash}`;
  }
  const where = a.where[r.index] ?? 'after the last row';
  return `FAIL: row ${r.index} (${where}): ${r.reason}: ${r.message}`;
}

/** Reads a JSONL export, a SQLite database (told apart by the SQLite file header) or a postgres:// database. */
export async function loadAudit(file: string): Promise<LoadedAudit> {
  if (/^postgres(ql)?:\/\//i.test(file)) return loadPostgres(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new FederaError('E_AUDIT_FILE', `cannot read ${file}: ${(e as Error).message}`, 'check the path');
  }
  if (bytes.subarray(0, 16).toString('latin1') === SQLITE_MAGIC) return loadSqlite(file);
  const parsed = parseAuditJsonl(bytes.toString('utf8'));
  return {
    format: 'jsonl',
    entries: parsed.entries,
    where: parsed.lines.map((l) => `line ${l}`),
    embeddedKey: parsed.header?.publicKey,
    embeddedHead: parsed.header?.head,
  };
}

/** The chain a server keeps in PostgreSQL (`federa server --db postgres://…`; `?schema=` when not `federa`). */
async function loadPostgres(url: string): Promise<LoadedAudit> {
  const { PostgresStore } = await import('@federa/server');
  // ?schema=name picks the store's schema (default 'federa'); it is ours, not the driver's.
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const store = await PostgresStore.connect(u.toString(), schema ? { schema } : {});
  try {
    const rows = await store.auditRows();
    return {
      format: 'postgres',
      entries: rows.map((r) => {
        try {
          return JSON.parse(r.entry);
        } catch {
          return r.entry;
        }
      }),
      where: rows.map((r) => `audit_log.seq = ${r.seq}`),
      embeddedKey: await store.auditPublicKey(),
    };
  } finally {
    await store.close();
  }
}

async function loadSqlite(file: string): Promise<LoadedAudit> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const t = AUDIT_SQLITE;
    const has = (name: string) =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    if (!has(t.table)) {
      throw new FederaError(
        'E_AUDIT_FILE',
        `${file} is a SQLite database without a '${t.table}' table`,
        'point at the federa server database, or export the chain as JSONL',
      );
    }
    const rows = db
      .prepare(`SELECT ${t.seqColumn} AS seq, ${t.entryColumn} AS entry FROM ${t.table} ORDER BY ${t.seqColumn}`)
      .all() as {
      seq: number;
      entry: string;
    }[];
    const meta = has(t.metaTable)
      ? (db.prepare(`SELECT value FROM ${t.metaTable} WHERE key = ?`).get(t.publicKeyName) as
          | { value: string }
          | undefined)
      : undefined;
    return {
      format: 'sqlite',
      entries: rows.map((r) => {
        try {
          return JSON.parse(r.entry);
        } catch {
          return r.entry;
        }
      }),
      where: rows.map((r) => `${t.table}.${t.seqColumn} = ${r.seq}`),
      embeddedKey: meta?.value,
    };
  } finally {
    db.close();
  }
}

/** A key given on the command line: base64 itself, or a file that holds it. */
async function readKey(value: string): Promise<string> {
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return value;
  try {
    return (await readFile(value, 'utf8')).trim();
  } catch {
    throw new FederaError(
      'E_AUDIT_KEY',
      `--key ${value} is neither a base64 Ed25519 public key (44 characters) nor a readable file`,
      "pass the server's audit public key",
    );
  }
}

function parseHead(value: string): AuditHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!m || !fromHex(m[2])) {
    throw new FederaError('E_ARG', `--head ${value} is not <seq>:<64 hex chars>`, 'e.g. --head 41:3fa9…');
  }
  return { seq: Number(m[1]), hash: m[2] };
}
